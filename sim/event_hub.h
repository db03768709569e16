/* sim/event_hub.h: what the twin's watchers are told (`lampsim serve`'s
 * event stream, docs/api.md#events), handed from the worker threads to
 * the main thread through one bounded queue.  Workers only push, and
 * only while somebody listens (event_hub_listening); when the queue is
 * full, new events are dropped and counted, so a slow reader never slows
 * a lamp down. */
#ifndef LAMPSIM_SIM_EVENT_HUB_H
#define LAMPSIM_SIM_EVENT_HUB_H

#include <glib.h>
#include <stdbool.h>

enum event_kind {
    EVENT_TWIN,    /* data: the lamp's twin record as JSON */
    EVENT_CONSOLE, /* data: a console line */
    EVENT_ADDED,   /* data: the twin record of a lamp just added */
    EVENT_REMOVED, /* data: NULL */
    EVENT_KINDS,
};

struct hub_event {
    enum event_kind kind;
    char serial[20];
    char *data;
};
void hub_event_free(struct hub_event *e);

struct event_hub;
typedef struct event_hub event_hub; /* for g_autoptr(event_hub) */

/* capacity: events held at most between two drains. */
struct event_hub *event_hub_new(guint capacity);
void event_hub_free(struct event_hub *hub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(event_hub, event_hub_free)

/* Listeners of a kind (the main thread counts them up and down). */
void event_hub_listen(struct event_hub *hub, enum event_kind kind, int delta);
/* Any thread: whether an event of this kind would reach anyone. */
bool event_hub_listening(struct event_hub *hub, enum event_kind kind);
/* Any thread: queues an event (data copied; NULL allowed). */
void event_hub_push(struct event_hub *hub, enum event_kind kind, const char *serial,
                    const char *data);
/* The events queued so far, oldest first (a GPtrArray of struct
 * hub_event *, owning them), and how many were dropped since the last
 * drain. */
GPtrArray *event_hub_drain(struct event_hub *hub, guint64 *dropped);
/* Events dropped since the hub was made. */
guint64 event_hub_dropped_total(struct event_hub *hub);

const char *event_kind_name(enum event_kind kind);

#endif
