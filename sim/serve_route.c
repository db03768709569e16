/* sim/serve_route.c: see serve_route.h. */
#include "serve_route.h"

#include "gdb_server.h"
#include "sim_error.h"

#include <cjson/cJSON.h>
#include <string.h>

static void found(struct serve_route *r, enum serve_route_kind kind, const char *allow,
                  const char *method)
{
    g_auto(GStrv) methods = g_strsplit(allow, ", ", -1);

    r->kind = kind;
    r->allow = allow;
    r->method_ok = g_strv_contains((const char *const *)methods, method);
}

void serve_route_parse(const char *method, const char *path, struct serve_route *r)
{
    g_auto(GStrv) p = g_strsplit(path + 1, "/", -1); /* "api", ... */
    guint n = g_strv_length(p);

    memset(r, 0, sizeof(*r));
    if (n == 2 && !strcmp(p[1], "lamps")) {
        found(r, SERVE_ROUTE_LAMPS, "GET, POST", method);
    } else if (n == 3 && !strcmp(p[1], "lamps") && *p[2]) {
        found(r, SERVE_ROUTE_LAMP, "GET, DELETE", method);
        r->serial = g_strdup(p[2]);
    } else if (n == 5 && !strcmp(p[1], "lamps") && !strcmp(p[3], "actions") && *p[4]) {
        found(r, SERVE_ROUTE_LAMP_ACTION, "POST", method);
        r->serial = g_strdup(p[2]);
        r->name = g_strdup(p[4]);
    } else if (n == 4 && !strcmp(p[1], "lamps") && *p[2] && !strcmp(p[3], "gdb")) {
        found(r, SERVE_ROUTE_LAMP_GDB, "GET, POST, DELETE", method);
        r->serial = g_strdup(p[2]);
    } else if (n == 2 && !strcmp(p[1], "events")) {
        found(r, SERVE_ROUTE_EVENTS, "GET", method);
    } else if (n == 4 && !strcmp(p[1], "fleet") && !strcmp(p[2], "actions") && *p[3]) {
        found(r, SERVE_ROUTE_FLEET_ACTION, "POST", method);
        r->name = g_strdup(p[3]);
    } else if (n == 2 && !strcmp(p[1], "fleet")) {
        found(r, SERVE_ROUTE_FLEET, "GET", method);
    }
}

void serve_route_clear(struct serve_route *r)
{
    g_free(r->serial);
    g_free(r->name);
    memset(r, 0, sizeof(*r));
}

/* The body as a JSON object whose only member, if any, is member
 * (example: a body that would do). */
static cJSON *body_object(const char *body, const char *member, const char *example, char **field,
                          GError **error)
{
    cJSON *o = cJSON_Parse(body);

    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        *field = g_strdup("body");
        sim_error_args(error, "body: must be a JSON object, e.g. %s", example);
        return NULL;
    }
    for (cJSON *m = o->child; m; m = m->next)
        if (strcmp(m->string, member)) {
            *field = g_strdup(m->string);
            sim_error_args(error, "%s: unknown member (this request takes %s)", m->string, member);
            cJSON_Delete(o);
            return NULL;
        }
    return o;
}

bool serve_body_count(const char *body, guint max, guint *count, char **field, GError **error)
{
    cJSON *o = body_object(body, "count", "{\"count\": 10}", field, error), *n;
    bool ok;

    if (!o)
        return false;
    n = cJSON_GetObjectItemCaseSensitive(o, "count");
    /* the range before the cast (out of range, the cast is undefined) */
    ok = cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble <= max &&
         n->valuedouble == (double)(guint)n->valuedouble;
    if (ok)
        *count = (guint)n->valuedouble;
    cJSON_Delete(o);
    if (ok)
        return true;
    *field = g_strdup("count");
    return sim_error_args(error, "count: a whole number of lamps from 1 to %u is required", max);
}

bool serve_body_listen(const char *body, const char *default_spec, char **host, uint16_t *port,
                       char **field, GError **error)
{
    g_autoptr(GError) local = NULL;
    const char *spec = default_spec;
    cJSON *o = NULL, *listen;
    bool ok;

    if (*body) {
        if (!(o = body_object(body, "listen", "{\"listen\": \"127.0.0.1:3333\"}", field, error)))
            return false;
        listen = cJSON_GetObjectItemCaseSensitive(o, "listen");
        if (listen && !cJSON_IsString(listen)) {
            cJSON_Delete(o);
            *field = g_strdup("listen");
            return sim_error_args(error, "listen: must be a string \"[HOST:]PORT\"");
        }
        if (listen)
            spec = listen->valuestring;
    }
    ok = gdb_server_parse_address(spec, host, port, &local);
    cJSON_Delete(o);
    if (ok)
        return true;
    *field = g_strdup("listen");
    return sim_error_args(error, "listen: %s", local->message);
}
