/* sim/serve_api.c: the HTTP server of `lampsim serve` (serve_api.h). */
#include "serve_api.h"

#include "fleet_action.h"
#include "fleet_gdb.h"
#include "fleet_limits.h"
#include "gdb_server.h"
#include "lamp_action.h"
#include "prom_text.h"
#include "serve_events.h"
#include "serve_route.h"
#include "sim_error.h"

#include <cjson/cJSON.h>
#include <libsoup/soup.h>
#include <string.h>

struct serve_api {
    struct serve_api_config cfg;
    SoupServer *server;
    struct serve_events *events;
    guint64 requests, client_errors;
};

/* ---- responses ---- */

static void send_text(struct serve_api *api, SoupServerMessage *msg, guint status,
                      const char *type, const char *text, gsize len)
{
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, text, len);
    if (status >= 400 && status < 500)
        api->client_errors++;
}

static void send_json(struct serve_api *api, SoupServerMessage *msg, guint status, cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);

    send_text(api, msg, status, "application/json", text, strlen(text));
    cJSON_free(text);
    cJSON_Delete(o);
}

/* {"error": message, "field": what it names}: an error message of ours
 * starts with the field it is about ("ssid: ..."). */
static void send_error(struct serve_api *api, SoupServerMessage *msg, guint status,
                       const char *field, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    g_autofree char *guess = NULL;

    if (!field) {
        const char *colon = strstr(message, ": ");
        if (colon && colon > message && colon - message < 40 && !memchr(message, ' ', colon - message))
            field = guess = g_strndup(message, colon - message);
    }
    cJSON_AddStringToObject(o, "error", message);
    if (field)
        cJSON_AddStringToObject(o, "field", field);
    send_json(api, msg, status, o);
}

static void send_errorf(struct serve_api *api, SoupServerMessage *msg, guint status,
                        const char *field, const char *fmt, ...) G_GNUC_PRINTF(5, 6);
static void send_errorf(struct serve_api *api, SoupServerMessage *msg, guint status,
                        const char *field, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    send_error(api, msg, status, field, text);
}

static void method_not_allowed(struct serve_api *api, SoupServerMessage *msg, const char *allow)
{
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
    send_errorf(api, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method", "method: %s is not allowed "
                "here (%s)", soup_server_message_get_method(msg), allow);
}

/* ---- requests ---- */

/* Compares without stopping at the first difference. */
static bool token_matches(const char *given, const char *want)
{
    size_t n = strlen(want), m = strlen(given);
    unsigned diff = n != m;

    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(i < m ? given[i] : 0) ^ (unsigned char)want[i];
    return diff == 0;
}

static bool authorized(struct serve_api *api, SoupServerMessage *msg)
{
    const char *h = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                 "Authorization");

    if (h && g_str_has_prefix(h, "Bearer ") && token_matches(h + 7, api->cfg.token))
        return true;
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "WWW-Authenticate",
                                 "Bearer realm=\"lampsim\"");
    send_error(api, msg, SOUP_STATUS_UNAUTHORIZED, "Authorization",
               h ? "Authorization: the bearer token is not this server's (it is in the state "
                   "directory's serve.token)"
                 : "Authorization: missing; send `Authorization: Bearer TOKEN` with the token "
                   "from the state directory's serve.token");
    return false;
}

/* The request body, NUL-terminated; NULL (and the response sent) when
 * it is too large. */
static char *request_body(struct serve_api *api, SoupServerMessage *msg)
{
    SoupMessageBody *b = soup_server_message_get_request_body(msg);

    if (b->length > SERVE_API_MAX_BODY) {
        send_errorf(api, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body",
                    "body: %" G_GINT64_FORMAT " bytes; at most %d", (gint64)b->length,
                    SERVE_API_MAX_BODY);
        return NULL;
    }
    return g_strndup(b->data ? b->data : "", (gsize)b->length);
}

/* Every query parameter must be one of allowed (NULL-terminated). */
static bool check_query(struct serve_api *api, SoupServerMessage *msg, GHashTable *query,
                        const char *const *allowed)
{
    GHashTableIter it;
    gpointer key;

    if (!query)
        return true;
    g_hash_table_iter_init(&it, query);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const char *const *a;
        for (a = allowed; *a && strcmp(*a, key); a++)
            ;
        if (!*a) {
            g_autofree char *list = g_strjoinv(", ", (char **)allowed);
            send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, key,
                        "%s: unknown query parameter (this route takes %s)", (char *)key,
                        *list ? list : "none");
            return false;
        }
    }
    return true;
}

