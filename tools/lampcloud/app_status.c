/* tools/lampcloud/app_status.c: see app_status.h. */
#include "app_status.h"
#include "app_topics.h"

#include <cjson/cJSON.h>
#include <string.h>

struct app_row {
    char *serial, *app;
    char *offered;              /* the version offered, "remove", or NULL */
    char *state, *version, *why; /* from the lamp, or NULL */
};

static void app_row_free(gpointer data)
{
    struct app_row *r = data;

    g_free(r->serial);
    g_free(r->app);
    g_free(r->offered);
    g_free(r->state);
    g_free(r->version);
    g_free(r->why);
    g_free(r);
}

static struct app_row *row_of(GHashTable *rows, const char *serial, const char *app)
{
    g_autofree char *key = g_strdup_printf("%s/%s", serial, app);
    struct app_row *r = g_hash_table_lookup(rows, key);

    if (!r) {
        r = g_new0(struct app_row, 1);
        r->serial = g_strdup(serial);
        r->app = g_strdup(app);
        g_hash_table_insert(rows, g_steal_pointer(&key), r);
    }
    return r;
}

static char *string_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(v) ? g_strdup(v->valuestring) : NULL;
}

static void take_offer(struct app_row *r, const char *payload)
{
    cJSON *o = cJSON_Parse(payload);

    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "remove")))
        r->offered = g_strdup("remove");
    else
        r->offered = string_member(o, "version");
    if (!r->offered)
        r->offered = g_strdup("?");
    cJSON_Delete(o);
}

static void take_status(struct app_row *r, const char *payload)
{
    cJSON *o = cJSON_Parse(payload);

    r->state = string_member(o, "state");
    r->version = string_member(o, "version");
    r->why = string_member(o, "why");
    if (!r->state) {
        r->state = g_strdup("?");
        r->why = g_strdup_printf("not a status: %.60s", payload);
    }
    cJSON_Delete(o);
}

/* lamp/SERIAL/appctl/NAME[/status] into its row; other topics are not ours. */
static void take(GHashTable *rows, const char *topic, const char *payload)
{
    g_auto(GStrv) p = g_strsplit(topic, "/", 0);
    guint n = g_strv_length(p);

    if (n < 4 || strcmp(p[0], "lamp") || strcmp(p[2], APP_TOPIC_APPCTL))
        return;
    if (n == 4)
        take_offer(row_of(rows, p[1], p[3]), payload);
    else if (n == 5 && !strcmp(p[4], APP_TOPIC_STATUS))
        take_status(row_of(rows, p[1], p[3]), payload);
}

static gint by_serial_app(gconstpointer a, gconstpointer b)
{
    const struct app_row *x = a, *y = b;
    int c = strcmp(x->serial, y->serial);

    return c ? c : strcmp(x->app, y->app);
}

#define DASH(s) ((s) ? (s) : "-")

guint app_status_table(GHashTable *retained, GString *out)
{
    g_autoptr(GHashTable) rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                       app_row_free);
    GHashTableIter it;
    gpointer k, v;
    GList *sorted;
    guint count;

    g_hash_table_iter_init(&it, retained);
    while (g_hash_table_iter_next(&it, &k, &v))
        take(rows, k, v);
    count = g_hash_table_size(rows);
    if (count == 0)
        return 0;
    sorted = g_list_sort(g_hash_table_get_values(rows), by_serial_app);
    g_string_append_printf(out, "%-16s %-31s %-9s %-12s %-9s %s\n", "SERIAL", "APP", "OFFERED",
                           "STATE", "VERSION", "WHY");
    for (GList *l = sorted; l; l = l->next) {
        const struct app_row *r = l->data;
        g_string_append_printf(out, "%-16s %-31s %-9s %-12s %-9s %s\n", r->serial, r->app,
                               DASH(r->offered), DASH(r->state), DASH(r->version), DASH(r->why));
    }
    g_list_free(sorted);
    return count;
}
