/* tools/lampcloud/https_service.c: see https_service.h.  libsoup does the
 * HTTP/1.1 framing and glib-networking (GnuTLS) the TLS; what is the
 * cloud's own here is the certificate checks' log lines, the timeouts and
 * the orderly stop.
 *
 * Connections are followed by their GSocket (libsoup's connection object
 * is not public): the first request-started of a socket is its accept,
 * before the TLS handshake; a weak reference tells when it is gone.  The
 * table of live sockets is under a lock, as the last reference may drop in
 * a handshake thread of glib-networking. */
#include "https_service.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>

#define IO_TIMEOUT_S 30
/* lamps of a large fleet start a download at once */
#define LISTEN_BACKLOG 1024
/* GnuTLS's defaults, less TLS 1.0 and 1.1, and without the "%COMPAT" that
 * glib-networking appends when the variable is unset: it turns the
 * extended master secret (RFC 7627) off, which lamps and the broker use. */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* a stop waits this long at most for handshakes and jobs in flight */
#define STOP_WAIT_US (5 * G_USEC_PER_SEC)

struct https_service {
    char *name;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    SoupServer *server;
    int port;
    GMutex lock;
    GHashTable *conns; /* GSocket * (weakly) -> struct conn *; under lock */
    gint jobs;         /* offloaded work in flight */
    X509_STORE *client_cas; /* NULL: no client certificate asked for */
    int auth_level;
    https_early_fn early;
    https_refuse_fn refuse;
    void *hooks_user;
    gint stopping;
};

/* One connection, from its accept. */
struct conn {
    struct https_service *svc;
    GSocket *socket; /* weak */
    char *peer;
    char *refusal;   /* why its client certificate was refused */
    GTlsCertificate *verified; /* the client certificate verify_client passed; under lock */
    bool handshaken;
};

static void conn_free(gpointer data)
{
    struct conn *c = data;

    g_free(c->peer);
    g_free(c->refusal);
    g_clear_object(&c->verified);
}

static struct conn *conn_ref(struct conn *c) { return g_rc_box_acquire(c); }
static void conn_unref(gpointer c) { g_rc_box_release_full(c, conn_free); }
static void conn_unref_closure(gpointer c, GClosure *closure) { conn_unref(c); }

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return NULL; /* libsoup's */
    }
}

bool https_keep_alive(SoupServerMessage *msg)
{
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);

    if (soup_message_headers_header_contains(h, "Connection", "close"))
        return false;
    if (soup_server_message_get_http_version(msg) == SOUP_HTTP_1_0)
        return soup_message_headers_header_contains(h, "Connection", "keep-alive");
    return true;
}

void https_set_status(SoupServerMessage *msg, int status, bool keep_alive)
{
    soup_server_message_set_status(msg, (guint)status, reason(status));
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 keep_alive ? "keep-alive" : "close");
}

void https_set_body(SoupServerMessage *msg, const char *content_type, char *body)
{
    soup_message_body_truncate(soup_server_message_get_response_body(msg));
    soup_server_message_set_response(msg, content_type, SOUP_MEMORY_TAKE, body, strlen(body));
}

/* ---- connections ---------------------------------------------------------- */

static X509 *x509_of(GTlsCertificate *cert)
{
    g_autoptr(GByteArray) der = NULL;
    const unsigned char *p;

    g_object_get(cert, "certificate", &der, NULL);
    if (!der)
        return NULL;
    p = der->data;
    return d2i_X509(NULL, &p, (long)der->len);
}

/* The client's certificate (and whatever chain it sent) verified by
 * OpenSSL as the listener before libsoup did (SSL_VERIFY_PEER against the
 * client CA): the chain to that CA, validity now, the purpose "SSL
 * client" (extended key usage clientAuth when the certificate names any),
 * and the key and signature strengths of OpenSSL's default security
 * level.  NULL when it passes, else why not. */
