/* tools/lampcloud/image_server.c: update images over HTTPS.  TLS 1.2 or
 * later, the server certificate from the fleet's cloud CA, and a client
 * certificate from its device CA required: the client's CN must be a lamp
 * the registry holds as active (or the cloud's own "cloud:" clients).
 * HTTP/1.1 GET and HEAD of /NAME for files in the images directory, with
 * single byte ranges (Range: bytes=A- or A-B) answered 206, so a lamp
 * resumes an interrupted download.  One thread per connection: lamps are
 * slow readers and a fleet downloads at once.
 *
 * --cut-after N (tests): a response without Range stops after N bytes of
 * body and the connection is closed, as a dropped link would. */
#include "lampcloud.h"
#include "registry_lookup.h"

#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX 8192
#define IO_TIMEOUT_S 30

struct image_server {
    SSL_CTX *ctx;
    int fd;
    GThread *acceptor;
    char *images, *registry;
    gint64 cut_after;
    volatile gint stopping;
};

struct conn {
    struct image_server *srv;
    int fd;
    char peer[64];
};

static void set_timeouts(int fd)
{
    struct timeval tv = { IO_TIMEOUT_S, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static bool send_all(SSL *ssl, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        int n = SSL_write(ssl, p, (int)MIN(len, 16384u));
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void respond_status(SSL *ssl, int code, const char *reason)
{
    g_autofree char *body = g_strdup_printf("%d %s\n", code, reason);
    g_autofree char *head = g_strdup_printf(
        "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
        "Connection: close\r\n\r\n%s", code, reason, strlen(body), body);
    send_all(ssl, head, strlen(head));
}

/* "bytes=A-" or "bytes=A-B" against size; false if unsatisfiable or
 * malformed (multiple ranges are not offered). */
static bool parse_range(const char *v, gint64 size, gint64 *start, gint64 *end)
{
    char *e;
    gint64 a, b = size - 1;

    if (!g_str_has_prefix(v, "bytes="))
        return false;
    v += 6;
    if (!g_ascii_isdigit(*v))
        return false;
    a = g_ascii_strtoll(v, &e, 10);
    if (*e != '-')
        return false;
    e++;
    if (*e && *e != '\r') {
        if (!g_ascii_isdigit(*e))
            return false;
        b = g_ascii_strtoll(e, &e, 10);
        if (b > size - 1)
            b = size - 1;
    }
    if (a >= size || b < a)
        return false;
    *start = a;
    *end = b;
    return true;
}

static bool valid_name(const char *name)
{
    if (!*name || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
            return false;
    return true;
}

static const char *client_identity(SSL *ssl, char *cn, size_t len)
{
    X509 *cert = SSL_get1_peer_certificate(ssl);
    int n = cert ? X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                             (int)len)
                 : -1;
    X509_free(cert);
    return n > 0 && (size_t)n < len ? cn : NULL;
}

static void serve_request(struct conn *c, SSL *ssl, const char *who)
{
    char req[REQUEST_MAX + 1];
    size_t got = 0;
    char method[8], path[256];
    const char *range;
    g_autofree char *file = NULL;
    g_autofree char *data = NULL;
    gsize size;
    gint64 start = 0, end, body_len, sent_limit;
    bool partial = false, head_only;

    while (got < REQUEST_MAX) {
        int n = SSL_read(ssl, req + got, (int)(REQUEST_MAX - got));
        if (n <= 0)
            return;
        got += (size_t)n;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    if (!strstr(req, "\r\n\r\n") || sscanf(req, "%7s %255s HTTP/1.", method, path) != 2) {
        respond_status(ssl, 400, "Bad Request");
        return;
    }
    head_only = !strcmp(method, "HEAD");
    if (strcmp(method, "GET") && !head_only) {
        respond_status(ssl, 405, "Method Not Allowed");
        return;
    }
    if (path[0] != '/' || !valid_name(path + 1)) {
        respond_status(ssl, 404, "Not Found");
        cloud_say("https: %s %s %s: 404 (not an image name)", who, method, path);
        return;
    }
    file = g_build_filename(c->srv->images, path + 1, NULL);
    if (!g_file_get_contents(file, &data, &size, NULL)) {
        respond_status(ssl, 404, "Not Found");
        cloud_say("https: %s %s %s: 404", who, method, path);
        return;
    }
    end = (gint64)size - 1;
    range = g_strstr_len(req, -1, "\r\nRange:");
    if (!range)
        range = g_strstr_len(req, -1, "\r\nrange:");
    if (range) {
        range += 8;
        while (*range == ' ')
            range++;
        if (!parse_range(range, (gint64)size, &start, &end)) {
            g_autofree char *head = g_strdup_printf(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */%zu\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n", (size_t)size);
            send_all(ssl, head, strlen(head));
            cloud_say("https: %s %s %s: 416 (range %.30s)", who, method, path, range);
            return;
        }
        partial = true;
    }
    body_len = end - start + 1;
    g_autofree char *head = partial
        ? g_strdup_printf("HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %" G_GINT64_FORMAT "\r\nContent-Range: bytes %"
                          G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%zu\r\nAccept-Ranges: bytes\r\n"
                          "Connection: close\r\n\r\n", body_len, start, end, (size_t)size)
        : g_strdup_printf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %zu\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                          (size_t)size);
    if (!send_all(ssl, head, strlen(head)) || head_only) {
        cloud_say("https: %s %s %s: %d", who, method, path, partial ? 206 : 200);
        return;
    }
    sent_limit = body_len;
    if (!partial && c->srv->cut_after >= 0 && c->srv->cut_after < body_len)
        sent_limit = c->srv->cut_after;
    bool ok = send_all(ssl, data + start, (size_t)sent_limit);
    cloud_say("https: %s GET %s: %d, bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " of %zu%s",
              who, path, partial ? 206 : 200, start, start + sent_limit - 1, (size_t)size,
              !ok ? " (the client went away)"
                  : sent_limit < body_len ? " (cut short: --cut-after)" : "");
}

static gpointer serve_conn(gpointer data)
{
    struct conn *c = data;
    SSL *ssl = SSL_new(c->srv->ctx);
    char cn[64], err[256];
    const char *who;
    enum registry_status st;

    set_timeouts(c->fd);
    if (!ssl || !SSL_set_fd(ssl, c->fd))
        goto out;
    if (SSL_accept(ssl) != 1) {
        unsigned long e = ERR_get_error();
        cloud_say("https: %s: TLS handshake refused: %s", c->peer,
                  e ? ERR_reason_error_string(e) : "connection closed");
        ERR_clear_error();
        goto out;
    }
    who = client_identity(ssl, cn, sizeof(cn));
    if (!who) {
        respond_status(ssl, 403, "Forbidden");
        goto out;
    }
    if (!g_str_has_prefix(who, "cloud:")) {
        st = registry_lookup(c->srv->registry, who, err, sizeof(err));
        if (st != REGISTRY_ACTIVE) {
            cloud_say("https: refused lamp %s: %s%s%s", who, registry_status_name(st),
                      st == REGISTRY_ERROR ? ": " : "", st == REGISTRY_ERROR ? err : "");
            respond_status(ssl, 403, "Forbidden");
            goto out;
        }
    }
    serve_request(c, ssl, who);
    SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    close(c->fd);
    g_free(c);
    return NULL;
}

static gpointer accept_loop(gpointer data)
{
    struct image_server *srv = data;

    while (!g_atomic_int_get(&srv->stopping)) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd = accept(srv->fd, (struct sockaddr *)&peer, &plen);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (!g_atomic_int_get(&srv->stopping))
                cloud_say("https: accept failed: %s", g_strerror(errno));
            break;
        }
        struct conn *c = g_new0(struct conn, 1);
        c->srv = srv;
        c->fd = fd;
        inet_ntop(AF_INET, &peer.sin_addr, c->peer, sizeof(c->peer));
        g_thread_unref(g_thread_new("https-conn", serve_conn, c));
    }
    return NULL;
}

static bool ssl_fail(GError **error, const char *what)
{
    unsigned long e = ERR_get_error();
    g_set_error(error, LAMPCLOUD_ERROR, 0, "%s: %s", what,
                e ? ERR_error_string(e, NULL) : "failed");
    ERR_clear_error();
    return false;
}

struct image_server *image_server_start(const struct cloud_site *s, gint64 cut_after,
                                        GError **error)
{
    struct image_server *srv = g_new0(struct image_server, 1);
    g_autofree char *crt = cloud_site_path(s, "server.crt");
    g_autofree char *key = cloud_site_path(s, "server.key");
    g_autofree char *ca = g_build_filename(s->fleet_dir, "device-ca.crt", NULL);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->https_port) };
    int one = 1;

    srv->fd = -1;
    srv->cut_after = cut_after;
    srv->images = g_strdup(s->images_dir);
    srv->registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    srv->ctx = SSL_CTX_new(TLS_server_method());
    if (!srv->ctx || !SSL_CTX_set_min_proto_version(srv->ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(srv->ctx, crt) != 1 ||
        SSL_CTX_use_PrivateKey_file(srv->ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(srv->ctx, ca, NULL) != 1) {
        ssl_fail(error, "image server TLS setup");
        goto fail;
    }
    SSL_CTX_set_verify(srv->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    /* Lamps resume their session when a download is retried; OpenSSL
     * refuses to resume a client-authenticated session without a context. */
    static const unsigned char sid_ctx[] = "lampcloud-images";
    SSL_CTX_set_session_id_context(srv->ctx, sid_ctx, sizeof(sid_ctx) - 1);
    if (inet_pton(AF_INET, s->host, &addr.sin_addr) != 1) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "--host %s: not an IPv4 address", s->host);
        goto fail;
    }
    srv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(srv->fd, 128) != 0) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "image server on %s:%d: %s", s->host,
                    s->https_port, g_strerror(errno));
        goto fail;
    }
    srv->acceptor = g_thread_new("https-accept", accept_loop, srv);
    return srv;
fail:
    image_server_stop(srv);
    return NULL;
}

void image_server_stop(struct image_server *srv)
{
    if (!srv)
        return;
    g_atomic_int_set(&srv->stopping, 1);
    if (srv->fd >= 0)
        shutdown(srv->fd, SHUT_RDWR);
    if (srv->acceptor)
        g_thread_join(srv->acceptor);
    if (srv->fd >= 0)
        close(srv->fd);
    SSL_CTX_free(srv->ctx);
    g_free(srv->images);
    g_free(srv->registry);
    g_free(srv);
}
