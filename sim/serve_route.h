/* sim/serve_route.h: which route of the control API (docs/api.md) a
 * request's method and path name, and what the path carries (a lamp's
 * serial, an action's name), and the bodies that are not actions, apart
 * from libsoup and the fleet: the HTTP server (serve_api.c) answers from
 * them, and the fuzz target tests/fuzz/host/fuzz_serve_request.c reads
 * requests with them. */
#ifndef LAMPSIM_SIM_SERVE_ROUTE_H
#define LAMPSIM_SIM_SERVE_ROUTE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

enum serve_route_kind {
    SERVE_ROUTE_NONE,         /* no such route: 404 */
    SERVE_ROUTE_LAMPS,        /* /api/lamps: GET lists, POST adds */
    SERVE_ROUTE_LAMP,         /* /api/lamps/SERIAL: GET, DELETE */
    SERVE_ROUTE_LAMP_ACTION,  /* /api/lamps/SERIAL/actions/NAME: POST */
    SERVE_ROUTE_LAMP_GDB,     /* /api/lamps/SERIAL/gdb: GET, POST, DELETE */
    SERVE_ROUTE_EVENTS,       /* /api/events: GET */
    SERVE_ROUTE_FLEET_ACTION, /* /api/fleet/actions/NAME: POST */
    SERVE_ROUTE_FLEET,        /* /api/fleet: GET */
};

struct serve_route {
    enum serve_route_kind kind;
    const char *allow;        /* the methods the route takes, for Allow (static) */
    bool method_ok;           /* the request's method is one of them */
    char *serial;             /* LAMP, LAMP_GDB: the path's serial, not empty; LAMP_ACTION:
                                 the same, or empty (no lamp has that serial: 404) */
    char *name;               /* LAMP_ACTION, FLEET_ACTION: the action's name, not empty */
};

/* The route of method and path (a path under /api); r is cleared first. */
void serve_route_parse(const char *method, const char *path, struct serve_route *r);
void serve_route_clear(struct serve_route *r);

/* The bodies of two routes; false with SIM_ERROR_ARGS, the message
 * starting with the field it is about, and *field that field (g_free it).
 * POST /api/lamps {"count": N}: N lamps, 1 to max. */
bool serve_body_count(const char *body, guint max, guint *count, char **field, GError **error);
/* POST /api/lamps/SERIAL/gdb {"listen": "[HOST:]PORT"}, or no member or
 * an empty body for default_spec: where the GDB server listens. */
bool serve_body_listen(const char *body, const char *default_spec, char **host, uint16_t *port,
                       char **field, GError **error);

#endif
