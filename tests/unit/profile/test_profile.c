/* tests/unit/profile/test_profile.c: load profiles (sim/load_profile.c)
 * as tables: good profiles and what they parse into, bad ones with the
 * JSON path each error must name; when a steady flow's lamps are due
 * (load_profile_due); the request bodies of fleet-wide actions
 * (sim/fleet_action.c), good and bad, with the field each error names. */
#include "fleet_action.h"
#include "load_profile.h"
#include "sim_error.h"
#include "sysctl_hw.h"

#include <CUnit/Basic.h>
#include <string.h>

/* The path an error names: its text up to the first ": ". */
static char *error_path(const GError *e)
{
    const char *colon = strstr(e->message, ": ");
    return g_strndup(e->message, colon ? (gsize)(colon - e->message) : strlen(e->message));
}

#define STORM "{\"at_s\": 10, \"type\": \"storm\", \"unreachable_s\": 5}"
#define OTA "{\"at_s\": 20, \"type\": \"ota\", \"image\": \"/srv/app.img\", \"fraction\": 0.5}"
#define WAVE "{\"at_s\": 30, \"type\": \"commission\", \"ssid\": \"site\", " \
             "\"passphrase\": \"site-passphrase\", \"per_s\": 2, \"lamps\": 10}"

static void bad_profiles_are_refused_naming_the_field(void)
{
    static const struct { const char *text, *path, *why; } cases[] = {
        { "", "$", "not JSON" },
        { "{\"ramp\": {\"per_s\": 1, \"target\": 5}", "$", "not JSON" },
        { "[]", "$", "must be an object" },
        { "{}", "$", "does nothing" },
        { "{\"rmap\": {}}", "$.rmap", "unknown key" },
        { "{\"seed\": -1, \"churn\": {\"per_minute\": 1}}", "$.seed", "negative" },
        { "{\"seed\": 1.5, \"churn\": {\"per_minute\": 1}}", "$.seed", "whole number" },
        { "{\"seed\": \"7\", \"churn\": {\"per_minute\": 1}}", "$.seed", "must be a number" },
        { "{\"ramp\": 5}", "$.ramp", "must be an object" },
        { "{\"ramp\": {\"per_s\": -2, \"target\": 5}}", "$.ramp.per_s", "negative" },
        { "{\"ramp\": {\"per_s\": 0, \"target\": 5}}", "$.ramp.per_s", "more than 0" },
        { "{\"ramp\": {\"per_s\": \"fast\", \"target\": 5}}", "$.ramp.per_s", "must be a number" },
        { "{\"ramp\": {\"target\": 5}}", "$.ramp.per_s", "missing" },
        { "{\"ramp\": {\"per_s\": 1}}", "$.ramp.target", "missing" },
        { "{\"ramp\": {\"per_s\": 1, \"target\": 0}}", "$.ramp.target", "whole number" },
        { "{\"ramp\": {\"per_s\": 1, \"target\": 5, \"per_s\": 2}}", "$.ramp.per_s", "twice" },
        { "{\"ramp\": {\"per_s\": 1, \"target\": 5, \"rate\": 2}}", "$.ramp.rate", "unknown key" },
        { "{\"ramp\": {\"per_s\": 1, \"target\": 5, \"start_s\": -1}}", "$.ramp.start_s", "negative" },
        /* the firmware's bounds (telemetry_limits.h): 5 to 3600 */
        { "{\"telemetry_interval_s\": 4, \"churn\": {\"per_minute\": 1}}", "$.telemetry_interval_s",
          "not a whole number from 5 to 3600" },
        { "{\"telemetry_interval_s\": 3601, \"churn\": {\"per_minute\": 1}}",
          "$.telemetry_interval_s", "not a whole number from 5 to 3600" },
        { "{\"telemetry_interval_s\": 7.5, \"churn\": {\"per_minute\": 1}}",
          "$.telemetry_interval_s", "not a whole number" },
        { "{\"telemetry_interval_s\": -60, \"churn\": {\"per_minute\": 1}}",
          "$.telemetry_interval_s", "negative" },
        { "{\"telemetry_interval_s\": \"60\", \"churn\": {\"per_minute\": 1}}",
          "$.telemetry_interval_s", "must be a number" },
        { "{\"churn\": {\"per_minute\": -3}}", "$.churn.per_minute", "negative" },
        { "{\"churn\": {\"per_minute\": 3, \"start_s\": 10, \"end_s\": 5}}", "$.churn.end_s",
          "not after start_s" },
        { "{\"churn\": {\"per_minute\": 3, \"off_s\": true}}", "$.churn.off_s", "must be a number" },
        { "{\"repeat\": {\"every_s\": 60, \"times\": 2}, \"churn\": {\"per_minute\": 3, \"end_s\": 90}}",
          "$.churn.end_s", "past the cycle's end" },
        { "{\"repeat\": {\"every_s\": 0, \"times\": 2}, \"churn\": {\"per_minute\": 3}}",
          "$.repeat.every_s", "more than 0" },
        { "{\"repeat\": {\"every_s\": 60}, \"churn\": {\"per_minute\": 3}}", "$.repeat.times",
          "missing" },
        { "{\"repeat\": {\"every_s\": 60, \"times\": -1}, \"churn\": {\"per_minute\": 3}}",
          "$.repeat.times", "negative" },
        { "{\"events\": {}}", "$.events", "must be an array" },
        { "{\"events\": [5]}", "$.events[0]", "must be an object" },
        { "{\"events\": [{\"at_s\": 1}]}", "$.events[0].type", "missing" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"flood\"}]}", "$.events[0].type", "no event type" },
        { "{\"events\": [{\"type\": \"storm\"}]}", "$.events[0].at_s", "missing" },
        { "{\"events\": [{\"at_s\": -5, \"type\": \"storm\"}]}", "$.events[0].at_s", "negative" },
        { "{\"events\": [{\"at_s\": 5, \"type\": \"storm\", \"drop\": 1}]}", "$.events[0].drop",
          "true or false" },
        { "{\"events\": [{\"at_s\": 5, \"type\": \"storm\", \"drop\": false}]}", "$.events[0]",
          "does nothing" },
        { "{\"events\": [{\"at_s\": 5, \"type\": \"storm\", \"image\": \"/x\"}]}",
          "$.events[0].image", "unknown key" },
        { "{\"events\": [" STORM ", {\"at_s\": 4, \"type\": \"storm\"}]}", "$.events[1].at_s",
          "time order" },
        { "{\"events\": [" STORM ", {\"at_s\": 12, \"type\": \"storm\"}]}", "$.events[1].at_s",
          "may not overlap" },
        { "{\"repeat\": {\"every_s\": 12, \"times\": 0}, \"events\": [" STORM "]}",
          "$.events[0].unreachable_s", "cycle's end" },
        { "{\"repeat\": {\"every_s\": 20, \"times\": 0}, \"events\": [" OTA "]}",
          "$.events[0].at_s", "not inside the cycle" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"ota\"}]}", "$.events[0].image", "missing" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"ota\", \"image\": \"app.img\"}]}",
          "$.events[0].image", "absolute path" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"ota\", \"image\": \"/a\", \"lamps\": 2, "
          "\"fraction\": 0.5}]}", "$.events[0].fraction", "not both" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"ota\", \"image\": \"/a\", \"fraction\": 1.5}]}",
          "$.events[0].fraction", "at most 1" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"ota\", \"image\": \"/a\", \"lamps\": 0}]}",
          "$.events[0].lamps", "whole number" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"commission\", \"ssid\": \"s\", "
          "\"passphrase\": \"long-enough\"}]}", "$.events[0].per_s", "missing" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"commission\", \"per_s\": 1, \"ssid\": \"s\", "
          "\"passphrase\": \"short\"}]}", "$.events[0].passphrase", "8-63" },
        { "{\"events\": [{\"at_s\": 1, \"type\": \"commission\", \"per_s\": 1, \"ssid\": \"a b\", "
          "\"passphrase\": \"long-enough\"}]}", "$.events[0].ssid", "without spaces" },
        { "{\"events\": [" OTA ", " WAVE ", {\"at_s\": 29, \"type\": \"storm\"}]}",
          "$.events[2].at_s", "time order" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct load_profile p;
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        bool ok = load_profile_parse(cases[i].text, &p, &error);

        CU_ASSERT_FALSE(ok);
        if (ok) {
            fprintf(stderr, "\n  case %u accepted: %s", i, cases[i].text);
            load_profile_clear(&p);
            continue;
        }
        CU_ASSERT(g_error_matches(error, SIM_ERROR, SIM_ERROR_ARGS));
        path = error_path(error);
        if (strcmp(path, cases[i].path) || !strstr(error->message, cases[i].why))
            fprintf(stderr, "\n  case %u: got '%s', want path %s and '%s'", i, error->message,
                    cases[i].path, cases[i].why);
        CU_ASSERT_STRING_EQUAL(path, cases[i].path);
        CU_ASSERT_PTR_NOT_NULL(strstr(error->message, cases[i].why));
        CU_ASSERT_EQUAL(p.n_events, 0);   /* a refused profile is left empty */
        CU_ASSERT_PTR_NULL(p.events);
    }
}

static void good_profiles_parse_into_their_fields(void)
{
    struct load_profile p;
    g_autoptr(GError) error = NULL;
    const char *text =
        "{\"seed\": 42, \"repeat\": {\"every_s\": 120, \"times\": 3},"
        " \"ramp\": {\"start_s\": 2, \"per_s\": 5, \"target\": 100},"
        " \"telemetry_interval_s\": 10,"
        " \"churn\": {\"per_minute\": 12, \"start_s\": 5, \"end_s\": 100, \"off_s\": 3},"
        " \"events\": [" STORM ", " OTA ", " WAVE "]}";

    CU_ASSERT_TRUE_FATAL(load_profile_parse(text, &p, &error));
    CU_ASSERT_EQUAL(p.seed, 42);
    CU_ASSERT_EQUAL(p.every_s, 120);
    CU_ASSERT_EQUAL(p.times, 3);
    CU_ASSERT_EQUAL(p.ramp_start_s, 2);
    CU_ASSERT_EQUAL(p.ramp_per_s, 5);
    CU_ASSERT_EQUAL(p.ramp_target, 100);
    CU_ASSERT_EQUAL(p.churn_per_minute, 12);
    CU_ASSERT_EQUAL(p.churn_start_s, 5);
    CU_ASSERT_EQUAL(p.churn_end_s, 100);
    CU_ASSERT_EQUAL(p.churn_off_s, 3);
    CU_ASSERT_EQUAL(p.telemetry_s, 10);
    CU_ASSERT_EQUAL_FATAL(p.n_events, 3);
    CU_ASSERT_EQUAL(p.events[0].kind, PROFILE_EV_STORM);
    CU_ASSERT_EQUAL(p.events[0].at_s, 10);
    CU_ASSERT_TRUE(p.events[0].drop);            /* drop unless told */
    CU_ASSERT_EQUAL(p.events[0].unreachable_s, 5);
    CU_ASSERT_EQUAL(p.events[1].kind, PROFILE_EV_OTA);
    CU_ASSERT_EQUAL(p.events[1].action.kind, LAMP_ACT_UPDATE);
    CU_ASSERT_STRING_EQUAL(p.events[1].action.text, "/srv/app.img");
    CU_ASSERT_EQUAL(p.events[1].lamps.fraction, 0.5);
    CU_ASSERT_EQUAL(p.events[1].lamps.count, 0);
    CU_ASSERT_EQUAL(p.events[2].kind, PROFILE_EV_COMMISSION);
    CU_ASSERT_EQUAL(p.events[2].action.kind, LAMP_ACT_COMMISSION);
    CU_ASSERT_STRING_EQUAL(p.events[2].action.text, "site");
    CU_ASSERT_STRING_EQUAL(p.events[2].action.passphrase, "site-passphrase");
    CU_ASSERT_EQUAL(p.events[2].per_s, 2);
    CU_ASSERT_EQUAL(p.events[2].lamps.count, 10);
    load_profile_clear(&p);

    /* the smallest profiles: one part each; no repeat is one endless cycle */
    static const char *const small[] = {
        "{\"ramp\": {\"per_s\": 0.5, \"target\": 1}}",
        "{\"churn\": {\"per_minute\": 0.1}}",
        "{\"events\": [{\"at_s\": 0, \"type\": \"storm\"}]}",
        "{\"events\": [{\"at_s\": 0, \"type\": \"storm\", \"drop\": false, \"unreachable_s\": 1}]}",
        "{\"repeat\": {\"every_s\": 10, \"times\": 0}, \"events\": [{\"at_s\": 5, \"type\": "
        "\"storm\", \"unreachable_s\": 5}]}",
        /* the telemetry period's bounds are taken */
        "{\"telemetry_interval_s\": 5, \"churn\": {\"per_minute\": 0.1}}",
        "{\"telemetry_interval_s\": 3600, \"churn\": {\"per_minute\": 0.1}}",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(small); i++) {
        g_clear_error(&error);
        CU_ASSERT_TRUE(load_profile_parse(small[i], &p, &error));
        if (error)
            fprintf(stderr, "\n  small %u: %s", i, error->message);
        CU_ASSERT_EQUAL(p.every_s, i == 4 ? 10 : 0);
        CU_ASSERT_EQUAL(p.telemetry_s, i == 5 ? 5 : i == 6 ? 3600 : 0); /* 0: not stated */
        load_profile_clear(&p);
    }
}

static void a_steady_flow_is_due_from_its_start(void)
{
    static const struct { double rate, start, end, t; guint64 due; } cases[] = {
        { 1, 0, 0, -1, 0 },        /* before the start */
        { 1, 0, 0, 0, 1 },         /* the first at the start */
        { 1, 0, 0, 0.99, 1 },
        { 1, 0, 0, 1, 2 },
        { 2, 5, 0, 7.6, 6 },       /* 5, 5.5, 6, 6.5, 7, 7.5 */
        { 0.2, 0, 60, 59.9, 12 },  /* 12 a minute: 0, 5, ... 55 */
        { 0.2, 0, 60, 60, 12 },    /* none at the window's end */
        { 0.2, 0, 60, 1000, 12 },
        { 0.25, 0, 10, 100, 3 },   /* 0, 4, 8 */
        { 0.1, 0, 0, 29.9, 3 },
        { 0.1, 0, 0, 30, 4 },      /* 0.1 * 30 rounds below 3 in binary: still due at 30 */
        { 0.1, 0, 10, 10, 1 },     /* 0.1 * 10 rounds above 1: still one */
        { 0, 0, 0, 100, 0 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint64 due = load_profile_due(cases[i].rate, cases[i].start, cases[i].end, cases[i].t);
        if (due != cases[i].due)
            fprintf(stderr, "\n  case %u: %" G_GUINT64_FORMAT " due, want %" G_GUINT64_FORMAT,
                    i, due, cases[i].due);
        CU_ASSERT_EQUAL(due, cases[i].due);
    }
}

static void fleet_action_bodies_are_checked_and_errors_name_the_field(void)
{
    static const struct { const char *name, *body, *field; } bad[] = {
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": 3}", "lamps" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"count\": 0}}", "lamps.count" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"count\": 2.5}}", "lamps.count" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"fraction\": 0}}", "lamps.fraction" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"count\": 1, \"fraction\": 0.5}}",
          "lamps.fraction" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"network\": \"up\"}}", "lamps.network" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"power\": \"on\"}}", "lamps.power" },
        { "net_fault", "{\"fault\": \"drop\", \"lamps\": {\"serial\": \"x\"}}", "lamps.serial" },
        { "net_fault", "{\"fault\": \"flood\"}", "fault" },
        { "net_fault", "[]", "body" },
        { "reboot", "{\"now\": true}", "now" },
        { "explode", "{}", "action" },
    };
    static const struct { const char *name, *body; struct fleet_pick pick; } good[] = {
        { "net_fault", "{\"fault\": \"drop\"}", { 0 } },
        { "reboot", "", { 0 } },
        { "net_fault", "{\"fault\": \"refuse\", \"on\": true, \"lamps\": {\"network\": \"online\", "
          "\"count\": 3}}", { .by_network = true, .network = SYSCTL_NETSTATE_ONLINE, .count = 3 } },
        { "power_cut", "{\"lamps\": {\"power\": \"sleeping\", \"fraction\": 0.25}}",
          { .by_power = true, .power = MACHINE_SLEEPING, .fraction = 0.25 } },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct fleet_action fa;
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;

        CU_ASSERT_FALSE(fleet_action_parse(bad[i].name, bad[i].body, &fa, &error));
        if (!error)
            continue;
        path = error_path(error);
        if (strcmp(path, bad[i].field))
            fprintf(stderr, "\n  bad %u: '%s', want field %s", i, error->message, bad[i].field);
        CU_ASSERT_STRING_EQUAL(path, bad[i].field);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(good); i++) {
        struct fleet_action fa;
        g_autoptr(GError) error = NULL;

        CU_ASSERT_TRUE(fleet_action_parse(good[i].name, good[i].body, &fa, &error));
        if (error) {
            fprintf(stderr, "\n  good %u: %s", i, error->message);
            continue;
        }
        CU_ASSERT_EQUAL(fa.action.kind, lamp_action_from_name(good[i].name));
        CU_ASSERT_EQUAL(fa.pick.by_network, good[i].pick.by_network);
        CU_ASSERT_EQUAL(fa.pick.network, good[i].pick.network);
        CU_ASSERT_EQUAL(fa.pick.by_power, good[i].pick.by_power);
        CU_ASSERT_EQUAL(fa.pick.power, good[i].pick.power);
        CU_ASSERT_EQUAL(fa.pick.count, good[i].pick.count);
        CU_ASSERT_EQUAL(fa.pick.fraction, good[i].pick.fraction);
        fleet_action_clear(&fa);
    }
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("load_profile", NULL, NULL);
    CU_add_test(s, "bad_profiles_are_refused_naming_the_field",
                bad_profiles_are_refused_naming_the_field);
    CU_add_test(s, "good_profiles_parse_into_their_fields", good_profiles_parse_into_their_fields);
    CU_add_test(s, "a_steady_flow_is_due_from_its_start", a_steady_flow_is_due_from_its_start);
    s = CU_add_suite("fleet_action", NULL, NULL);
    CU_add_test(s, "fleet_action_bodies_are_checked_and_errors_name_the_field",
                fleet_action_bodies_are_checked_and_errors_name_the_field);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
