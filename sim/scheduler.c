/* sim/scheduler.c: a GSource that time-slices lamps. */
#include "scheduler.h"

#include "periph.h" /* machine_config */

struct scheduler {
    GSource source;
    GPtrArray *lamps;   /* struct lamp *, not owned */
    guint next;         /* round-robin start, so no lamp is always first */
};

/* Milliseconds until the earliest realtime deadline of a sleeping lamp;
 * 0 if a lamp can run or a deterministic lamp can skip ahead now; -1 if
 * nothing will happen without outside input. */
static gint scheduler_timeout_ms(struct scheduler *s)
{
    gint64 best = -1;

    for (guint i = 0; i < s->lamps->len; i++) {
        struct machine *m = lamp_machine(g_ptr_array_index(s->lamps, i));
        enum machine_state st = machine_state(m);
        uint64_t deadline, now;

        if (st == MACHINE_RUNNABLE)
            return 0;
        if (st != MACHINE_SLEEPING)
            continue;
        deadline = machine_next_deadline_ns(m);
        if (deadline == UINT64_MAX)
            continue;
        if (machine_config(m)->time_mode == MACHINE_TIME_DETERMINISTIC)
            return 0;
        now = machine_now_ns(m);
        gint64 ms = deadline <= now ? 0 : (gint64)((deadline - now + 999999) / 1000000);
        if (best < 0 || ms < best)
            best = ms;
    }
    return best > G_MAXINT ? G_MAXINT : (gint)best;
}

static gboolean scheduler_prepare(GSource *source, gint *timeout)
{
    *timeout = scheduler_timeout_ms((struct scheduler *)source);
    return *timeout == 0;
}

static gboolean scheduler_check(GSource *source)
{
    return scheduler_timeout_ms((struct scheduler *)source) == 0;
}

static void scheduler_step_lamp(struct lamp *lamp)
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
        } else {
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

    for (guint k = 0; k < n; k++)
        scheduler_step_lamp(g_ptr_array_index(s->lamps, (s->next + k) % n));
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
    g_main_context_wakeup(g_source_get_context(&s->source));
}