static char *verify_client(struct https_service *svc, GTlsCertificate *cert)
{
    X509 *leaf = x509_of(cert);
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    char *why = NULL;

    for (GTlsCertificate *c = g_tls_certificate_get_issuer(cert); c && chain;
         c = g_tls_certificate_get_issuer(c)) {
        X509 *x = x509_of(c);
        if (x && !sk_X509_push(chain, x))
            X509_free(x);
    }
    if (!leaf || !chain || !ctx || !X509_STORE_CTX_init(ctx, svc->client_cas, leaf, chain) ||
        !X509_STORE_CTX_set_default(ctx, "ssl_client")) {
        why = g_strdup("the client certificate could not be read");
        goto out;
    }
    X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(ctx), svc->auth_level);
    if (X509_verify_cert(ctx) != 1)
        why = g_strdup_printf("client certificate: %s",
                              X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    return why;
}

/* glib-networking asks about every certificate a client presents; its own
 * checks' flags are not used (the service gives it no database): the
 * answer is verify_client's, and a refusal fails the handshake, its reason
 * kept for the log. */
static gboolean on_accept_certificate(SoupServerMessage *msg, GTlsCertificate *cert,
                                      GTlsCertificateFlags errors, gpointer data)
{
    struct conn *c = data;

    g_free(c->refusal);
    c->refusal = c->svc->client_cas ? verify_client(c->svc, cert)
                                    : g_strdup("no client certificate is asked for");
    if (c->refusal)
        return FALSE;
    g_mutex_lock(&c->svc->lock);
    g_set_object(&c->verified, cert);
    g_mutex_unlock(&c->svc->lock);
    return TRUE;
}

GTlsCertificate *https_service_peer_certificate(struct https_service *svc,
                                                SoupServerMessage *msg)
{
    GSocket *socket = soup_server_message_get_socket(msg);
    GTlsCertificate *cert = NULL;
    struct conn *c;

    g_mutex_lock(&svc->lock);
    c = socket ? g_hash_table_lookup(svc->conns, socket) : NULL;
    if (c && c->verified)
        cert = g_object_ref(c->verified);
    g_mutex_unlock(&svc->lock);
    return cert;
}

static void on_connected(SoupServerMessage *msg, gpointer data)
{
    ((struct conn *)data)->handshaken = true;
}

static void on_disconnected(SoupServerMessage *msg, gpointer data)
{
    struct conn *c = data;

    if (!c->handshaken && !g_atomic_int_get(&c->svc->stopping))
        cloud_say("%s: %s: TLS handshake refused: %s", c->svc->name, c->peer,
                  c->refusal ? c->refusal
                             : "the handshake failed (no client certificate where one is "
                               "required, no TLS 1.2 in common, or the peer went away)");
}

static void socket_gone(gpointer data, GObject *where)
{
    struct conn *c = data;
    struct https_service *svc = c->svc;

    g_mutex_lock(&svc->lock);
    g_hash_table_remove(svc->conns, where);
    g_mutex_unlock(&svc->lock);
}

static void on_request_started(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    struct https_service *svc = data;
    GSocket *socket = soup_server_message_get_socket(msg);
    struct conn *c;
    bool known;

    if (!socket)
        return;
    g_mutex_lock(&svc->lock);
    known = g_hash_table_contains(svc->conns, socket);
    if (!known) {
        c = g_rc_box_new0(struct conn);
        c->svc = svc;
        c->socket = socket;
        c->peer = g_strdup(soup_server_message_get_remote_host(msg));
        g_hash_table_insert(svc->conns, socket, c);
        g_object_weak_ref(G_OBJECT(socket), socket_gone, c);
    }
    g_mutex_unlock(&svc->lock);
    if (known)
        return;
    /* a new connection, its handshake still to come */
    g_socket_set_timeout(socket, IO_TIMEOUT_S);
    g_signal_connect_data(msg, "accept-certificate", G_CALLBACK(on_accept_certificate),
                          conn_ref(c), conn_unref_closure, 0);
    g_signal_connect_data(msg, "connected", G_CALLBACK(on_connected), conn_ref(c),
                          conn_unref_closure, 0);
    g_signal_connect_data(msg, "disconnected", G_CALLBACK(on_disconnected), conn_ref(c),
                          conn_unref_closure, 0);
}

void https_services_init(void)
{
    g_setenv("G_TLS_GNUTLS_PRIORITY", TLS_PRIORITY, TRUE);
}

