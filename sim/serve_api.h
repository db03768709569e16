/* sim/serve_api.h: `lampsim serve`'s HTTP server (docs/api.md): the
 * control API under /api (a bearer token on every request), the event
 * stream, /metrics, and the web view's static files at / when a folder
 * is given.  It runs on the main thread's context; everything it does to
 * a lamp goes through the fleet's worker calls (fleet.h) and the action
 * API (lamp_action.h), the same functions a load profile calls. */
#ifndef LAMPSIM_SIM_SERVE_API_H
#define LAMPSIM_SIM_SERVE_API_H

#include "event_hub.h"
#include "fleet.h"
#include "serve_metrics.h"

#include <glib.h>
#include <stdbool.h>

#define SERVE_API_MAX_BODY (64 * 1024)
#define SERVE_API_MAX_ADD 1000       /* lamps one POST /api/lamps adds at most */
#define SERVE_API_LIST_LIMIT 1000    /* lamps a list returns unless ?limit= */

struct serve_api_config {
    struct fleet *fleet;
    struct event_hub *hub;
    const char *token;        /* what `Authorization: Bearer` must carry */
    const char *web_dir;      /* static files served at /, or NULL */
    bool metrics_auth;        /* /metrics wants the token too */
    bool networked;           /* lamps reach a cloud (the host limits of an add) */
    guint provision_threads;
    /* more families for /metrics (a load profile's), or NULL */
    void (*more_metrics)(GString *page, gpointer data);
    gpointer more_metrics_data;
};

struct serve_api;

struct serve_api *serve_api_new(const struct serve_api_config *cfg);
/* Listens on address (an IP address: 127.0.0.1 unless a pod is scraped
 * on its own IP) and port (0: a free port); *bound: the port taken. */
bool serve_api_listen(struct serve_api *api, const char *address, guint port, guint *bound,
                      GError **error);
/* Ends the event streams, closes every connection and the listener. */
void serve_api_free(struct serve_api *api);
void serve_api_counters(struct serve_api *api, struct serve_counters *out);

#endif
