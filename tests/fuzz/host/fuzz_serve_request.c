/* Fuzz target: lampsim serve's control API (docs/api.md) as far as a
 * request goes before it reaches the fleet: the route its method and path
 * name (sim/serve_route.c), and its body: the lamp count of POST
 * /api/lamps, the listen address of POST /api/lamps/SERIAL/gdb, a lamp
 * action (sim/lamp_action.c) or a fleet-wide one (sim/fleet_action.c).
 * libsoup's HTTP parser and the fleet itself are not in it.  Input:
 * "METHOD PATH\n" then the body, or a request's bytes as curl sends them
 * (the body after the blank line; the query is not split off, as libsoup
 * would: the routes that read one are the fleet's side).
 * Beyond crashes it checks what serve_api.c relies on: a route's serial
 * and action name are the path's segments (no '/', a lamp route's serial
 * not empty), a method the route takes is in its Allow list, a count is
 * within 1..SERVE_API_MAX_ADD, a listen address has a host, and every
 * refusal names its field at the start of its message ("count: ...") as
 * the API's {"error", "field"} answer promises. */
#include "fleet_action.h"
#include "lamp_action.h"
#include "serve_api.h"
#include "serve_route.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    return 0;
}

static void check_refusal(const char *field, const GError *error)
{
    if (!field || !error || !g_str_has_prefix(error->message, field) ||
        strncmp(error->message + strlen(field), ": ", 2)) {
        fprintf(stderr, "refusal of field '%s': '%s'\n", field ? field : "(none)",
                error ? error->message : "(no error)");
        abort();
    }
}

/* An action's error names its field first (lamp_action.h), then ": "
 * (a body's member named "" is named so: the message starts ": "). */
static void check_action_error(const GError *error)
{
    if (!error || !strstr(error->message, ": ")) {
        fprintf(stderr, "action refused without its field: '%s'\n",
                error ? error->message : "(no error)");
        abort();
    }
}

static void check_route(const char *method, const char *path, const struct serve_route *r)
{
    g_auto(GStrv) p = g_strsplit(path + 1, "/", -1);

    if (r->kind == SERVE_ROUTE_NONE) {
        if (r->allow || r->method_ok || r->serial || r->name)
            abort();
        return;
    }
    if (!r->allow || (r->serial && strchr(r->serial, '/')) || (r->name && strchr(r->name, '/')) ||
        (r->name && !*r->name) || (r->serial && strcmp(r->serial, p[2])))
        abort();
    if ((r->kind == SERVE_ROUTE_LAMP || r->kind == SERVE_ROUTE_LAMP_GDB) &&
        (!r->serial || !*r->serial))
        abort();
    if (r->method_ok) {
        g_auto(GStrv) allowed = g_strsplit(r->allow, ", ", -1);
        if (!g_strv_contains((const char *const *)allowed, method))
            abort();
    }
}

static void check_body(const char *method, const struct serve_route *r, const char *body)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *field = NULL, *host = NULL;

    if (r->kind == SERVE_ROUTE_LAMPS && !strcmp(method, "POST")) {
        guint n = 0;
        if (serve_body_count(body, SERVE_API_MAX_ADD, &n, &field, &error)) {
            if (n < 1 || n > SERVE_API_MAX_ADD || error || field)
                abort();
        } else {
            check_refusal(field, error);
        }
    } else if (r->kind == SERVE_ROUTE_LAMP_GDB && !strcmp(method, "POST")) {
        uint16_t port;
        if (serve_body_listen(body, "127.0.0.1:0", &host, &port, &field, &error)) {
            if (!host || error || field)
                abort();
        } else {
            check_refusal(field, error);
        }
    } else if (r->kind == SERVE_ROUTE_LAMP_ACTION) {
        struct lamp_action a;
        if (lamp_action_parse(r->name, body, &a, &error))
            lamp_action_clear(&a);
        else
            check_action_error(error);
    } else if (r->kind == SERVE_ROUTE_FLEET_ACTION) {
        struct fleet_action fa;
        if (fleet_action_parse(r->name, body, &fa, &error)) {
            if (fa.pick.fraction < 0 || fa.pick.fraction > 1)
                abort();
            fleet_action_clear(&fa);
        } else {
            check_action_error(error);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    char *blank = strstr(text, "\r\n\r\n"), *body = strchr(text, '\n');
    g_auto(GStrv) request = NULL;
    struct serve_route r;

    if (body)
        *body++ = '\0';
    if (blank && body && blank >= body)
        body = blank + 4; /* a request as curl sends it: the body after the headers */
    request = g_strsplit(text, " ", 3);
    if (request[0] && request[1] && request[2])
        g_strchomp(request[2]); /* " HTTP/1.1\r" */
    /* the server routes paths under /api only (serve_api.c) */
    if (!request[0] || !request[1] || strncmp(request[1], "/api", 4))
        return 0;
    serve_route_parse(request[0], request[1], &r);
    check_route(request[0], request[1], &r);
    if (r.method_ok)
        check_body(request[0], &r, body ? body : "");
    serve_route_clear(&r);
    return 0;
}
