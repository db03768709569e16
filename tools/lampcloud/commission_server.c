/* tools/lampcloud/commission_server.c: the installers' commissioning
 * service over HTTPS (docs/commissioning.md#https-commissioning-service):
 * the cloud's server certificate, no client certificate (installers log in
 * with a name and password instead), HTTP/1.1 with kept-alive connections
 * so that an installer's client commissions a thousand lamps without a
 * thousand handshakes.  What each request means is commission_api.c. */
#include "commission_api.h"
#include "https_listener.h"
#include "installers.h"
#include "lampcloud.h"

struct commission_server {
    struct https_listener *listener;
    struct commission_api *api;
};

static ssize_t tls_read(void *io, void *buf, size_t len)
{
    return SSL_read(io, buf, (int)MIN(len, (size_t)G_MAXINT));
}

static bool tls_write(void *io, const void *buf, size_t len)
{
    return https_send_all(io, buf, len);
}

static void serve(SSL *ssl, const char *peer, void *user)
{
    struct commission_server *srv = user;
    struct http1_conn *c = http1_conn_new(tls_read, tls_write, ssl);
    struct http1_request req;
    enum http1_read got;
    int status;
    const char *why;

    while ((got = http1_read_request(c, COMMISSION_BODY_MAX, &req, &status, &why)) ==
           HTTP1_REQUEST) {
        g_autofree char *json = NULL;
        bool keep_alive = req.keep_alive, sent;

        status = commission_api_handle(srv->api, peer, &req, &json);
        sent = http1_respond_json(c, status, json, keep_alive);
        http1_request_clear(&req);
        if (!sent || !keep_alive)
            break;
    }
    if (got == HTTP1_BAD) {
        g_autofree char *json = commission_api_error(why);
        cloud_say("commission: %s: %d %s", peer, status, why);
        http1_respond_json(c, status, json, false);
    }
    http1_conn_free(c);
}

struct commission_server *commission_server_start(struct cloud_site *s, bool any_port_if_busy,
                                                  GError **error)
{
    struct commission_server *srv = g_new0(struct commission_server, 1);
    g_autofree char *registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    g_autoptr(GError) local = NULL;
    SSL_CTX *ctx;

    /* the installers table is the cloud's own: made here if the fleet has none */
    if (!installers_init(registry, error) ||
        !(ctx = https_server_ctx(s, "commissioning service", error)))
        goto fail;
    srv->api = commission_api_new(registry);
    srv->listener = https_listener_start("commission", s->host, s->commission_port, ctx, serve,
                                         srv, &local);
    if (!srv->listener && any_port_if_busy &&
        g_error_matches(local, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_PORT_BUSY)) {
        cloud_say("lampcloud: commissioning port %d is taken; using any free port",
                  s->commission_port);
        g_clear_error(&local);
        ctx = https_server_ctx(s, "commissioning service", error);
        srv->listener = ctx ? https_listener_start("commission", s->host, 0, ctx, serve, srv,
                                                   &local)
                            : NULL;
    }
    if (!srv->listener) {
        if (local)
            g_propagate_error(error, g_steal_pointer(&local));
        goto fail;
    }
    s->commission_port = https_listener_port(srv->listener);
    return srv;
fail:
    commission_server_stop(srv);
    return NULL;
}

void commission_server_stop(struct commission_server *srv)
{
    if (!srv)
        return;
    https_listener_stop(srv->listener);
    commission_api_free(srv->api);
    g_free(srv);
}