static const char *query_get(GHashTable *query, const char *key)
{
    return query ? g_hash_table_lookup(query, key) : NULL;
}

static bool query_uint(struct serve_api *api, SoupServerMessage *msg, GHashTable *query,
                       const char *key, guint64 max, guint64 *out)
{
    const char *v = query_get(query, key);

    if (!v)
        return true;
    if (!g_ascii_string_to_unsigned(v, 10, 0, max, out, NULL)) {
        send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, key,
                    "%s: '%s' is not a whole number from 0 to %" G_GUINT64_FORMAT, key, v, max);
        return false;
    }
    return true;
}

/* ---- lamps ---- */

static cJSON *lamp_summary(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject();
    char v[32];

    cJSON_AddStringToObject(o, "serial", r->serial);
    cJSON_AddNumberToObject(o, "index", r->index);
    cJSON_AddNumberToObject(o, "worker", r->worker);
    cJSON_AddStringToObject(o, "power", twin_power_name(r->power));
    cJSON_AddStringToObject(o, "boot_stage", twin_bootstage_name(r->bootstage));
    cJSON_AddStringToObject(o, "network", twin_netstate_name(r->netstate));
    if (r->slot_a == TWIN_PART_OK) {
        g_snprintf(v, sizeof(v), "%u.%u.%u", r->fw_version >> 16, (r->fw_version >> 8) & 0xFF,
                   r->fw_version & 0xFF);
        cJSON_AddStringToObject(o, "firmware", v);
    } else {
        cJSON_AddNullToObject(o, "firmware");
    }
    cJSON_AddBoolToObject(o, "light_on", r->light.on);
    return o;
}

/* Orders pointers to records (sorting the records themselves would move
 * 600 bytes a lamp around). */
static gint by_index(gconstpointer a, gconstpointer b)
{
    const struct twin_record *x = *(const struct twin_record *const *)a;
    const struct twin_record *y = *(const struct twin_record *const *)b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* GET /api/lamps?state=&power=&boot_stage=&worker=&offset=&limit=&full= */
static void list_lamps(struct serve_api *api, SoupServerMessage *msg, GHashTable *query)
{
    static const char *const params[] = { "state", "power", "boot_stage", "worker", "offset",
                                          "limit", "full", NULL };
    const char *state = query_get(query, "state"), *power = query_get(query, "power");
    const char *stage = query_get(query, "boot_stage"), *full = query_get(query, "full");
    guint64 worker = G_MAXUINT64, offset = 0, limit = SERVE_API_LIST_LIMIT;
    g_autoptr(GArray) all = NULL;
    g_autoptr(GPtrArray) order = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    guint matched = 0, listed = 0;
    bool whole;

    if (!check_query(api, msg, query, params) ||
        !query_uint(api, msg, query, "worker", fleet_threads(api->cfg.fleet) - 1, &worker) ||
        !query_uint(api, msg, query, "offset", G_MAXUINT32, &offset) ||
        !query_uint(api, msg, query, "limit", 100000, &limit))
        return;
    if (state && twin_netstate_from_name(state) < 0)
        return send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, "state",
                           "state: '%s' is no network state (off, no-creds, joining, dialing, "
                           "mqtt-connect, online, backoff, failed)", state);
    if (stage && twin_bootstage_from_name(stage) < 0)
        return send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, "boot_stage",
                           "boot_stage: '%s' is no boot stage (reset, bootloader, app-init, "
                           "running, no-image, update-found, installing, starting)", stage);
    if (power && strcmp(power, "off") && strcmp(power, "runnable") && strcmp(power, "sleeping") &&
        strcmp(power, "locked-up") && strcmp(power, "halted"))
        return send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, "power",
                           "power: '%s' is no power state (off, runnable, sleeping, locked-up, "
                           "halted)", power);
    if (full && strcmp(full, "true") && strcmp(full, "false"))
        return send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, "full",
                           "full: '%s' must be true or false", full);
    whole = full && !strcmp(full, "true");
    if (query_get(query, "worker") == NULL)
        worker = G_MAXUINT64;
    all = fleet_twin_all(api->cfg.fleet);
    order = g_ptr_array_sized_new(all->len);
    for (guint i = 0; i < all->len; i++)
        g_ptr_array_add(order, &g_array_index(all, struct twin_record, i));
    g_ptr_array_sort(order, by_index);
    g_string_append(out, "{\"lamps\":[");
    for (guint i = 0; i < order->len; i++) {
        const struct twin_record *r = g_ptr_array_index(order, i);
        if ((state && strcmp(state, twin_netstate_name(r->netstate))) ||
            (power && strcmp(power, twin_power_name(r->power))) ||
            (stage && strcmp(stage, twin_bootstage_name(r->bootstage))) ||
            (worker != G_MAXUINT64 && r->worker != worker))
            continue;
        if (matched++ < offset || listed >= limit)
            continue;
        if (listed++)
            g_string_append_c(out, ',');
        if (whole) {
            g_autofree char *json = twin_to_json(r);
            g_string_append(out, json);
        } else {
            cJSON *o = lamp_summary(r);
            char *text = cJSON_PrintUnformatted(o);
            g_string_append(out, text);
            cJSON_free(text);
            cJSON_Delete(o);
        }
    }
    g_string_append_printf(out, "],\"total\":%u,\"matched\":%u,\"offset\":%" G_GUINT64_FORMAT
                           ",\"listed\":%u}", all->len, matched, offset, listed);
    send_text(api, msg, SOUP_STATUS_OK, "application/json", out->str, out->len);
}

