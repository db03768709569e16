/* sim/scheduler.c: a GSource that time-slices lamps.  Runnable lamps wait
 * in a queue; sleeping lamps in a set ordered by their next timer deadline,
 * so an iteration touches only the lamps that have something to do and an
 * idle fleet costs almost nothing.  The whole fleet is looked at again
 * only when something outside (console input) may have woken a lamp. */
#include "scheduler.h"

#include "host_io.h" /* HOST_IO_PRIORITY */
#include "periph.h"  /* machine_config */

/* Sleeping lamps whose timers fall due within this much of each other are
 * woken in one main-loop iteration (like the kernel's timer slack). */
#define TIMER_SLACK_MS 10

struct entry {
    struct lamp *lamp;
    gint64 deadline_us;     /* key in sleepers while filed there */
    GSequenceIter *sleeper; /* NULL when not in sleepers */
    bool queued;            /* in the runnable queue */
    struct wake_ref {
        struct scheduler *s;
        struct entry *e;
    } wake;
};

struct scheduler {
    GSource source;
    GPtrArray *entries;     /* struct entry *, owned */
    GQueue runnable;        /* struct entry * */
    GSequence *sleepers;    /* struct entry *, by deadline_us */
    bool rescan;            /* look at every lamp at the next dispatch */
};

static gint by_deadline(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const struct entry *x = a, *y = b;

    if (x->deadline_us != y->deadline_us)
        return x->deadline_us < y->deadline_us ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void unfile_sleeper(struct scheduler *s, struct entry *e)
{
    if (e->sleeper) {
        g_sequence_remove(e->sleeper);
        e->sleeper = NULL;
    }
}

/* Put a lamp where its state says it belongs. */
static void classify(struct scheduler *s, struct entry *e)
{
    struct machine *m = lamp_machine(e->lamp);
    enum machine_state st = machine_state(m);
    bool deterministic = machine_config(m)->time_mode == MACHINE_TIME_DETERMINISTIC;

    unfile_sleeper(s, e);
    if (st == MACHINE_RUNNABLE ||
        (st == MACHINE_SLEEPING && deterministic && machine_next_deadline_ns(m) != UINT64_MAX)) {
        /* Deterministic sleepers skip ahead at once: treated as runnable. */
        if (!e->queued) {
            g_queue_push_tail(&s->runnable, e);
            e->queued = true;
        }
        return;
    }
    if (st == MACHINE_SLEEPING && !deterministic) {
        e->deadline_us = machine_next_deadline_host_us(m);
        if (e->deadline_us != G_MAXINT64)
            e->sleeper = g_sequence_insert_sorted(s->sleepers, e, by_deadline, NULL);
    }
    /* Off, locked up, halted by the debug port, or asleep with no timer:
     * only outside input (a rescan) brings it back. */
}

static gint timeout_ms(struct scheduler *s)
{
    GSequenceIter *first;
    gint64 now, deadline;

    if (s->rescan || !g_queue_is_empty(&s->runnable))
        return 0;
    first = g_sequence_get_begin_iter(s->sleepers);
    if (g_sequence_iter_is_end(first))
        return -1;
    deadline = ((struct entry *)g_sequence_get(first))->deadline_us;
    now = g_get_monotonic_time();
    if (deadline <= now)
        return 0;
    gint ms = (gint)MIN((deadline - now + 999) / 1000, G_MAXINT / 2);
    return (ms + TIMER_SLACK_MS - 1) / TIMER_SLACK_MS * TIMER_SLACK_MS;
}

static gboolean scheduler_prepare(GSource *source, gint *timeout)
{
    *timeout = timeout_ms((struct scheduler *)source);
    return *timeout == 0;
}

static gboolean scheduler_check(GSource *source)
{
    struct scheduler *s = (struct scheduler *)source;
    GSequenceIter *first = g_sequence_get_begin_iter(s->sleepers);

    if (s->rescan || !g_queue_is_empty(&s->runnable))
        return TRUE;
    /* The poll timed out with slack: anything due by now is taken. */
    return !g_sequence_iter_is_end(first) &&
           ((struct entry *)g_sequence_get(first))->deadline_us <= g_get_monotonic_time();
}

static void step(struct scheduler *s, struct entry *e)
{
    struct machine *m = lamp_machine(e->lamp);

    switch (machine_state(m)) {
    case MACHINE_RUNNABLE:
        lamp_run(e->lamp, SCHEDULER_SLICE_INSNS);
        break;
    case MACHINE_SLEEPING:
        if (machine_config(m)->time_mode == MACHINE_TIME_DETERMINISTIC)
            machine_skip_to_next_deadline(m);
        else
            machine_poll_timers(m);
        break;
    case MACHINE_OFF:
    case MACHINE_LOCKED_UP:
    case MACHINE_HALTED: /* the debug port's wake brings it back */
        break;
    }
    classify(s, e);
}

static gboolean scheduler_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    struct scheduler *s = (struct scheduler *)source;
    guint n;
    gint64 now;

    if (s->rescan) {
        s->rescan = false;
        for (guint i = 0; i < s->entries->len; i++)
            classify(s, g_ptr_array_index(s->entries, i));
    }
    /* Each runnable lamp gets one slice per iteration, in turn. */
    n = g_queue_get_length(&s->runnable);
    for (guint i = 0; i < n; i++) {
        struct entry *e = g_queue_pop_head(&s->runnable);
        e->queued = false;
        step(s, e);
    }
    now = g_get_monotonic_time();
    for (;;) {
        GSequenceIter *first = g_sequence_get_begin_iter(s->sleepers);
        struct entry *e;

        if (g_sequence_iter_is_end(first))
            break;
        e = g_sequence_get(first);
        if (e->deadline_us > now)
            break;
        unfile_sleeper(s, e);
        step(s, e);
    }
    return G_SOURCE_CONTINUE;
}

