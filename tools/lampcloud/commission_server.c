/* tools/lampcloud/commission_server.c: the installers' commissioning
 * service over HTTPS (docs/commissioning.md#https-commissioning-service),
 * on SoupServer (https_service.c): the cloud's server certificate, no
 * client certificate (installers log in with a name and password instead),
 * HTTP/1.1 with kept-alive connections so that an installer's client
 * commissions a thousand lamps without a thousand handshakes.  Bodies of
 * at most COMMISSION_BODY_MAX bytes, with Content-Length (a JSON API with
 * small bodies has no use for chunked ones: 501, as always).  Each
 * request is answered on a worker thread (a login hashes a password for
 * tens of milliseconds; the registry is a file), so installers do not
 * wait for each other.  What each request means is commission_api.c. */
#include "commission_api.h"
#include "https_service.h"
#include "installers.h"
#include "lampcloud.h"

#include <string.h>

struct commission_server {
    struct https_service *svc;
    struct commission_api *api;
};

static void respond_json(SoupServerMessage *msg, int status, const char *json, bool keep_alive)
{
    https_set_status(msg, status, keep_alive);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                                 "no-store");
    https_set_body(msg, "application/json", g_strconcat(json, "\n", NULL));
}

/* A request refused before its body (https_service_refuse). */
static void refuse(SoupServerMessage *msg, int status, const char *why, void *user)
{
    g_autofree char *json = commission_api_error(why);

    cloud_say("commission: %s: %d %s", soup_server_message_get_remote_host(msg), status, why);
    respond_json(msg, status, json, false);
}

/* The request's headers are in: what cannot be taken is refused before
 * its body is read (and before the 100 Continue a client may wait for). */
static void early(SoupServerMessage *msg, void *user)
{
    struct commission_server *srv = user;
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    const char *why = NULL;
    int status;

    /* from here every answer is the service's own (on_request_started),
     * and a 100 Continue carries no body headers */
    SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);
    soup_message_body_truncate(soup_server_message_get_response_body(msg));
    soup_message_headers_remove(resp, "Content-Type");
    soup_message_headers_remove(resp, "Cache-Control");
    status = https_small_body_check(soup_server_message_get_method(msg), h, COMMISSION_BODY_MAX,
                                    &why);
    if (status)
        https_service_refuse(srv->svc, msg, status, why);
}

/* Every answer is JSON, also libsoup's own to a request it cannot read
 * (400 for a malformed request line or headers, or no Host; 501 for a
 * transfer coding other than chunked; 505 for another HTTP version): this
 * body goes out unless the request gets to early(). */
static void on_request_started(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    https_set_body(msg, "application/json",
                   g_strdup("{\"error\":\"malformed HTTP/1.1 request\"}\n"));
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                                 "no-store");
}

struct job {
    struct commission_api *api;
    char *peer, *method, *path, *authorization;
    GBytes *body;
    bool keep_alive;
    int status;
    char *json;
};

static void job_free(void *data)
{
    struct job *j = data;

    g_free(j->peer);
    g_free(j->method);
    g_free(j->path);
    g_free(j->authorization);
    g_bytes_unref(j->body);
    g_free(j->json);
    g_free(j);
}

static void job_work(void *data)
{
    struct job *j = data;
    gsize len = 0;
    const char *body = j->body ? g_bytes_get_data(j->body, &len) : NULL;
    struct commission_request req = {
        .method = j->method, .path = j->path, .authorization = j->authorization,
        .body = len ? body : NULL, .body_len = len,
    };

    j->status = commission_api_handle(j->api, j->peer, &req, &j->json);
}

static void job_finish(SoupServerMessage *msg, void *data)
{
    struct job *j = data;

    respond_json(msg, j->status, j->json, j->keep_alive);
}

static void handle(SoupServer *server, SoupServerMessage *msg, const char *path,
                   GHashTable *query, gpointer data)
{
    struct commission_server *srv = data;
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    struct job *j = g_new0(struct job, 1);

    j->api = srv->api;
    j->peer = g_strdup(soup_server_message_get_remote_host(msg));
    j->method = g_strdup(soup_server_message_get_method(msg));
    j->path = g_strdup(path);
    j->authorization = g_strdup(soup_message_headers_get_one(h, "Authorization"));
    j->body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    j->keep_alive = https_keep_alive(msg);
    https_service_offload(srv->svc, msg, job_work, job_finish, j, job_free);
}

struct commission_server *commission_server_start(struct cloud_site *s, bool any_port_if_busy,
                                                  GError **error)
{
    struct commission_server *srv = g_new0(struct commission_server, 1);
    g_autofree char *registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    g_autoptr(GError) local = NULL;
    SoupServer *server;
    bool ok;

    /* the installers table is the cloud's own: made here if the fleet has none */
    if (!installers_init(registry, error) ||
        !(srv->svc = https_service_new("commission", s, NULL, error)))
        goto fail;
    srv->api = commission_api_new(registry);
    server = https_service_server(srv->svc);
    https_service_set_request_hooks(srv->svc, early, refuse, srv);
    soup_server_add_handler(server, NULL, handle, srv, NULL);
    g_signal_connect(server, "request-started", G_CALLBACK(on_request_started), srv);
    ok = https_service_listen(srv->svc, s->host, s->commission_port, &local);
    if (!ok && any_port_if_busy &&
        g_error_matches(local, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_PORT_BUSY)) {
        cloud_say("lampcloud: commissioning port %d is taken; using any free port",
                  s->commission_port);
        g_clear_error(&local);
        ok = https_service_listen(srv->svc, s->host, 0, &local);
    }
    if (!ok) {
        g_propagate_error(error, g_steal_pointer(&local));
        goto fail;
    }
    s->commission_port = https_service_port(srv->svc);
    return srv;
fail:
    commission_server_stop(srv);
    return NULL;
}

void commission_server_stop(struct commission_server *srv)
{
    if (!srv)
        return;
    /* the service first: its jobs use the API */
    https_service_stop(srv->svc);
    commission_api_free(srv->api);
    g_free(srv);
}
