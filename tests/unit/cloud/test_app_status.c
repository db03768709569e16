/* tests/unit/cloud/test_app_status.c: `lampcloud app status`'s table
 * (tools/lampcloud/app_status.c) from the retained messages a broker
 * holds: a table of cases, each a set of topic/payload pairs and the rows
 * (columns squeezed to one space) the lamps' apps must give. */
#include "app_status.h"

#include <CUnit/Basic.h>
#include <string.h>

struct msg {
    const char *topic, *payload;
};

static const struct {
    const char *what;
    struct msg in[6];
    const char *rows; /* "" when there is no row (and no header) */
} cases[] = {
    { "nothing retained", { { NULL } }, "" },
    { "an offer without a status yet",
      { { "lamp/A-1/appctl/hello", "{\"url\":\"https://h:1/hello-1.0.0.lpk\",\"version\":\"1.0.0\",\"size\":812}" } },
      "A-1 hello 1.0.0 - - -\n" },
    { "a removal offer and the lamp's removed",
      { { "lamp/A-1/appctl/hello", "{\"remove\":true}" },
        { "lamp/A-1/appctl/hello/status", "{\"state\":\"removed\",\"version\":\"1.0.0\"}" } },
      "A-1 hello remove removed 1.0.0 -\n" },
    { "a refusal keeps its why",
      { { "lamp/A-1/appctl/hello", "{\"url\":\"u\",\"version\":\"1.1.0\",\"size\":9}" },
        { "lamp/A-1/appctl/hello/status", "{\"state\":\"refused\",\"version\":\"1.1.0\",\"why\":\"app package signature invalid\"}" } },
      "A-1 hello 1.1.0 refused 1.1.0 app package signature invalid\n" },
    { "a status heard without an offer (one made elsewhere)",
      { { "lamp/A-2/appctl/clock/status", "{\"state\":\"running\",\"version\":\"2.0.0\"}" } },
      "A-2 clock - running 2.0.0 -\n" },
    { "rows by serial, then app",
      { { "lamp/B-1/appctl/zeta/status", "{\"state\":\"running\",\"version\":\"1.0.0\"}" },
        { "lamp/A-1/appctl/zeta/status", "{\"state\":\"faulted\",\"version\":\"1.0.0\",\"why\":\"instruction quota\"}" },
        { "lamp/A-1/appctl/alpha/status", "{\"state\":\"stopped\",\"version\":\"0.1.0\"}" } },
      "A-1 alpha - stopped 0.1.0 -\nA-1 zeta - faulted 1.0.0 instruction quota\n"
      "B-1 zeta - running 1.0.0 -\n" },
    { "what is not JSON is shown as such, not dropped",
      { { "lamp/A-1/appctl/hello", "garbage" },
        { "lamp/A-1/appctl/hello/status", "installed" } },
      "A-1 hello ? ? - not a status: installed\n" },
    { "other topics are not the apps'",
      { { "lamp/A-1/shadow/reported", "{\"on\":true}" },
        { "lamp/A-1/appctl/hello/status/x", "{\"state\":\"running\"}" },
        { "lamp/A-1/appctl", "{}" },
        { "lamp/A-1/app/hello/out", "{\"state\":\"running\"}" },
        { "cloud/sync/x", "sync" } },
      "" },
};

/* The table without its header, each run of spaces made one. */
static char *rows_of(const char *table)
{
    const char *body = strchr(table, '\n');
    GString *out = g_string_new(NULL);

    for (const char *p = body ? body + 1 : table; *p; p++)
        if (*p != ' ' || (out->len && out->str[out->len - 1] != ' '))
            g_string_append_c(out, *p);
    return g_string_free(out, FALSE);
}

static void table_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GHashTable) retained = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GString) table = g_string_new(NULL);
        g_autofree char *rows = NULL;
        guint n = 0, count;

        for (const struct msg *m = cases[i].in; m->topic; m++)
            g_hash_table_insert(retained, (gpointer)m->topic, (gpointer)m->payload);
        count = app_status_table(retained, table);
        rows = rows_of(table->str);
        for (const char *p = cases[i].rows; *p; p++)
            n += *p == '\n';
        if (strcmp(rows, cases[i].rows) || count != n)
            fprintf(stderr, "\n  case '%s': %u rows\n%s  want %u rows\n%s", cases[i].what, count,
                    table->str, n, cases[i].rows);
        CU_ASSERT_STRING_EQUAL(rows, cases[i].rows);
        CU_ASSERT_EQUAL(count, n);
        CU_ASSERT_TRUE(n ? g_str_has_prefix(table->str, "SERIAL ") : table->len == 0);
    }
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    s = CU_add_suite("app_status", NULL, NULL);
    CU_add_test(s, "table_cases", table_cases);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
