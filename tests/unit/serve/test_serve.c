/* tests/unit/serve/test_serve.c: the pieces of `lampsim serve` that need
 * no running fleet: Prometheus's text format (sim/prom_text.c) as tables
 * of values, label values and help texts against the lines the format
 * wants, whole families checked line by line; and the validation of
 * every action's request body (sim/lamp_action.c), good and bad bodies
 * with the field each error must name; the routes and the count and
 * listen bodies of the control API (sim/serve_route.c). */
#include "lamp_action.h"
#include "prom_text.h"
#include "serve_route.h"
#include "sim_error.h"

#include <CUnit/Basic.h>
#include <math.h>
#include <string.h>

/* ---- prom_text ---------------------------------------------------------- */

static void values_are_written_as_the_format_reads_them(void)
{
    static const struct { double v; const char *text; } cases[] = {
        { 0, "0" }, { -0.0, "0" }, { 1, "1" }, { 42, "42" }, { -7, "-7" },
        { 1e6, "1000000" }, { 123456789012345.0, "123456789012345" },
        { 0.5, "0.5" }, { 0.1, "0.1" }, { 2.5, "2.5" }, { -0.25, "-0.25" },
        { 1.0 / 3, "0.3333333333333333" }, { 1e-9, "1e-09" }, { 0.1 + 0.2, "0.30000000000000004" },
        { 1e20, "1e+20" }, { INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" },
    };
    char buf[32];

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *got = prom_value(cases[i].v, buf);
        if (strcmp(got, cases[i].text))
            fprintf(stderr, "\n  value %u: got %s, want %s", i, got, cases[i].text);
        CU_ASSERT_STRING_EQUAL(got, cases[i].text);
        /* what is written reads back as the same number */
        if (isfinite(cases[i].v))
            CU_ASSERT_EQUAL(g_ascii_strtod(got, NULL), cases[i].v);
    }
}

static void label_values_and_help_are_escaped(void)
{
    static const struct { const char *in, *label, *help; } cases[] = {
        { "plain", "plain", "plain" },
        { "a\"b", "a\\\"b", "a\"b" },
        { "back\\slash", "back\\\\slash", "back\\\\slash" },
        { "two\nlines", "two\\nlines", "two\\nlines" },
        { "", "", "" },
        { "\\\"\n", "\\\\\\\"\\n", "\\\\\"\\n" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) l = g_string_new(NULL), h = g_string_new(NULL);
        prom_escape_label(l, cases[i].in);
        prom_escape_help(h, cases[i].in);
        CU_ASSERT_STRING_EQUAL(l->str, cases[i].label);
        CU_ASSERT_STRING_EQUAL(h->str, cases[i].help);
    }
}

static void names_follow_the_data_model(void)
{
    static const struct { const char *name; bool metric, label; } cases[] = {
        { "lampsim_lamps", true, true }, { "a:b", true, false }, { "_x1", true, true },
        { "1x", false, false }, { "", false, false }, { "a-b", false, false },
        { "state", true, true }, { "le", true, true }, { "x y", false, false },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        CU_ASSERT_EQUAL(prom_name_valid(cases[i].name, false), cases[i].metric);
        CU_ASSERT_EQUAL(prom_name_valid(cases[i].name, true), cases[i].label);
    }
}

