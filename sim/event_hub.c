/* sim/event_hub.c: a bounded queue from the workers to the main thread
 * (event_hub.h). */
#include "event_hub.h"

#include <string.h>

struct event_hub {
    GMutex lock;
    GQueue queue;         /* struct hub_event * */
    guint capacity;
    guint64 dropped, dropped_total;
    gint listeners[EVENT_KINDS]; /* atomic */
};

void hub_event_free(struct hub_event *e)
{
    if (!e)
        return;
    g_free(e->data);
    g_free(e);
}

struct event_hub *event_hub_new(guint capacity)
{
    struct event_hub *hub = g_new0(struct event_hub, 1);

    g_mutex_init(&hub->lock);
    g_queue_init(&hub->queue);
    hub->capacity = capacity ? capacity : 1;
    return hub;
}

void event_hub_free(struct event_hub *hub)
{
    if (!hub)
        return;
    g_queue_clear_full(&hub->queue, (GDestroyNotify)hub_event_free);
    g_mutex_clear(&hub->lock);
    g_free(hub);
}

void event_hub_listen(struct event_hub *hub, enum event_kind kind, int delta)
{
    g_atomic_int_add(&hub->listeners[kind], delta);
}

bool event_hub_listening(struct event_hub *hub, enum event_kind kind)
{
    return hub && g_atomic_int_get(&hub->listeners[kind]) > 0;
}

void event_hub_push(struct event_hub *hub, enum event_kind kind, const char *serial,
                    const char *data)
{
    struct hub_event *e;

    g_mutex_lock(&hub->lock);
    if (hub->queue.length >= hub->capacity) {
        hub->dropped++;
        hub->dropped_total++;
        g_mutex_unlock(&hub->lock);
        return;
    }
    g_mutex_unlock(&hub->lock);
    e = g_new0(struct hub_event, 1);
    e->kind = kind;
    g_strlcpy(e->serial, serial ? serial : "", sizeof(e->serial));
    e->data = g_strdup(data);
    g_mutex_lock(&hub->lock);
    g_queue_push_tail(&hub->queue, e);
    g_mutex_unlock(&hub->lock);
}

GPtrArray *event_hub_drain(struct event_hub *hub, guint64 *dropped)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)hub_event_free);
    GQueue q;

    g_mutex_lock(&hub->lock);
    q = hub->queue;
    g_queue_init(&hub->queue);
    *dropped = hub->dropped;
    hub->dropped = 0;
    g_mutex_unlock(&hub->lock);
    for (GList *l = q.head; l; l = l->next)
        g_ptr_array_add(out, l->data);
    g_list_free(q.head);
    return out;
}

guint64 event_hub_dropped_total(struct event_hub *hub)
{
    guint64 n;

    g_mutex_lock(&hub->lock);
    n = hub->dropped_total;
    g_mutex_unlock(&hub->lock);
    return n;
}

const char *event_kind_name(enum event_kind kind)
{
    static const char *const names[EVENT_KINDS] = { "twin", "console", "added", "removed" };
    return kind < EVENT_KINDS ? names[kind] : "?";
}