/* ---- requests ------------------------------------------------------------ */

/* ---- refusals -------------------------------------------------------------- */

/* A refusal's bytes, written by hand: libsoup reads a request's whole
 * declared body before it writes any answer (unless the client waits for
 * 100 Continue), and a refused body may never come (a client that waits
 * for the answer), be huge, or have no known end (a bad Content-Length).
 * So the connection is taken from libsoup, answered and closed, as the
 * listener before it did. */
struct refusal {
    struct https_service *svc;
    GIOStream *stream;
    GBytes *bytes;
};

/* libsoup keeps what it knew of a stolen connection until the server
 * goes, so the socket would stay open, and in the table a stop waits on,
 * until then: closed and forgotten here. */
/* The socket under a stolen stream: libsoup names it on the stream, or it
 * is the TLS connection's base stream's. */
static GSocket *stolen_socket(GIOStream *stream)
{
    GSocket *socket = g_object_get_data(G_OBJECT(stream), "GSocket");
    g_autoptr(GIOStream) base = NULL;

    if (socket)
        return socket;
    if (G_IS_TLS_CONNECTION(stream))
        g_object_get(stream, "base-io-stream", &base, NULL);
    if (base && G_IS_SOCKET_CONNECTION(base))
        return g_socket_connection_get_socket(G_SOCKET_CONNECTION(base));
    if (G_IS_SOCKET_CONNECTION(stream))
        return g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream));
    return NULL;
}

static void stolen_closed(GObject *stream, GAsyncResult *result, gpointer data)
{
    struct https_service *svc = data;
    GSocket *socket = stolen_socket(G_IO_STREAM(stream));
    struct conn *c;

    g_io_stream_close_finish(G_IO_STREAM(stream), result, NULL);
    if (socket) {
        g_socket_close(socket, NULL);
        g_mutex_lock(&svc->lock);
        if ((c = g_hash_table_lookup(svc->conns, socket))) {
            g_object_weak_unref(G_OBJECT(socket), socket_gone, c);
            g_hash_table_remove(svc->conns, socket);
        }
        g_mutex_unlock(&svc->lock);
    }
    g_object_unref(stream);
}

void https_service_close_stolen(struct https_service *svc, GIOStream *stream)
{
    g_io_stream_close_async(stream, G_PRIORITY_DEFAULT, NULL, stolen_closed, svc);
    /* the close holds its own reference: the steal's goes (it kept the
     * stream, and with it the socket, until the process's exit) */
    g_object_unref(stream);
}

static void refusal_written(GObject *out, GAsyncResult *result, gpointer data)
{
    struct refusal *r = data;

    g_output_stream_write_all_finish(G_OUTPUT_STREAM(out), result, NULL, NULL);
    https_service_close_stolen(r->svc, r->stream);
    g_bytes_unref(r->bytes);
    g_free(r);
}

static GBytes *refusal_bytes(SoupServerMessage *msg)
{
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    g_autoptr(GBytes) body = soup_message_body_flatten(soup_server_message_get_response_body(msg));
    GString *out = g_string_new(NULL);
    SoupMessageHeadersIter it;
    const char *name, *value;

    g_string_append_printf(out, "HTTP/1.1 %u %s\r\n", soup_server_message_get_status(msg),
                           soup_server_message_get_reason_phrase(msg));
    soup_message_headers_set_content_length(h, (goffset)g_bytes_get_size(body));
    soup_message_headers_iter_init(&it, h);
    while (soup_message_headers_iter_next(&it, &name, &value))
        g_string_append_printf(out, "%s: %s\r\n", name, value);
    g_string_append(out, "\r\n");
    g_string_append_len(out, g_bytes_get_data(body, NULL), (gssize)g_bytes_get_size(body));
    return g_string_free_to_bytes(out);
}