static void families_are_written_whole(void)
{
    static const double bounds[] = { 0.5, 1, 2.5 };
    static const uint64_t cum[] = { 1, 3, 3 };
    const char *const one[] = { "state", "on\"line", NULL };
    const char *const two[] = { "a", "1", "b", "x\ny", NULL };
    static const struct { const char *what, *want; } cases[] = {
        { "counter",
          "# HELP t_total Things\\ncounted \\\\ here\n# TYPE t_total counter\nt_total 3\n" },
        { "gauge, one label", "# HELP g A gauge\n# TYPE g gauge\ng{state=\"on\\\"line\"} 0.5\n" },
        { "two labels", "s{a=\"1\",b=\"x\\ny\"} -1\n" },
        { "histogram",
          "# HELP h Seconds\n# TYPE h histogram\n"
          "h_bucket{le=\"0.5\"} 1\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"2.5\"} 3\n"
          "h_bucket{le=\"+Inf\"} 4\nh_sum 7.25\nh_count 4\n" },
        { "histogram with a label",
          "h_bucket{w=\"0\",le=\"0.5\"} 1\nh_bucket{w=\"0\",le=\"1\"} 3\n"
          "h_bucket{w=\"0\",le=\"2.5\"} 3\nh_bucket{w=\"0\",le=\"+Inf\"} 3\n"
          "h_sum{w=\"0\"} 1.5\nh_count{w=\"0\"} 3\n" },
    };
    GString *out[G_N_ELEMENTS(cases)];
    const char *const w0[] = { "w", "0", NULL };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++)
        out[i] = g_string_new(NULL);
    prom_family(out[0], "t_total", "counter", "Things\ncounted \\ here");
    prom_sample(out[0], "t_total", NULL, 3);
    prom_family(out[1], "g", "gauge", "A gauge");
    prom_sample(out[1], "g", one, 0.5);
    prom_sample(out[2], "s", two, -1);
    prom_family(out[3], "h", "histogram", "Seconds");
    prom_histogram(out[3], "h", NULL, bounds, cum, 3, 7.25, 4);
    prom_histogram(out[4], "h", w0, bounds, cum, 3, 1.5, 3);
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (strcmp(out[i]->str, cases[i].want))
            fprintf(stderr, "\n  %s:\n%s  want:\n%s", cases[i].what, out[i]->str, cases[i].want);
        CU_ASSERT_STRING_EQUAL(out[i]->str, cases[i].want);
        g_string_free(out[i], TRUE);
    }
}

/* ---- lamp_action -------------------------------------------------------- */

/* field: the field the error must name first ("field: ..."); NULL: the
 * body must be accepted. */