static void scheduler_finalize(GSource *source)
{
    struct scheduler *s = (struct scheduler *)source;

    g_queue_clear(&s->runnable);
    g_sequence_free(s->sleepers);
    g_ptr_array_unref(s->entries);
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

    s->entries = g_ptr_array_new_with_free_func(g_free);
    g_queue_init(&s->runnable);
    s->sleepers = g_sequence_new(NULL);
    g_source_set_name(source, "lampsim scheduler");
    /* Below default priority so I/O (stdin, signals) is never starved by
     * busy lamps; at the lamps' host I/O priority, so each iteration
     * handles a batch of socket events and then gives every runnable lamp
     * its slice (neither can starve the other). */
    g_source_set_priority(source, HOST_IO_PRIORITY);
    g_source_attach(source, ctx);
    return s;
}

void scheduler_free(struct scheduler *s)
{
    g_source_destroy(&s->source);
    g_source_unref(&s->source);
}

/* Host I/O touched one lamp: file it again, and no other.  From the
 * thread iterating the context (a reactor callback) the next prepare sees
 * the lamp queued: waking the context there would cost two system calls
 * per socket event (its eventfd written, then read back). */
static void wake_one(gpointer user_data)
{
    struct wake_ref *w = user_data;
    GMainContext *ctx = g_source_get_context(&w->s->source);

    classify(w->s, w->e);
    if (!g_main_context_is_owner(ctx))
        g_main_context_wakeup(ctx);
}

void scheduler_add(struct scheduler *s, struct lamp *lamp)
{
    struct entry *e = g_new0(struct entry, 1);

    e->lamp = lamp;
    e->wake.s = s;
    e->wake.e = e;
    lamp_set_wake(lamp, wake_one, &e->wake);
    g_ptr_array_add(s->entries, e);
    s->rescan = true;
}

void scheduler_remove(struct scheduler *s, struct lamp *lamp)
{
    for (guint i = 0; i < s->entries->len; i++) {
        struct entry *e = g_ptr_array_index(s->entries, i);
        if (e->lamp != lamp)
            continue;
        unfile_sleeper(s, e);
        if (e->queued)
            g_queue_remove(&s->runnable, e);
        lamp_set_wake(lamp, NULL, NULL);
        g_ptr_array_remove_index_fast(s->entries, i);
        return;
    }
}

void scheduler_wake(struct scheduler *s)
{
    s->rescan = true;
    g_main_context_wakeup(g_source_get_context(&s->source));
}
