/* tests/unit/sim/test_checkpoints.c: lamps saved every interval
 * (sim/checkpoints.c) against doubles of the lamp and the machine: each
 * lamp of the set is saved at each interval, a lamp removed is not, a
 * failed save reaches the handler at every interval until one succeeds,
 * a tick stops at its time budget and the next goes on from there, and
 * the fleet's handler switches a running lamp off once, with the
 * error in its reason, and leaves an off lamp alone. */
#include "checkpoints.h"

#include "cunit_run.h"

#include <CUnit/Basic.h>
#include <string.h>

/* The doubles: a lamp is its machine, a machine a few counters. */
struct machine {
    enum machine_state state;
    bool full;       /* machine_sync fails: "disk full" */
    gulong slow_us;  /* machine_sync takes at least this long */
    unsigned syncs, power_offs;
    char why[256];
};
struct lamp {
    struct machine m;
};

struct machine *lamp_machine(struct lamp *lamp) { return &lamp->m; }
enum machine_state machine_state(const struct machine *m) { return m->state; }

bool machine_sync(struct machine *m, GError **error)
{
    m->syncs++;
    g_usleep(m->slow_us);
    if (!m->full)
        return true;
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
                "lamp state d/lamp.img.tmp: cannot write (No space left on device)");
    return false;
}

void machine_power_off(struct machine *m, const char *why)
{
    m->state = MACHINE_OFF;
    m->power_offs++;
    g_strlcpy(m->why, why, sizeof(m->why));
}

struct failures {
    unsigned n;
    struct lamp *last;
    char message[256];
};

static void record_failure(struct lamp *lamp, const GError *error, gpointer user_data)
{
    struct failures *f = user_data;

    f->n++;
    f->last = lamp;
    g_strlcpy(f->message, error->message, sizeof(f->message));
}

/* Runs the default context until the set's timer has fired n more times
 * (the doubles count syncs: lamp a is always in the set). */
static void run_intervals(struct lamp *a, unsigned n)
{
    unsigned until = a->m.syncs + n;

    while (a->m.syncs < until)
        g_main_context_iteration(NULL, TRUE);
}

static void checkpoints_save_each_lamp_every_interval(void)
{
    struct lamp a = { .m = { .state = MACHINE_RUNNABLE } }, b = { .m = { .state = MACHINE_RUNNABLE } };
    struct failures f = { 0 };
    struct checkpoints *c = checkpoints_new(1, record_failure, &f);

    checkpoints_add(c, &a);
    checkpoints_add(c, &b);
    run_intervals(&a, 3);
    /* in turn: a tick that ran out of time (a loaded host) goes on with b */
    CU_ASSERT(b.m.syncs + 1 >= a.m.syncs && b.m.syncs <= a.m.syncs + 1);
    CU_ASSERT_EQUAL(f.n, 0);
    checkpoints_remove(c, &b);
    unsigned b_before = b.m.syncs;
    run_intervals(&a, 2);
    CU_ASSERT_EQUAL(b.m.syncs, b_before);
    checkpoints_free(c);
}

static void checkpoints_failure_reported_every_interval_until_saved(void)
{
    struct lamp a = { .m = { .state = MACHINE_RUNNABLE, .full = true } };
    struct failures f = { 0 };
    struct checkpoints *c = checkpoints_new(1, record_failure, &f);

    checkpoints_add(c, &a);
    run_intervals(&a, 3);
    CU_ASSERT_EQUAL(f.n, 3);
    CU_ASSERT_PTR_EQUAL(f.last, &a);
    CU_ASSERT_STRING_EQUAL(f.message,
                           "lamp state d/lamp.img.tmp: cannot write (No space left on device)");
    a.m.full = false;
    run_intervals(&a, 2);
    CU_ASSERT_EQUAL(f.n, 3);
    checkpoints_free(c);
}

static void checkpoints_fleet_handler_switches_a_running_lamp_off_once(void)
{
    struct lamp a = { .m = { .state = MACHINE_RUNNABLE, .full = true } };
    struct checkpoints *c = checkpoints_new(1, checkpoints_power_off, NULL);

    checkpoints_add(c, &a);
    run_intervals(&a, 3);
    CU_ASSERT_EQUAL(a.m.state, MACHINE_OFF);
    CU_ASSERT_EQUAL(a.m.power_offs, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.m.why, "saving its state failed: lamp state "
                                           "d/lamp.img.tmp: cannot write (No space left on "
                                           "device); switched off until it can be saved"));
    /* powered on again (lampsim serve's power_on) with the disk still full */
    a.m.state = MACHINE_RUNNABLE;
    run_intervals(&a, 1);
    CU_ASSERT_EQUAL(a.m.state, MACHINE_OFF);
    CU_ASSERT_EQUAL(a.m.power_offs, 2);
    checkpoints_free(c);
}

/* Saves that each take longer than a tick's budget (a tenth of 10 ms):
 * one lamp a tick, in turn, none skipped or saved twice. */
static void checkpoints_tick_stops_at_its_budget_and_the_next_goes_on(void)
{
    struct lamp l[3];
    struct failures f = { 0 };
    struct checkpoints *c = checkpoints_new(10, record_failure, &f);

    for (int i = 0; i < 3; i++) {
        l[i] = (struct lamp){ .m = { .state = MACHINE_RUNNABLE, .slow_us = 2000 } };
        checkpoints_add(c, &l[i]);
    }
    while (l[0].m.syncs + l[1].m.syncs + l[2].m.syncs < 3)
        g_main_context_iteration(NULL, TRUE);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(l[i].m.syncs, 1);
    checkpoints_free(c);
}

static CU_TestInfo checkpoints_tests[] = {
    { "checkpoints_save_each_lamp_every_interval", checkpoints_save_each_lamp_every_interval },
    { "checkpoints_failure_reported_every_interval_until_saved", checkpoints_failure_reported_every_interval_until_saved },
    { "checkpoints_fleet_handler_switches_a_running_lamp_off_once", checkpoints_fleet_handler_switches_a_running_lamp_off_once },
    { "checkpoints_tick_stops_at_its_budget_and_the_next_goes_on", checkpoints_tick_stops_at_its_budget_and_the_next_goes_on },
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cunit_run_suite("checkpoints", checkpoints_tests);
}