static const struct {
    const char *action, *body, *field;
} requests[] = {
    /* the names */
    { "power_on", "{}", NULL }, { "power_on", NULL, NULL }, { "power_on", "", NULL },
    { "explode", "{}", "action" }, { "", "{}", "action" },
    /* any body: JSON objects only, no unknown members */
    { "power_off", "[]", "body" }, { "power_off", "{", "body" }, { "power_off", "nope", "body" },
    { "power_off", "{\"x\": 1}", "x" }, { "reboot", "{\"now\": true}", "now" },
    /* power_cut */
    { "power_cut", "{}", NULL }, { "power_cut", "{\"after_flash_ops\": 3}", NULL },
    { "power_cut", "{\"after_flash_ops\": 3, \"torn\": true}", NULL },
    { "power_cut", "{\"after_flash_ops\": 0}", "after_flash_ops" },
    { "power_cut", "{\"after_flash_ops\": 2.5}", "after_flash_ops" },
    { "power_cut", "{\"after_flash_ops\": \"3\"}", "after_flash_ops" },
    { "power_cut", "{\"torn\": true}", "torn" }, { "power_cut", "{\"torn\": 1}", "torn" },
    /* console */
    { "console", "{\"line\": \"status\"}", NULL }, { "console", "{}", "line" },
    { "console", "{\"line\": 5}", "line" }, { "console", "{\"line\": \"a\\nb\"}", "line" },
    { "console", "{\"line\": \"a\\rb\"}", "line" },
    /* environment */
    { "environment", "{\"daylight_lux\": 500}", NULL },
    { "environment", "{\"occupied\": true, \"ambient_temp_c\": 30, \"motion\": true}", NULL },
    { "environment", "{}", "body" }, { "environment", "{\"daylight_lux\": -1}", "daylight_lux" },
    { "environment", "{\"daylight_lux\": 1e9}", "daylight_lux" },
    { "environment", "{\"ambient_temp_c\": 200}", "ambient_temp_c" },
    { "environment", "{\"occupied\": \"yes\"}", "occupied" },
    { "environment", "{\"motion\": 1}", "motion" }, { "environment", "{\"lux\": 3}", "lux" },
    /* sensor_fault */
    { "sensor_fault", "{\"sensor\": \"lux\", \"fault\": \"stuck\"}", NULL },
    { "sensor_fault", "{\"sensor\": \"temp\", \"fault\": \"none\"}", NULL },
    { "sensor_fault", "{\"sensor\": \"pir\", \"fault\": \"absent\"}", NULL },
    { "sensor_fault", "{\"fault\": \"stuck\"}", "sensor" },
    { "sensor_fault", "{\"sensor\": \"eye\", \"fault\": \"stuck\"}", "sensor" },
    { "sensor_fault", "{\"sensor\": \"lux\"}", "fault" },
    { "sensor_fault", "{\"sensor\": \"lux\", \"fault\": \"melted\"}", "fault" },
    /* net_fault */
    { "net_fault", "{\"fault\": \"latency\", \"ms\": 200}", NULL },
    { "net_fault", "{\"fault\": \"drop\"}", NULL }, { "net_fault", "{\"fault\": \"link_loss\"}", NULL },
    { "net_fault", "{\"fault\": \"refuse\", \"on\": false}", NULL },
    { "net_fault", "{\"fault\": \"stall\"}", NULL },
    { "net_fault", "{}", "fault" }, { "net_fault", "{\"fault\": \"flood\"}", "fault" },
    { "net_fault", "{\"fault\": \"latency\"}", "ms" },
    { "net_fault", "{\"fault\": \"latency\", \"ms\": -5}", "ms" },
    { "net_fault", "{\"fault\": \"latency\", \"ms\": 700000}", "ms" },
    { "net_fault", "{\"fault\": \"drop\", \"ms\": 5}", "ms" },
    { "net_fault", "{\"fault\": \"drop\", \"on\": true}", "on" },
    /* update */
    { "update", "{\"image\": \"/tmp/app.img\"}", NULL }, { "update", "{}", "image" },
    { "update", "{\"image\": \"app.img\"}", "image" }, { "update", "{\"image\": 1}", "image" },
    /* commission */
    { "commission", "{\"ssid\": \"site\", \"passphrase\": \"site-passphrase\"}", NULL },
    { "commission", "{\"passphrase\": \"site-passphrase\"}", "ssid" },
    { "commission", "{\"ssid\": \"site\"}", "passphrase" },
    { "commission", "{\"ssid\": \"\", \"passphrase\": \"site-passphrase\"}", "ssid" },
    { "commission", "{\"ssid\": \"a b\", \"passphrase\": \"site-passphrase\"}", "ssid" },
    { "commission", "{\"ssid\": \"site\", \"passphrase\": \"short\"}", "passphrase" },
    { "commission", "{\"ssid\": \"site\", \"passphrase\": \"has a space\"}", "passphrase" },
};

static void every_action_body_is_checked_and_errors_name_the_field(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(requests); i++) {
        struct lamp_action a;
        g_autoptr(GError) error = NULL;
        bool ok = lamp_action_parse(requests[i].action, requests[i].body, &a, &error);

        if (ok != (requests[i].field == NULL) ||
            (!ok && (!g_str_has_prefix(error->message, requests[i].field) ||
                     error->message[strlen(requests[i].field)] != ':')))
            fprintf(stderr, "\n  %s %s: %s", requests[i].action,
                    requests[i].body ? requests[i].body : "(none)", ok ? "accepted" : error->message);
        CU_ASSERT_EQUAL(ok, requests[i].field == NULL);
        if (!ok) {
            CU_ASSERT_TRUE(g_error_matches(error, SIM_ERROR, SIM_ERROR_ARGS));
            CU_ASSERT_TRUE(g_str_has_prefix(error->message, requests[i].field));
            CU_ASSERT_EQUAL(error->message[strlen(requests[i].field)], ':');
        } else {
            lamp_action_clear(&a);
        }
    }
}