static gboolean refusal_send(gpointer data)
{
    SoupServerMessage *msg = data;
    struct https_service *svc = g_object_get_data(G_OBJECT(msg), "https-service");
    struct refusal *r = g_new0(struct refusal, 1);

    r->svc = svc;
    r->bytes = refusal_bytes(msg);
    r->stream = soup_server_message_steal_connection(msg);
    if (!r->stream) {
        g_bytes_unref(r->bytes);
        g_free(r);
        return G_SOURCE_REMOVE;
    }
    g_output_stream_write_all_async(g_io_stream_get_output_stream(r->stream),
                                    g_bytes_get_data(r->bytes, NULL), g_bytes_get_size(r->bytes),
                                    G_PRIORITY_DEFAULT, NULL, refusal_written, r);
    return G_SOURCE_REMOVE;
}

void https_service_refuse(struct https_service *svc, SoupServerMessage *msg, int status,
                          const char *why)
{
    GSource *src;

    if (svc->refuse) {
        svc->refuse(msg, status, why, svc->hooks_user);
    } else {
        cloud_say("%s: %s: %d %s", svc->name, soup_server_message_get_remote_host(msg), status,
                  why);
        https_set_status(msg, status, false);
        https_set_body(msg, "text/plain",
                       g_strdup_printf("%d %s\n", status, soup_server_message_get_reason_phrase(msg)));
    }
    /* whatever the hook did, the connection closes */
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                 "close");
    /* not from inside libsoup's reading (this is its got-headers): later */
    soup_server_message_pause(msg);
    g_object_set_data(G_OBJECT(msg), "https-service", svc);
    src = g_idle_source_new();
    g_source_set_callback(src, refusal_send, g_object_ref(msg), g_object_unref);
    g_source_attach(src, svc->ctx);
    g_source_unref(src);
}

static void early(SoupServer *server, SoupServerMessage *msg, const char *path,
                  GHashTable *query, gpointer data)
{
    struct https_service *svc = data;
    GUri *uri = soup_server_message_get_uri(msg);
    const char *why = NULL;
    int status = https_request_check(soup_server_message_get_method(msg),
                                     uri ? g_uri_get_path(uri) : NULL,
                                     soup_server_message_get_request_headers(msg), &why);

    if (status) {
        https_service_refuse(svc, msg, status, why);
        return;
    }
    if (svc->early)
        svc->early(msg, svc->hooks_user);
}

void https_service_set_request_hooks(struct https_service *svc, https_early_fn early,
                                     https_refuse_fn refuse, void *user)
{
    svc->early = early;
    svc->refuse = refuse;
    svc->hooks_user = user;
}

/* ---- the service ---------------------------------------------------------- */

