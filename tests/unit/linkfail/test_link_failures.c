/* tests/unit/linkfail/test_link_failures.c: alert descriptions by their
 * registered names (firmware/app/tls_alert.c) and the failure counters'
 * telemetry member (firmware/app/link_failures.c). */
#include "link_failures.h"
#include "tls_alert.h"

#include "cunit_run.h"

#include <CUnit/Basic.h>
#include <string.h>

/* What the firmware would write to SYSCTL LINKFAIL, in order. */
static unsigned told[16], n_told;

void link_failure_tell_twin(enum link_failure why)
{
    if (n_told < sizeof(told) / sizeof(told[0]))
        told[n_told++] = why;
}

static void alerts_have_their_rfc_names(void)
{
    static const struct {
        uint8_t description;
        const char *name;
    } cases[] = {
        { 0, "close_notify" },       { 20, "bad_record_mac" },     { 40, "handshake_failure" },
        { 42, "bad_certificate" },   { 48, "unknown_ca" },         { 70, "protocol_version" },
        { 80, "internal_error" },    { 86, "inappropriate_fallback" },
        { 112, "unrecognized_name" }, { 120, "no_application_protocol" },
        { 1, NULL },                 { 255, NULL },                { 121, NULL },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = tls_alert_name(cases[i].description);
        if (cases[i].name) {
            CU_ASSERT_STRING_EQUAL(got ? got : "(null)", cases[i].name);
        } else {
            CU_ASSERT_PTR_NULL(got);
        }
    }
}

static void every_description_has_one_bounded_index(void)
{
    unsigned named = 0;

    for (unsigned d = 0; d < 256; d++) {
        unsigned i = tls_alert_index((uint8_t)d);
        CU_ASSERT(i <= TLS_ALERT_NAMED);
        if (i < TLS_ALERT_NAMED) {
            named++;
            CU_ASSERT_STRING_EQUAL(tls_alert_index_name(i), tls_alert_name((uint8_t)d));
        } else {
            CU_ASSERT_PTR_NULL(tls_alert_name((uint8_t)d));
        }
    }
    CU_ASSERT_EQUAL(named, TLS_ALERT_NAMED); /* no description twice in the table */
    CU_ASSERT_STRING_EQUAL(tls_alert_index_name(TLS_ALERT_NAMED), "unregistered");
}

static void telemetry_lists_only_what_was_counted(void)
{
    char out[256];

    link_failures_clear();
    CU_ASSERT_EQUAL(link_failures_json(out, sizeof(out)), 2u);
    CU_ASSERT_STRING_EQUAL(out, "{}");
    link_failure_count(LF_BAD_RECORD_MAC);
    link_failure_count(LF_HANDSHAKE_TIMEOUT);
    link_failure_count(LF_HANDSHAKE_TIMEOUT);
    link_failure_count_alert(70);
    link_failure_count_alert(200); /* unregistered */
    link_failure_count(LF_REASONS); /* not a reason: ignored */
    CU_ASSERT_EQUAL(link_failures_json(out, sizeof(out)), strlen(out));
    CU_ASSERT_STRING_EQUAL(out, "{\"bad_record_mac\":1,\"handshake_timeout\":2,"
                                "\"alert_protocol_version\":1,\"alert_unregistered\":1}");
}

static void the_twin_hears_each_failure_once(void)
{
    static const unsigned want[] = { LF_CERT_EXPIRED, LF_ALERT_RECEIVED, LF_ALERT_RECEIVED,
                                     LF_CONNACK_TIMEOUT };

    n_told = 0;
    link_failures_clear();
    link_failure_count(LF_CERT_EXPIRED);
    link_failure_count_alert(42);
    link_failure_count_alert(7);
    link_failure_count(LF_REASONS);
    link_failure_count(LF_CONNACK_TIMEOUT);
    CU_ASSERT_EQUAL(n_told, sizeof(want) / sizeof(want[0]));
    CU_ASSERT_EQUAL(memcmp(told, want, sizeof(want)), 0);
}

static void telemetry_says_more_when_it_does_not_fit(void)
{
    static const struct {
        size_t cap;
        const char *want;
    } cases[] = {
        { 40, "{\"bad_record_mac\":1,\"more\":true}" },
        { 33, "{\"bad_record_mac\":1,\"more\":true}" },
        { 32, "{\"more\":true}" },
        { 14, "{\"more\":true}" },
        { 13, "" },
        { 1, "" },
    };
    char out[64];

    link_failures_clear();
    link_failure_count(LF_BAD_RECORD_MAC);
    link_failure_count_alert(70);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(out, 'x', sizeof(out));
        size_t n = link_failures_json(out, cases[i].cap);
        CU_ASSERT_STRING_EQUAL(out, cases[i].want);
        CU_ASSERT_EQUAL(n, strlen(cases[i].want));
        CU_ASSERT(n < cases[i].cap);
    }
    CU_ASSERT_EQUAL(link_failures_json(out, 0), 0u);
    CU_ASSERT_EQUAL(out[0], 0); /* untouched from the last case */
}

int main(void)
{
    CU_TestInfo tests[] = {
        { "alerts_have_their_rfc_names", alerts_have_their_rfc_names },
        { "every_description_has_one_bounded_index", every_description_has_one_bounded_index },
        { "telemetry_lists_only_what_was_counted", telemetry_lists_only_what_was_counted },
        { "telemetry_says_more_when_it_does_not_fit", telemetry_says_more_when_it_does_not_fit },
        { "the_twin_hears_each_failure_once", the_twin_hears_each_failure_once },
        CU_TEST_INFO_NULL,
    };

    return cunit_run_suite("link_failures", tests);
}