static void parsed_actions_carry_their_arguments(void)
{
    struct lamp_action a;

    CU_ASSERT_TRUE_FATAL(lamp_action_parse("net_fault", "{\"fault\":\"latency\",\"ms\":250}", &a, NULL));
    CU_ASSERT_EQUAL(a.kind, LAMP_ACT_NET);
    CU_ASSERT_EQUAL(a.net, MACHINE_NET_LATENCY_MS);
    CU_ASSERT_EQUAL(a.arg, 250);
    CU_ASSERT_TRUE_FATAL(lamp_action_parse("net_fault", "{\"fault\":\"stall\",\"on\":false}", &a, NULL));
    CU_ASSERT_EQUAL(a.net, MACHINE_NET_STALL);
    CU_ASSERT_EQUAL(a.arg, 0);
    CU_ASSERT_TRUE_FATAL(lamp_action_parse("environment", "{\"daylight_lux\":300,\"motion\":true}", &a, NULL));
    CU_ASSERT_TRUE(a.set_lux && !a.set_occupied && !a.set_temp && a.motion);
    CU_ASSERT_DOUBLE_EQUAL(a.lux, 300, 1e-9);
    CU_ASSERT_TRUE_FATAL(lamp_action_parse("sensor_fault", "{\"sensor\":\"pir\",\"fault\":\"noisy\"}", &a, NULL));
    CU_ASSERT_EQUAL(a.sensor, MACHINE_LIGHT_SENSOR_PIR);
    CU_ASSERT_EQUAL(a.fault, MACHINE_LIGHT_FAULT_NOISY);
    CU_ASSERT_TRUE_FATAL(lamp_action_parse("power_cut", "{\"after_flash_ops\":4,\"torn\":true}", &a, NULL));
    CU_ASSERT_EQUAL(a.arg, 4);
    CU_ASSERT_TRUE(a.torn);
    CU_ASSERT_TRUE_FATAL(lamp_action_parse("commission", "{\"ssid\":\"s\",\"passphrase\":\"12345678\"}", &a, NULL));
    CU_ASSERT_STRING_EQUAL(a.text, "s");
    CU_ASSERT_STRING_EQUAL(a.passphrase, "12345678");
    lamp_action_clear(&a);
    CU_ASSERT_PTR_NULL(a.text);
    /* every kind has a name, and the name leads back to it */
    for (int k = 0; k < LAMP_ACT_COUNT; k++)
        CU_ASSERT_EQUAL(lamp_action_from_name(lamp_action_name(k)), k);
}

