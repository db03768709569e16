/* sim/checkpoints.c: see checkpoints.h.  One timer for the whole set, not
 * one a lamp: a worker of 1,000 idle lamps wakes once an interval, and
 * machine_sync of an unchanged lamp costs a flag test.  A lamp whose flash
 * changed costs a whole checkpoint (hashing 2 MiB, writing and fsyncing
 * its pages: about 3 ms here, bench/host_crash.sh), so a tick stops once
 * it has spent a tenth of the interval and the next starts where it
 * stopped: thousands of lamps staging an update at once lengthen each
 * other's window instead of starving the worker's lamps of CPU. */
#include "checkpoints.h"

/* The share of each interval a tick may spend saving: 1/10. */
#define TICK_BUDGET_DIVISOR 10

struct checkpoints {
    GPtrArray *lamps; /* struct lamp *, not owned */
    guint next;       /* where the next tick starts */
    gint64 budget_us; /* what a tick may spend after its first lamp */
    GSource *timer;
    checkpoint_failed_fn failed;
    gpointer user_data;
};

static gboolean on_interval(gpointer data)
{
    struct checkpoints *c = data;
    gint64 start = g_get_monotonic_time();

    for (guint done = 0; done < c->lamps->len; done++) {
        struct lamp *lamp;
        g_autoptr(GError) error = NULL;

        if (done > 0 && g_get_monotonic_time() - start > c->budget_us)
            break;
        c->next %= c->lamps->len;
        lamp = g_ptr_array_index(c->lamps, c->next++);
        if (!machine_sync(lamp_machine(lamp), &error))
            c->failed(lamp, error, c->user_data);
    }
    return G_SOURCE_CONTINUE;
}

struct checkpoints *checkpoints_new(guint interval_ms, checkpoint_failed_fn failed,
                                    gpointer user_data)
{
    struct checkpoints *c = g_new0(struct checkpoints, 1);

    c->lamps = g_ptr_array_new();
    c->budget_us = (gint64)interval_ms * 1000 / TICK_BUDGET_DIVISOR;
    c->failed = failed;
    c->user_data = user_data;
    c->timer = g_timeout_source_new(interval_ms);
    g_source_set_callback(c->timer, on_interval, c, NULL);
    g_source_set_name(c->timer, "lamp checkpoints");
    g_source_attach(c->timer, g_main_context_get_thread_default());
    return c;
}

void checkpoints_add(struct checkpoints *c, struct lamp *lamp)
{
    g_ptr_array_add(c->lamps, lamp);
}

void checkpoints_remove(struct checkpoints *c, struct lamp *lamp)
{
    g_ptr_array_remove_fast(c->lamps, lamp);
}

void checkpoints_free(struct checkpoints *c)
{
    if (!c)
        return;
    g_source_destroy(c->timer);
    g_source_unref(c->timer);
    g_ptr_array_unref(c->lamps);
    g_free(c);
}

void checkpoints_power_off(struct lamp *lamp, const GError *error, gpointer user_data)
{
    struct machine *m = lamp_machine(lamp);
    g_autofree char *why = NULL;

    if (machine_state(m) == MACHINE_OFF)
        return; /* said when it was switched off; saved once there is room */
    why = g_strdup_printf("saving its state failed: %s; switched off until it can be saved",
                          error->message);
    machine_power_off(m, why);
}
