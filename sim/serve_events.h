/* sim/serve_events.h: `lampsim serve`'s event streams (GET /api/events,
 * docs/api.md#events): Server-Sent Events of twin changes, console lines
 * and lamps added or removed, for one lamp or the whole fleet.  Every
 * 100 ms the main thread drains the event hub and writes each event to
 * the clients that asked for it.  A client that has more than
 * SERVE_EVENTS_BACKLOG bytes not yet taken by its socket gets nothing
 * more until it catches up, then one `dropped` event with the count: a
 * slow client costs the lamps nothing. */
#ifndef LAMPSIM_SIM_SERVE_EVENTS_H
#define LAMPSIM_SIM_SERVE_EVENTS_H

#include "event_hub.h"
#include "fleet.h"

#include <libsoup/soup.h>

#define SERVE_EVENTS_BACKLOG (256 * 1024)
#define SERVE_EVENTS_KEEPALIVE_S 15

struct serve_events;

struct serve_events *serve_events_new(struct event_hub *hub, struct fleet *f);
/* Ends every stream (the clients see the body end). */
void serve_events_free(struct serve_events *ev);
/* Turns msg's response into a stream of the kinds in mask (1 << enum
 * event_kind) of lamp serial (NULL: every lamp).  A one-lamp stream
 * starts with the lamp's twin record. */
void serve_events_attach(struct serve_events *ev, SoupServerMessage *msg, const char *serial,
                         guint mask);
guint serve_events_clients(struct serve_events *ev);
guint64 serve_events_sent(struct serve_events *ev);
/* Events dropped: the hub's full queue and slow clients. */
guint64 serve_events_dropped(struct serve_events *ev);

#endif