static gboolean wake(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

/* Connections still open, and jobs in flight.  An open connection is
 * what a stop waits for: a closed socket may stay referenced inside
 * libsoup and glib-networking (a refused handshake's task, a finished
 * connection's object) until the process exits, and waiting for it to be
 * freed waited out STOP_WAIT_US at every stop. */
static guint live(struct https_service *svc)
{
    GHashTableIter it;
    gpointer socket;
    guint n = 0;

    g_mutex_lock(&svc->lock);
    g_hash_table_iter_init(&it, svc->conns);
    while (g_hash_table_iter_next(&it, &socket, NULL))
        n += !g_socket_is_closed(socket);
    g_mutex_unlock(&svc->lock);
    return n + (guint)g_atomic_int_get(&svc->jobs);
}

static gpointer service_thread(gpointer data)
{
    struct https_service *svc = data;
    GHashTableIter it;
    gpointer socket;
    GSource *tick;
    gint64 until;

    g_main_context_push_thread_default(svc->ctx);
    g_main_loop_run(svc->loop);

    /* Stopping: the sockets first, so that no close waits for a peer. */
    g_mutex_lock(&svc->lock);
    g_hash_table_iter_init(&it, svc->conns);
    while (g_hash_table_iter_next(&it, &socket, NULL))
        g_socket_shutdown(socket, TRUE, TRUE, NULL);
    g_mutex_unlock(&svc->lock);
    soup_server_disconnect(svc->server);
    /* the server holds each finished connection's socket until it is
     * freed: waiting for the sockets with it alive waited out STOP_WAIT_US
     * whenever anybody had connected */
    g_clear_object(&svc->server);
    tick = g_timeout_source_new(50);
    g_source_set_callback(tick, wake, NULL, NULL);
    g_source_attach(tick, svc->ctx);
    until = g_get_monotonic_time() + STOP_WAIT_US;
    while (live(svc) > 0 && g_get_monotonic_time() < until)
        g_main_context_iteration(svc->ctx, TRUE);
    if (live(svc) > 0)
        cloud_say("%s: stop: %u connection(s) or job(s) still there after %d s; left to the "
                  "process's exit", svc->name, live(svc), (int)(STOP_WAIT_US / G_USEC_PER_SEC));
    g_source_destroy(tick);
    g_source_unref(tick);
    while (g_main_context_iteration(svc->ctx, FALSE))
        ;
    g_main_context_pop_thread_default(svc->ctx);
    return NULL;
}

struct https_service *https_service_new(const char *name, const struct cloud_site *s,
                                        const char *client_ca, GError **error)
{
    struct https_service *svc = g_new0(struct https_service, 1);
    g_autofree char *crt = cloud_site_path(s, "server.crt");
    g_autofree char *key = cloud_site_path(s, "server.key");
    g_autoptr(GTlsCertificate) cert = NULL;
    g_autoptr(GError) local = NULL;

    svc->name = g_strdup(name);
    svc->ctx = g_main_context_new();
    svc->loop = g_main_loop_new(svc->ctx, FALSE);
    g_mutex_init(&svc->lock);
    svc->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, conn_unref);
    if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED,
                    "%s server: GIO has no TLS backend (install glib-networking)", name);
        goto fail;
    }
    if (!(cert = g_tls_certificate_new_from_files(crt, key, &local))) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED,
                    "%s server TLS setup (%s, %s): %s", name, crt, key, local->message);
        goto fail;
    }
    if (client_ca) {
        /* the security level an OpenSSL server context has by default
         * (the system's openssl.cnf), which its verification applied */
        SSL_CTX *dflt = SSL_CTX_new(TLS_server_method());
        svc->auth_level = dflt ? SSL_CTX_get_security_level(dflt) : 1;
        SSL_CTX_free(dflt);
        svc->client_cas = X509_STORE_new();
        if (!svc->client_cas || X509_STORE_load_file(svc->client_cas, client_ca) != 1) {
            g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED,
                        "%s server: cannot load the client CA %s", name, client_ca);
            goto fail;
        }
    }
    /* no database: glib-networking then asks accept-certificate about
     * every client certificate, with verify_client the one judge */
    svc->server = soup_server_new("tls-certificate", cert, "tls-database", NULL,
                                  "tls-auth-mode", client_ca ? G_TLS_AUTHENTICATION_REQUIRED
                                                             : G_TLS_AUTHENTICATION_NONE,
                                  NULL);
    g_signal_connect(svc->server, "request-started", G_CALLBACK(on_request_started), svc);
    soup_server_add_early_handler(svc->server, NULL, early, svc, NULL);
    return svc;
fail:
    https_service_stop(svc);
    return NULL;
}

SoupServer *https_service_server(struct https_service *svc)
{
    return svc->server;
}

const char *https_service_name(const struct https_service *svc)
{
    return svc->name;
}

bool https_service_listen(struct https_service *svc, const char *host, int port,
                          GError **error)
{
    g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(host);
    g_autoptr(GSocketAddress) where = NULL, bound = NULL;
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GError) local = NULL;
    bool ok;

    g_return_val_if_fail(!svc->thread, false);
    if (!ia || g_inet_address_get_family(ia) != G_SOCKET_FAMILY_IPV4) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "--host %s: not an IPv4 address", host);
        return false;
    }
    where = g_inet_socket_address_new(ia, (guint16)port);
    socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                          &local);
    if (socket) {
        g_socket_set_listen_backlog(socket, LISTEN_BACKLOG);
        if (g_socket_bind(socket, where, TRUE, &local) && g_socket_listen(socket, &local))
            bound = g_socket_get_local_address(socket, &local);
    }
    if (!bound) {
        g_set_error(error, LAMPCLOUD_ERROR,
                    g_error_matches(local, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)
                        ? LAMPCLOUD_ERROR_PORT_BUSY : LAMPCLOUD_ERROR_FAILED,
                    "%s server on %s:%d: %s", svc->name, host, port, local->message);
        return false;
    }
    /* the listener's source goes to the service's context */
    g_main_context_push_thread_default(svc->ctx);
    ok = soup_server_listen_socket(svc->server, socket, SOUP_SERVER_LISTEN_HTTPS, &local);
    g_main_context_pop_thread_default(svc->ctx);
    if (!ok) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED, "%s server on %s:%d: %s",
                    svc->name, host, port, local->message);
        return false;
    }
    svc->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    svc->thread = g_thread_new(svc->name, service_thread, svc);
    return true;
}