/* The lamp a path names, or -1 with the 404 sent. */
static gint find_lamp(struct serve_api *api, SoupServerMessage *msg, const char *serial)
{
    gint i = fleet_find(api->cfg.fleet, serial);

    if (i < 0)
        send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, "serial",
                    "serial: no lamp %s in this fleet (GET /api/lamps lists them)", serial);
    return i;
}

static void get_lamp(struct serve_api *api, SoupServerMessage *msg, const char *serial)
{
    struct twin_record rec;
    gint i = find_lamp(api, msg, serial);
    g_autofree char *json = NULL;

    if (i < 0)
        return;
    if (!fleet_twin_get(api->cfg.fleet, (guint)i, &rec))
        return send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, "serial", "serial: %s has no twin "
                           "record yet", serial);
    json = twin_to_json(&rec);
    send_text(api, msg, SOUP_STATUS_OK, "application/json", json, strlen(json));
}

/* POST /api/lamps {"count": N} */
static void add_lamps(struct serve_api *api, SoupServerMessage *msg)
{
    g_autofree char *body = request_body(api, msg), *field = NULL;
    g_autoptr(GError) error = NULL;
    cJSON *o, *added;
    guint first, n;

    if (!body)
        return;
    if (!serve_body_count(body, SERVE_API_MAX_ADD, &n, &field, &error))
        return send_error(api, msg, SOUP_STATUS_BAD_REQUEST, field, error->message);
    if (!fleet_check_limits(fleet_live(api->cfg.fleet) + n, api->cfg.networked, &error))
        return send_error(api, msg, SOUP_STATUS_CONFLICT, "count", error->message);
    if (!fleet_add(api->cfg.fleet, n, api->cfg.provision_threads, &first, &error))
        return send_error(api, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, error->message);
    o = cJSON_CreateObject();
    added = cJSON_AddArrayToObject(o, "added");
    for (guint i = first; i < first + n; i++)
        if (fleet_lamp(api->cfg.fleet, i))
            cJSON_AddItemToArray(added, cJSON_CreateString(lamp_serial(fleet_lamp(api->cfg.fleet, i))));
    cJSON_AddNumberToObject(o, "lamps", fleet_live(api->cfg.fleet));
    send_json(api, msg, SOUP_STATUS_CREATED, o);
}

static void remove_lamp(struct serve_api *api, SoupServerMessage *msg, const char *serial)
{
    g_autoptr(GError) error = NULL;
    gint i = find_lamp(api, msg, serial);
    cJSON *o;

    if (i < 0)
        return;
    if (!fleet_remove(api->cfg.fleet, (guint)i, &error))
        return send_error(api, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL, error->message);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "removed", serial);
    cJSON_AddNumberToObject(o, "lamps", fleet_live(api->cfg.fleet));
    send_json(api, msg, SOUP_STATUS_OK, o);
}

struct act_job {
    const struct lamp_action *action;
    GError *error;
};

static void act_on_worker(struct lamp *lamp, struct twin_table *twin, gpointer data)
{
    struct act_job *job = data;

    lamp_action_apply(lamp, twin, job->action, &job->error);
}