static void paths_name_their_route_and_lamp(void)
{
    static const struct {
        const char *method, *path;
        enum serve_route_kind kind;
        bool method_ok;
        const char *serial, *name;
    } cases[] = {
        { "GET", "/api/lamps", SERVE_ROUTE_LAMPS, true, NULL, NULL },
        { "PUT", "/api/lamps", SERVE_ROUTE_LAMPS, false, NULL, NULL },
        { "DELETE", "/api/lamps/LMP-1", SERVE_ROUTE_LAMP, true, "LMP-1", NULL },
        { "GET", "/api/lamps/", SERVE_ROUTE_NONE, false, NULL, NULL },
        { "POST", "/api/lamps/LMP-1/actions/reboot", SERVE_ROUTE_LAMP_ACTION, true, "LMP-1", "reboot" },
        { "POST", "/api/lamps//actions/reboot", SERVE_ROUTE_LAMP_ACTION, true, "", "reboot" },
        { "POST", "/api/lamps/LMP-1/actions/", SERVE_ROUTE_NONE, false, NULL, NULL },
        { "DELETE", "/api/lamps/LMP-1/gdb", SERVE_ROUTE_LAMP_GDB, true, "LMP-1", NULL },
        { "GET", "/api/lamps/LMP-1/gdb/x", SERVE_ROUTE_NONE, false, NULL, NULL },
        { "GET", "/api/events", SERVE_ROUTE_EVENTS, true, NULL, NULL },
        { "POST", "/api/fleet/actions/net_fault", SERVE_ROUTE_FLEET_ACTION, true, NULL, "net_fault" },
        { "get", "/api/fleet", SERVE_ROUTE_FLEET, false, NULL, NULL },
        { "GET", "/api", SERVE_ROUTE_NONE, false, NULL, NULL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct serve_route r;
        serve_route_parse(cases[i].method, cases[i].path, &r);
        CU_ASSERT_EQUAL(r.kind, cases[i].kind);
        CU_ASSERT_EQUAL(r.method_ok, cases[i].method_ok);
        CU_ASSERT_EQUAL(!r.serial, !cases[i].serial);
        if (r.serial && cases[i].serial) {
            CU_ASSERT_STRING_EQUAL(r.serial, cases[i].serial);
        }
        CU_ASSERT_EQUAL(!r.name, !cases[i].name);
        if (r.name && cases[i].name) {
            CU_ASSERT_STRING_EQUAL(r.name, cases[i].name);
        }
        serve_route_clear(&r);
    }
}

static void count_and_listen_bodies_name_the_field(void)
{
    static const struct { const char *body, *field; guint count; } counts[] = {
        { "{\"count\": 10}", NULL, 10 }, { "{\"count\": 1000}", NULL, 1000 },
        { "{\"count\": 1001}", "count", 0 }, { "{\"count\": 0.5}", "count", 0 },
        { "{\"count\": 1e300}", "count", 0 }, { "{}", "count", 0 }, { "[]", "body", 0 },
        { "{\"count\": 1, \"n\": 2}", "n", 0 }, { "", "body", 0 },
    };
    static const struct { const char *body, *field, *host; unsigned port; } listens[] = {
        { "", NULL, "127.0.0.1", 0 }, { "{}", NULL, "127.0.0.1", 0 },
        { "{\"listen\": \"3333\"}", NULL, "127.0.0.1", 3333 },
        { "{\"listen\": 3333}", "listen", NULL, 0 }, { "{\"listen\": \"x:y\"}", "listen", NULL, 0 },
        { "{\"port\": \"1\"}", "port", NULL, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(counts); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *field = NULL;
        guint n = 0;
        bool ok = serve_body_count(counts[i].body, 1000, &n, &field, &error);
        CU_ASSERT_EQUAL(ok, counts[i].field == NULL);
        if (ok) {
            CU_ASSERT_EQUAL(n, counts[i].count);
        } else {
            CU_ASSERT_PTR_NOT_NULL_FATAL(field);
            CU_ASSERT_STRING_EQUAL(field, counts[i].field);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(listens); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *field = NULL, *host = NULL;
        uint16_t port = 0;
        bool ok = serve_body_listen(listens[i].body, "127.0.0.1:0", &host, &port, &field, &error);
        CU_ASSERT_EQUAL(ok, listens[i].field == NULL);
        if (ok) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(host);
            CU_ASSERT_STRING_EQUAL(host, listens[i].host);
            CU_ASSERT_EQUAL(port, listens[i].port);
        } else {
            CU_ASSERT_PTR_NOT_NULL_FATAL(field);
            CU_ASSERT_STRING_EQUAL(field, listens[i].field);
        }
    }
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("prom_text", NULL, NULL);
    CU_add_test(s, "values_are_written_as_the_format_reads_them", values_are_written_as_the_format_reads_them);
    CU_add_test(s, "label_values_and_help_are_escaped", label_values_and_help_are_escaped);
    CU_add_test(s, "names_follow_the_data_model", names_follow_the_data_model);
    CU_add_test(s, "families_are_written_whole", families_are_written_whole);
    s = CU_add_suite("serve_route", NULL, NULL);
    CU_add_test(s, "paths_name_their_route_and_lamp", paths_name_their_route_and_lamp);
    CU_add_test(s, "count_and_listen_bodies_name_the_field", count_and_listen_bodies_name_the_field);
    s = CU_add_suite("lamp_action", NULL, NULL);
    CU_add_test(s, "every_action_body_is_checked_and_errors_name_the_field",
                every_action_body_is_checked_and_errors_name_the_field);
    CU_add_test(s, "parsed_actions_carry_their_arguments", parsed_actions_carry_their_arguments);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