int https_service_port(const struct https_service *svc)
{
    return svc->port;
}

static gboolean quit(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void https_service_stop(struct https_service *svc)
{
    if (!svc)
        return;
    g_atomic_int_set(&svc->stopping, 1);
    if (svc->thread) {
        /* a source, not g_main_context_invoke: the loop may not run yet */
        GSource *src = g_idle_source_new();
        g_source_set_callback(src, quit, svc->loop, NULL);
        g_source_attach(src, svc->ctx);
        g_source_unref(src);
        g_thread_join(svc->thread);
    } else if (svc->server) {
        g_main_context_push_thread_default(svc->ctx);
        g_clear_object(&svc->server);
        g_main_context_pop_thread_default(svc->ctx);
    }
    /* sockets still there after the stop's wait forget the table */
    g_mutex_lock(&svc->lock);
    GHashTableIter it;
    gpointer socket, c;
    g_hash_table_iter_init(&it, svc->conns);
    while (g_hash_table_iter_next(&it, &socket, &c))
        g_object_weak_unref(socket, socket_gone, c);
    g_mutex_unlock(&svc->lock);
    g_hash_table_destroy(svc->conns);
    X509_STORE_free(svc->client_cas);
    g_mutex_clear(&svc->lock);
    g_main_loop_unref(svc->loop);
    g_main_context_unref(svc->ctx);
    g_free(svc->name);
    g_free(svc);
}

/* ---- offloaded work ------------------------------------------------------- */

struct offload {
    struct https_service *svc;
    SoupServerMessage *msg;
    gulong on_gone;
    bool gone;
    void (*work)(void *job);
    void (*finish)(SoupServerMessage *msg, void *job);
    void *job;
    GDestroyNotify free_job;
};

static void offload_free(gpointer data)
{
    struct offload *o = data;

    if (o->free_job)
        o->free_job(o->job);
    g_object_unref(o->msg);
    g_free(o);
}

static void offload_gone(SoupServerMessage *msg, gpointer data)
{
    ((struct offload *)data)->gone = true;
}

static void offload_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    struct offload *o = data;

    o->work(o->job);
    g_task_return_boolean(task, TRUE);
}

static void offload_done(GObject *source, GAsyncResult *result, gpointer data)
{
    struct offload *o = g_task_get_task_data(G_TASK(result));

    g_signal_handler_disconnect(o->msg, o->on_gone);
    if (!o->gone && !g_atomic_int_get(&o->svc->stopping)) {
        o->finish(o->msg, o->job);
        soup_server_message_unpause(o->msg);
    }
    g_atomic_int_add(&o->svc->jobs, -1);
}

void https_service_offload(struct https_service *svc, SoupServerMessage *msg,
                           void (*work)(void *job),
                           void (*finish)(SoupServerMessage *msg, void *job),
                           void *job, GDestroyNotify free_job)
{
    struct offload *o = g_new0(struct offload, 1);
    GTask *task;

    o->svc = svc;
    o->msg = g_object_ref(msg);
    o->work = work;
    o->finish = finish;
    o->job = job;
    o->free_job = free_job;
    o->on_gone = g_signal_connect(msg, "disconnected", G_CALLBACK(offload_gone), o);
    soup_server_message_pause(msg);
    g_atomic_int_inc(&svc->jobs);
    task = g_task_new(NULL, NULL, offload_done, NULL);
    g_task_set_task_data(task, o, offload_free);
    g_task_run_in_thread(task, offload_run);
    g_object_unref(task);
}