/* POST /api/lamps/SERIAL/actions/NAME */
static void act(struct serve_api *api, SoupServerMessage *msg, const char *serial, const char *name)
{
    g_autofree char *body = request_body(api, msg);
    g_autoptr(GError) error = NULL;
    struct lamp_action a;
    struct act_job job = { &a, NULL };
    gint i;
    cJSON *o;

    if (!body)
        return;
    if ((i = find_lamp(api, msg, serial)) < 0)
        return;
    if (!lamp_action_parse(name, body, &a, &error))
        return send_error(api, msg, lamp_action_from_name(name) < 0 ? SOUP_STATUS_NOT_FOUND
                                                                    : SOUP_STATUS_BAD_REQUEST,
                          NULL, error->message);
    fleet_call(api->cfg.fleet, (guint)i, act_on_worker, &job);
    lamp_action_clear(&a);
    if (job.error) {
        send_error(api, msg, SOUP_STATUS_CONFLICT, NULL, job.error->message);
        g_error_free(job.error);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "serial", serial);
    cJSON_AddStringToObject(o, "action", name);
    cJSON_AddBoolToObject(o, "done", true);
    send_json(api, msg, SOUP_STATUS_OK, o);
}

/* POST /api/lamps/SERIAL/gdb {"listen": "[HOST:]PORT"}: a GDB server for
 * the lamp (docs/api.md, "/api/lamps/SERIAL/gdb"); loopback and any free
 * port by default. */
static void gdb_start(struct serve_api *api, SoupServerMessage *msg, const char *serial)
{
    g_autofree char *body = request_body(api, msg), *host = NULL, *address = NULL;
    g_autofree char *field = NULL;
    g_autoptr(GError) error = NULL;
    uint16_t port;
    cJSON *o;
    gint i;

    if (!body || (i = find_lamp(api, msg, serial)) < 0)
        return;
    if (!serve_body_listen(body, GDB_SERVER_DEFAULT_HOST ":0", &host, &port, &field, &error))
        return send_error(api, msg, SOUP_STATUS_BAD_REQUEST, field, error->message);
    if (!fleet_gdb_start(api->cfg.fleet, (guint)i, host, port, &address, &error)) {
        guint status = SOUP_STATUS_CONFLICT;
        if (g_error_matches(error, SIM_ERROR, SIM_ERROR_REFUSED))
            status = SOUP_STATUS_FORBIDDEN;
        return send_error(api, msg, status, NULL, error->message);
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "serial", serial);
    cJSON_AddStringToObject(o, "gdb", address);
    send_json(api, msg, SOUP_STATUS_OK, o);
}

/* GET and DELETE /api/lamps/SERIAL/gdb */
static void gdb_get_or_stop(struct serve_api *api, SoupServerMessage *msg, const char *serial,
                            bool stop)
{
    g_autofree char *address = NULL;
    gint i = find_lamp(api, msg, serial);
    cJSON *o;

    if (i < 0)
        return;
    address = stop ? fleet_gdb_stop(api->cfg.fleet, (guint)i)
                   : fleet_gdb_address(api->cfg.fleet, (guint)i);
    if (!address)
        return send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, NULL,
                           "lamp %s has no GDB server (POST starts one)", serial);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "serial", serial);
    cJSON_AddStringToObject(o, "gdb", address);
    if (stop)
        cJSON_AddBoolToObject(o, "stopped", true);
    send_json(api, msg, SOUP_STATUS_OK, o);
}

/* POST /api/fleet/actions/NAME: one action on many lamps
 * (docs/api.md#fleet-wide-actions). */
static void act_on_fleet(struct serve_api *api, SoupServerMessage *msg, const char *name)
{
    g_autofree char *body = request_body(api, msg);
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) lamps = NULL;
    struct fleet_action fa;
    struct fleet_action_result res = { 0 };
    cJSON *o;

    if (!body)
        return;
    if (!fleet_action_parse(name, body, &fa, &error))
        return send_error(api, msg, lamp_action_from_name(name) < 0 ? SOUP_STATUS_NOT_FOUND
                                                                    : SOUP_STATUS_BAD_REQUEST,
                          NULL, error->message);
    lamps = fleet_pick_lamps(api->cfg.fleet, &fa.pick, NULL);
    fleet_action_apply(api->cfg.fleet, lamps, &fa.action, &res);
    fleet_action_clear(&fa);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "action", name);
    cJSON_AddNumberToObject(o, "chosen", lamps->len);
    cJSON_AddNumberToObject(o, "applied", res.applied);
    cJSON_AddNumberToObject(o, "failed", res.failed);
    if (res.first_error)
        cJSON_AddStringToObject(o, "first_error", res.first_error->message);
    fleet_action_result_clear(&res);
    send_json(api, msg, SOUP_STATUS_OK, o);
}

