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
#include "factory.h"
#include "https_listener.h"
#include "registry_lookup.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#define REQUEST_MAX 8192

struct image_server {
    struct https_listener *listener;
    char *images, *registry;
    gint64 cut_after;
};

static void respond_status(SSL *ssl, int code, const char *reason)
{
    g_autofree char *body = g_strdup_printf("%d %s\n", code, reason);
    g_autofree char *head = g_strdup_printf(
        "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
        "Connection: close\r\n\r\n%s", code, reason, strlen(body), body);
    https_send_all(ssl, head, strlen(head));
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

static void serve_request(struct image_server *srv, SSL *ssl, const char *who)
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
    file = g_build_filename(srv->images, path + 1, NULL);
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
            https_send_all(ssl, head, strlen(head));
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
    if (!https_send_all(ssl, head, strlen(head)) || head_only) {
        cloud_say("https: %s %s %s: %d", who, method, path, partial ? 206 : 200);
        return;
    }
    sent_limit = body_len;
    if (!partial && srv->cut_after >= 0 && srv->cut_after < body_len)
        sent_limit = srv->cut_after;
    bool ok = https_send_all(ssl, data + start, (size_t)sent_limit);
    cloud_say("https: %s GET %s: %d, bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " of %zu%s",
              who, path, partial ? 206 : 200, start, start + sent_limit - 1, (size_t)size,
              !ok ? " (the client went away)"
                  : sent_limit < body_len ? " (cut short: --cut-after)" : "");
}

static void serve(SSL *ssl, const char *peer, void *user)
{
    struct image_server *srv = user;
    char cn[64], err[256];
    const char *who = client_identity(ssl, cn, sizeof(cn));
    enum registry_status st;

    if (!who) {
        respond_status(ssl, 403, "Forbidden");
        return;
    }
    if (!g_str_has_prefix(who, "cloud:")) {
        st = registry_lookup(srv->registry, who, err, sizeof(err));
        if (st != REGISTRY_ACTIVE) {
            cloud_say("https: refused lamp %s: %s%s%s", who, registry_status_name(st),
                      st == REGISTRY_ERROR ? ": " : "", st == REGISTRY_ERROR ? err : "");
            respond_status(ssl, 403, "Forbidden");
            return;
        }
    }
    serve_request(srv, ssl, who);
}

struct image_server *image_server_start(const struct cloud_site *s, gint64 cut_after,
                                        GError **error)
{
    struct image_server *srv = g_new0(struct image_server, 1);
    g_autofree char *ca = g_build_filename(s->fleet_dir, "device-ca.crt", NULL);
    SSL_CTX *ctx = https_server_ctx(s, "image server", error);

    srv->cut_after = cut_after;
    srv->images = g_strdup(s->images_dir);
    srv->registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    if (!ctx)
        goto fail;
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        factory_set_openssl_error(error, "image server: loading the device CA");
        SSL_CTX_free(ctx);
        goto fail;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    /* Lamps resume their session when a download is retried; OpenSSL
     * refuses to resume a client-authenticated session without a context. */
    static const unsigned char sid_ctx[] = "lampcloud-images";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
    srv->listener = https_listener_start("https", s->host, s->https_port, ctx, serve, srv, error);
    if (srv->listener)
        return srv;
fail:
    image_server_stop(srv);
    return NULL;
}

void image_server_stop(struct image_server *srv)
{
    if (!srv)
        return;
    https_listener_stop(srv->listener);
    g_free(srv->images);
    g_free(srv->registry);
    g_free(srv);
}
