/* sim/checkpoints.c: see checkpoints.h.  One timer for the whole set, not
 * one a lamp: a worker of 1,000 idle lamps wakes once an interval, and
 * machine_sync of an unchanged lamp costs a flag test. */
#include "checkpoints.h"

struct checkpoints {
    GPtrArray *lamps; /* struct lamp *, not owned */
    GSource *timer;
    checkpoint_failed_fn failed;
    gpointer user_data;
};

static gboolean on_interval(gpointer data)
{
    struct checkpoints *c = data;

    for (guint i = 0; i < c->lamps->len; i++) {
        struct lamp *lamp = g_ptr_array_index(c->lamps, i);
        g_autoptr(GError) error = NULL;

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