/* GET /api/events?serial=&kinds=twin,console,added,removed */
static void events(struct serve_api *api, SoupServerMessage *msg, GHashTable *query)
{
    static const char *const params[] = { "serial", "kinds", NULL };
    const char *serial = query_get(query, "serial"), *kinds = query_get(query, "kinds");
    guint mask = 0;

    if (!check_query(api, msg, query, params))
        return;
    if (serial && fleet_find(api->cfg.fleet, serial) < 0)
        return (void)find_lamp(api, msg, serial);
    if (!kinds) {
        mask = (1u << EVENT_KINDS) - 1;
    } else {
        g_auto(GStrv) parts = g_strsplit(kinds, ",", -1);
        for (char **p = parts; *p; p++) {
            unsigned k;
            for (k = 0; k < EVENT_KINDS && strcmp(*p, event_kind_name(k)); k++)
                ;
            if (k == EVENT_KINDS)
                return send_errorf(api, msg, SOUP_STATUS_BAD_REQUEST, "kinds",
                                   "kinds: '%s' is no event kind (twin, console, added, removed)",
                                   *p);
            mask |= 1u << k;
        }
    }
    serve_events_attach(api->events, msg, serial, mask);
}

/* GET /api/fleet: what the fleet is, in a few numbers. */
static void fleet_summary(struct serve_api *api, SoupServerMessage *msg)
{
    struct fleet *f = api->cfg.fleet;
    cJSON *o = cJSON_CreateObject(), *states = cJSON_CreateObject();
    struct twin_totals sum = { 0 }, t;

    for (unsigned w = 0; w < fleet_threads(f); w++) {
        fleet_twin_totals(f, w, &t);
        sum.lamps += t.lamps;
        sum.running += t.running;
        for (unsigned s = 0; s < SYSCTL_NETSTATE_COUNT; s++)
            sum.by_netstate[s] += t.by_netstate[s];
    }
    cJSON_AddNumberToObject(o, "lamps", fleet_live(f));
    cJSON_AddNumberToObject(o, "threads", fleet_threads(f));
    cJSON_AddNumberToObject(o, "running", sum.running);
    for (unsigned s = 0; s < SYSCTL_NETSTATE_COUNT; s++)
        cJSON_AddNumberToObject(states, twin_netstate_name(s), sum.by_netstate[s]);
    cJSON_AddItemToObject(o, "network", states);
    send_json(api, msg, SOUP_STATUS_OK, o);
}

/* A route that reads no query parameter refuses any rather than ignore it. */
static bool no_query(struct serve_api *api, SoupServerMessage *msg, GHashTable *query)
{
    static const char *const none[] = { NULL };

    return check_query(api, msg, query, none);
}

static void route_api(struct serve_api *api, SoupServerMessage *msg, const char *path,
                      GHashTable *query)
{
    const char *method = soup_server_message_get_method(msg);
    bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    struct serve_route r;

    serve_route_parse(method, path, &r);
    if (r.kind == SERVE_ROUTE_NONE)
        send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, "path", "path: no route %s %s (docs/api.md "
                    "lists them)", method, path);
    else if (!r.method_ok)
        method_not_allowed(api, msg, r.allow);
    else if (r.kind == SERVE_ROUTE_LAMPS && get)
        list_lamps(api, msg, query);
    else if (r.kind == SERVE_ROUTE_EVENTS)
        events(api, msg, query);
    else if (r.kind == SERVE_ROUTE_FLEET_ACTION)
        act_on_fleet(api, msg, r.name);
    else if (no_query(api, msg, query))
        switch (r.kind) {
        case SERVE_ROUTE_LAMPS:
            add_lamps(api, msg);
            break;
        case SERVE_ROUTE_LAMP:
            get ? get_lamp(api, msg, r.serial) : remove_lamp(api, msg, r.serial);
            break;
        case SERVE_ROUTE_LAMP_ACTION:
            act(api, msg, r.serial, r.name);
            break;
        case SERVE_ROUTE_LAMP_GDB:
            post ? gdb_start(api, msg, r.serial) : gdb_get_or_stop(api, msg, r.serial, !get);
            break;
        case SERVE_ROUTE_FLEET:
            fleet_summary(api, msg);
            break;
        default:
            break;
        }
    serve_route_clear(&r);
}

