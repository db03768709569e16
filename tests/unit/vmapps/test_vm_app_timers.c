/* tests/unit/vmapps/test_vm_app_timers.c: the partner apps' timers
 * (firmware/app/vm_app_timers.c) and the app message topic check
 * (vm_gate.h vm_msg_sub_ok), built for the host: plain C over the
 * platform's records, no hardware. */
#include "vm_internal.h"

#include <CUnit/Basic.h>
#include <string.h>

static void quota_bounds_live_timers(void)
{
    struct vm_app_timers ts;

    memset(&ts, 0, sizeof(ts));
    CU_ASSERT_EQUAL(vm_app_timers_start(&ts, 2, 0, 100, false), 1);
    CU_ASSERT_EQUAL(vm_app_timers_start(&ts, 2, 0, 100, true), 2);
    CU_ASSERT_EQUAL(vm_app_timers_start(&ts, 2, 0, 100, false), VM_EQUOTA);
    CU_ASSERT_EQUAL(vm_app_timers_live(&ts), 2u);
    CU_ASSERT_EQUAL(vm_app_timers_cancel(&ts, 1), 0);
    CU_ASSERT_EQUAL(vm_app_timers_cancel(&ts, 1), VM_EINVAL); /* not live any more */
    CU_ASSERT_EQUAL(vm_app_timers_cancel(&ts, 0), VM_EINVAL);
    CU_ASSERT_EQUAL(vm_app_timers_cancel(&ts, APP_QUOTA_TIMERS_MAX + 1), VM_EINVAL);
    CU_ASSERT_EQUAL(vm_app_timers_start(&ts, 2, 0, 100, false), 1); /* the freed id again */
    memset(&ts, 0, sizeof(ts));
    for (unsigned i = 0; i < APP_QUOTA_TIMERS_MAX; i++)
        CU_ASSERT_EQUAL(vm_app_timers_start(&ts, APP_QUOTA_TIMERS_MAX, 0, 10, false), (int32_t)i + 1);
    CU_ASSERT_EQUAL(vm_app_timers_start(&ts, APP_QUOTA_TIMERS_MAX + 5, 0, 10, false), VM_EQUOTA);
}

static void one_shot_fires_once_periodic_rearms(void)
{
    struct vm_app_timers ts;
    int32_t id;
    bool once;

    memset(&ts, 0, sizeof(ts));
    vm_app_timers_start(&ts, 4, 1000, 300, false); /* due 1300 */
    vm_app_timers_start(&ts, 4, 1000, 200, true);  /* due 1200, 1400, ... */
    CU_ASSERT_EQUAL(vm_app_timers_ms_to_next(&ts, 1000), 200u);
    CU_ASSERT_FALSE(vm_app_timers_take_due(&ts, 1199, &id, &once));
    CU_ASSERT_TRUE(vm_app_timers_take_due(&ts, 1200, &id, &once));
    CU_ASSERT_EQUAL(id, 2);
    CU_ASSERT_FALSE(once);
    CU_ASSERT_EQUAL(vm_app_timers_ms_to_next(&ts, 1200), 100u);
    CU_ASSERT_TRUE(vm_app_timers_take_due(&ts, 1300, &id, &once));
    CU_ASSERT_EQUAL(id, 1);
    CU_ASSERT_TRUE(once);
    CU_ASSERT_EQUAL(vm_app_timers_live(&ts), 1u);
    CU_ASSERT_EQUAL(vm_app_timers_ms_to_next(&ts, 1300), 100u); /* the periodic one, at 1400 */
    /* Late by several periods: one call, the next a period later, no burst. */
    CU_ASSERT_TRUE(vm_app_timers_take_due(&ts, 2000, &id, &once));
    CU_ASSERT_FALSE(vm_app_timers_take_due(&ts, 2000, &id, &once));
    CU_ASSERT_EQUAL(vm_app_timers_ms_to_next(&ts, 2000), 200u);
}

static void deadlines_survive_the_clock_wrapping(void)
{
    struct vm_app_timers ts;
    int32_t id;
    bool once;

    memset(&ts, 0, sizeof(ts));
    vm_app_timers_start(&ts, 1, UINT32_MAX - 50, 100, false); /* due at 49 after the wrap */
    CU_ASSERT_EQUAL(vm_app_timers_ms_to_next(&ts, UINT32_MAX - 50), 100u);
    CU_ASSERT_FALSE(vm_app_timers_take_due(&ts, 48, &id, &once));
    CU_ASSERT_TRUE(vm_app_timers_take_due(&ts, 49, &id, &once));
    CU_ASSERT_EQUAL(vm_app_timers_ms_to_next(&ts, 49), UINT32_MAX); /* none live */
}

static void only_an_apps_own_subtopics(void)
{
    static const struct { const char *sub; int ok; } cases[] = {
        { "state", 1 }, { "a/b-c_9", 1 }, { "x", 1 }, { "0123456789abcdef0123456789abcdef", 1 },
        { "", 0 }, { "0123456789abcdef0123456789abcdef0", 0 }, { "/abs", 0 }, { "end/", 0 },
        { "a//b", 0 }, { "../x", 0 }, { "+", 0 }, { "a/#", 0 }, { "Upper", 0 }, { "sp ace", 0 },
        { "a\nb", 0 }, { "lamp/x/app/y", 1 /* still below its own app/NAME/: lamp/SERIAL/app/NAME/lamp/x/... */ },
    };

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = vm_msg_sub_ok(cases[i].sub, (uint32_t)strlen(cases[i].sub));
        if (got != cases[i].ok)
            fprintf(stderr, "vm_msg_sub_ok(\"%s\") = %d\n", cases[i].sub, got);
        CU_ASSERT_EQUAL(got, cases[i].ok);
    }
}

int main(void)
{
    CU_pSuite s;
    int failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("vm_app_timers", NULL, NULL);
    CU_add_test(s, "quota_bounds_live_timers", quota_bounds_live_timers);
    CU_add_test(s, "one_shot_fires_once_periodic_rearms", one_shot_fires_once_periodic_rearms);
    CU_add_test(s, "deadlines_survive_the_clock_wrapping", deadlines_survive_the_clock_wrapping);
    CU_add_test(s, "only_an_apps_own_subtopics", only_an_apps_own_subtopics);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = (int)(CU_get_number_of_failures() + CU_get_number_of_suites_failed());
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
