/* sim/scheduler.c: a GSource that time-slices lamps. */
#include "scheduler.h"

#include "periph.h" /* machine_config */

/* Sleeping lamps whose timers fall due within this much of each other are
 * woken in one main-loop iteration (like the kernel's timer slack): one
 * scan of the fleet serves them all, so an idle fleet costs little. */
#define TIMER_SLACK_MS 10

struct scheduler {
    GSource source;
    GPtrArray *lamps;   /* struct lamp *, not owned */
    guint next;         /* round-robin start, so no lamp is always first */
    gint64 ready_at_us; /* host time when prepare's timeout runs out */
};

/* Milliseconds until the earliest realtime deadline of a sleeping lamp;
 * 0 if a lamp can run or a deterministic lamp can skip ahead now; -1 if
 * nothing will happen without outside input.  One clock read per scan:
 * this runs over the whole fleet at every iteration. */
static gint scheduler_timeout_ms(struct scheduler *s)
{
    gint64 now = g_get_monotonic_time(), earliest = G_MAXINT64;

    for (guint i = 0; i < s->lamps->len; i++) {
        struct machine *m = lamp_machine(g_ptr_array_index(s->lamps, i));
        enum machine_state st = machine_state(m);

        if (st == MACHINE_RUNNABLE)
            return 0;
        if (st != MACHINE_SLEEPING)
            continue;
        if (machine_config(m)->time_mode == MACHINE_TIME_DETERMINISTIC) {
            if (machine_next_deadline_ns(m) != UINT64_MAX)
                return 0;
            continue;
        }
        earliest = MIN(earliest, machine_next_deadline_host_us(m));
    }
    if (earliest == G_MAXINT64)
        return -1;
    if (earliest <= now)
        return 0;
    return (gint)MIN((earliest - now + 999) / 1000, G_MAXINT);
}

static gboolean scheduler_prepare(GSource *source, gint *timeout)
{
    struct scheduler *s = (struct scheduler *)source;
    gint ms = scheduler_timeout_ms(s);

    if (ms > 0)
        ms = (ms + TIMER_SLACK_MS - 1) / TIMER_SLACK_MS * TIMER_SLACK_MS;
    *timeout = ms;
    s->ready_at_us = ms < 0 ? G_MAXINT64 : g_get_monotonic_time() + (gint64)ms * 1000;
    return ms == 0;
}

/* After the poll: due when prepare's timeout ran out (no new scan), or
 * when outside input woke a lamp (scheduler_wake). */
static gboolean scheduler_check(GSource *source)
{
    struct scheduler *s = (struct scheduler *)source;

    return g_get_monotonic_time() >= s->ready_at_us;
}

static void scheduler_step_lamp(struct lamp *lamp, gint64 now_us)
{
    struct machine *m = lamp_machine(lamp);

    switch (machine_state(m)) {
    case MACHINE_RUNNABLE:
        lamp_run(lamp, SCHEDULER_SLICE_INSNS);
        break;
    case MACHINE_SLEEPING:
        if (machine_config(m)->time_mode == MACHINE_TIME_DETERMINISTIC) {
            if (machine_next_deadline_ns(m) != UINT64_MAX)
                machine_skip_to_next_deadline(m);
        } else if (machine_next_deadline_host_us(m) <= now_us) {
            machine_poll_timers(m);
        }
        break;
    case MACHINE_OFF:
    case MACHINE_LOCKED_UP:
        break;
    }
}

static gboolean scheduler_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    struct scheduler *s = (struct scheduler *)source;
    guint n = s->lamps->len;
    gint64 now = g_get_monotonic_time();

    for (guint k = 0; k < n; k++)
        scheduler_step_lamp(g_ptr_array_index(s->lamps, (s->next + k) % n), now);
    if (n)
        s->next = (s->next + 1) % n;
    return G_SOURCE_CONTINUE;
}

static void scheduler_finalize(GSource *source)
{
    struct scheduler *s = (struct scheduler *)source;

    g_ptr_array_unref(s->lamps);
}

static GSourceFuncs scheduler_funcs = {
    .prepare = scheduler_prepare,
    .check = scheduler_check,
    .dispatch = scheduler_dispatch,
    .finalize = scheduler_finalize,
};

struct scheduler *scheduler_new(GMainContext *ctx)
{
    GSource *source = g_source_new(&scheduler_funcs, sizeof(struct scheduler));
    struct scheduler *s = (struct scheduler *)source;

    s->lamps = g_ptr_array_new();
    g_source_set_name(source, "lampsim scheduler");
    /* Below default priority so I/O (stdin, signals) is never starved by
     * busy lamps. */
    g_source_set_priority(source, G_PRIORITY_DEFAULT_IDLE);
    g_source_attach(source, ctx);
    return s;
}

void scheduler_free(struct scheduler *s)
{
    g_source_destroy(&s->source);
    g_source_unref(&s->source);
}

void scheduler_add(struct scheduler *s, struct lamp *lamp)
{
    g_ptr_array_add(s->lamps, lamp);
}

void scheduler_wake(struct scheduler *s)
{
    s->ready_at_us = 0;
    g_main_context_wakeup(g_source_get_context(&s->source));
}