/* ---- /metrics and / ---- */

static void metrics(struct serve_api *api, SoupServerMessage *msg)
{
    struct serve_counters c;
    g_autoptr(GString) page = NULL;

    if (strcmp(soup_server_message_get_method(msg), "GET"))
        return method_not_allowed(api, msg, "GET");
    serve_api_counters(api, &c);
    page = serve_metrics_page(api->cfg.fleet, &c);
    if (api->cfg.more_metrics)
        api->cfg.more_metrics(page, api->cfg.more_metrics_data);
    send_text(api, msg, SOUP_STATUS_OK, PROM_CONTENT_TYPE, page->str, page->len);
}

static const char *content_type(const char *path)
{
    static const char *const types[][2] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript" },
        { ".css", "text/css" }, { ".json", "application/json" }, { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(types); i++)
        if (g_str_has_suffix(path, types[i][0]))
            return types[i][1];
    return "application/octet-stream";
}

/* The web view's files (the hook for it: docs/api.md#web-view). */
static void static_file(struct serve_api *api, SoupServerMessage *msg, const char *path)
{
    g_autofree char *file = NULL, *data = NULL;
    gsize len;

    if (strcmp(soup_server_message_get_method(msg), "GET"))
        return method_not_allowed(api, msg, "GET");
    if (!api->cfg.web_dir)
        return send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, "path", "path: %s: no web view is "
                           "served (lampsim serve --web DIR); the API is under /api", path);
    if (strstr(path, "/.") || strstr(path, "\\"))
        return send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, "path", "path: %s: not served", path);
    file = g_build_filename(api->cfg.web_dir, !strcmp(path, "/") ? "index.html" : path + 1, NULL);
    if (!g_file_test(file, G_FILE_TEST_IS_REGULAR) || !g_file_get_contents(file, &data, &len, NULL))
        return send_errorf(api, msg, SOUP_STATUS_NOT_FOUND, "path", "path: %s: no such file", path);
    send_text(api, msg, SOUP_STATUS_OK, content_type(file), data, len);
}

static void on_request(SoupServer *server, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer data)
{
    struct serve_api *api = data;

    api->requests++;
    if (!strcmp(path, "/metrics")) {
        if (!api->cfg.metrics_auth || authorized(api, msg))
            metrics(api, msg);
        return;
    }
    if (!strcmp(path, "/api") || g_str_has_prefix(path, "/api/")) {
        if (authorized(api, msg))
            route_api(api, msg, path, query);
        return;
    }
    static_file(api, msg, path);
}

struct serve_api *serve_api_new(const struct serve_api_config *cfg)
{
    struct serve_api *api = g_new0(struct serve_api, 1);

    api->cfg = *cfg;
    api->server = soup_server_new("server-header", "lampsim", NULL);
    soup_server_add_handler(api->server, NULL, on_request, api, NULL);
    api->events = serve_events_new(cfg->hub, cfg->fleet);
    return api;
}

bool serve_api_listen(struct serve_api *api, const char *address, guint port, guint *bound,
                      GError **error)
{
    GSList *uris;
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string(address, port);

    if (!addr) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "listening on %s: not an IP address",
                    address);
        return false;
    }
    if (!soup_server_listen(api->server, addr, 0, error)) {
        g_prefix_error(error, "listening on %s port %u: ", address, port);
        return false;
    }
    uris = soup_server_get_uris(api->server);
    *bound = uris ? (guint)g_uri_get_port(uris->data) : port;
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    return true;
}

void serve_api_counters(struct serve_api *api, struct serve_counters *out)
{
    *out = (struct serve_counters){
        .requests = api->requests, .client_errors = api->client_errors,
        .events_sent = serve_events_sent(api->events),
        .events_dropped = serve_events_dropped(api->events),
        .sse_clients = serve_events_clients(api->events),
    };
}

void serve_api_free(struct serve_api *api)
{
    if (!api)
        return;
    serve_events_free(api->events);
    soup_server_disconnect(api->server);
    g_object_unref(api->server);
    g_free(api);
}
