/* tools/lampcloud/image_server.c: update images over HTTPS, on SoupServer
 * (https_service.c).  TLS 1.2 or later, the server certificate from the
 * fleet's cloud CA, and a client certificate from its device CA required
 * (a client without one, or with one from another CA, expired or not for
 * client authentication, fails the handshake); its CN must be a lamp the
 * registry holds as active (or one of the cloud's own "cloud:" clients),
 * asked at every request.  GET and HEAD of /NAME for files in the images
 * directory, with one byte range a request (Range: bytes=A-, A-B or -N)
 * answered 206, so a lamp resumes an interrupted download; kept-alive
 * connections.  An image is read once and served from memory until its
 * file changes.
 *
 * --cut-after N (tests): a response without Range stops after N bytes of
 * body and the connection is closed, as a dropped link would; with
 * --cut-every N every response does (Range too: a flaky server).
 * --hold-after N (outage tests): a response without Range stops after N
 * bytes of body and the connection stays open, so that every download is
 * known to be under way when the test kills the server. */
#include "https_service.h"
#include "image_range.h"
#include "registry_lookup.h"

#include <glib/gstdio.h>
#include <openssl/x509.h>
#include <string.h>

struct image_server {
    struct https_service *svc;
    char *images, *registry;
    gint64 cut_after, hold_after;
    bool cut_ranges; /* cut_after applies to ranged responses too */
    GHashTable *cache; /* name -> struct image *; the service's thread only */
};

/* An image as read, and the file it was read from. */
struct image {
    GBytes *data;
    dev_t dev;
    ino_t ino;
    gint64 mtime_ns, size;
};

static void image_free(gpointer data)
{
    struct image *im = data;

    g_bytes_unref(im->data);
    g_free(im);
}

/* One response's log line, written when it is over. */
struct transfer {
    char *who, *path;
    const char *method;
    int status;
    gint64 start, len, size; /* the body: bytes start..start+len-1 of size */
    gint64 limit, sent;      /* limit < len: --cut-after or --hold-after */
    bool cut, hold;
};

static void transfer_free(gpointer data)
{
    struct transfer *t = data;

    g_free(t->who);
    g_free(t->path);
    g_free(t);
}

static void respond_status(SoupServerMessage *msg, int code, bool keep_alive)
{
    https_set_status(msg, code, keep_alive);
    https_set_body(msg, "text/plain",
                   g_strdup_printf("%d %s\n", code, soup_server_message_get_reason_phrase(msg)));
}

/* The CN of the verified client certificate, or NULL. */
static char *client_identity(struct image_server *srv, SoupServerMessage *msg)
{
    g_autoptr(GTlsCertificate) peer = https_service_peer_certificate(srv->svc, msg);
    g_autoptr(GByteArray) der = NULL;
    const unsigned char *p;
    char cn[64];
    X509 *cert;
    int n;

    if (!peer)
        return NULL;
    g_object_get(peer, "certificate", &der, NULL);
    if (!der)
        return NULL;
    p = der->data;
    cert = d2i_X509(NULL, &p, (long)der->len);
    n = cert ? X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                         (int)sizeof(cn))
             : -1;
    X509_free(cert);
    return n > 0 && (size_t)n < sizeof(cn) ? g_strdup(cn) : NULL;
}

/* The image called name, read again when its file changed; NULL if there
 * is none. */
static GBytes *image_get(struct image_server *srv, const char *name)
{
    g_autofree char *file = g_build_filename(srv->images, name, NULL);
    struct image *im = g_hash_table_lookup(srv->cache, name);
    GStatBuf st;
    char *data;
    gsize size;

    if (g_stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_hash_table_remove(srv->cache, name);
        return NULL;
    }
    if (im && im->dev == st.st_dev && im->ino == st.st_ino && im->size == st.st_size &&
        im->mtime_ns == (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec)
        return g_bytes_ref(im->data);
    if (!g_file_get_contents(file, &data, &size, NULL)) {
        g_hash_table_remove(srv->cache, name);
        return NULL;
    }
    im = g_new0(struct image, 1);
    im->data = g_bytes_new_take(data, size);
    im->dev = st.st_dev;
    im->ino = st.st_ino;
    im->size = st.st_size;
    im->mtime_ns = (gint64)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    g_hash_table_replace(srv->cache, g_strdup(name), im);
    return g_bytes_ref(im->data);
}

/* ---- --cut-after ---------------------------------------------------------- */

/* The body's first bytes are out: the connection is taken from libsoup and
 * closed (TLS close_notify, then the socket), the response unfinished. */
static gboolean cut(gpointer data)
{
    SoupServerMessage *msg = data;
    struct transfer *t = g_object_get_data(G_OBJECT(msg), "transfer");
    struct image_server *srv = g_object_get_data(G_OBJECT(msg), "image-server");
    GIOStream *stream;

    t->cut = true;
    cloud_say("https: %s GET %s: %d, bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
              " of %" G_GINT64_FORMAT " (cut short: %s)",
              t->who, t->path, t->status, t->start, t->start + t->limit - 1, t->size,
              srv->cut_ranges ? "--cut-every" : "--cut-after");
    stream = soup_server_message_steal_connection(msg);
    if (stream)
        https_service_close_stolen(srv->svc, stream);
    return G_SOURCE_REMOVE;
}

static void cut_soon(SoupServerMessage *msg)
{
    GSource *src = g_idle_source_new();

    g_source_set_callback(src, cut, g_object_ref(msg), g_object_unref);
    g_source_attach(src, g_main_context_get_thread_default());
    g_source_unref(src);
}

/* The limit is reached: cut, or hold (say so; the rest never comes). */
static void limit_reached(SoupServerMessage *msg, struct transfer *t)
{
    if (!t->hold) {
        cut_soon(msg);
        return;
    }
    cloud_say("https: %s GET %s: %d, bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
              " of %" G_GINT64_FORMAT " sent; holding the rest (--hold-after)",
              t->who, t->path, t->status, t->start, t->start + t->limit - 1, t->size);
}

static void on_wrote_headers(SoupServerMessage *msg, gpointer data)
{
    struct transfer *t = data;

    if (t->limit == 0)
        limit_reached(msg, t);
}

static void on_wrote_body_data(SoupServerMessage *msg, guint chunk, gpointer data)
{
    struct transfer *t = data;

    t->sent += chunk;
    if (t->sent == t->limit)
        limit_reached(msg, t);
}

/* ---- requests ------------------------------------------------------------- */

static void log_transfer(SoupServerMessage *msg, bool aborted)
{
    struct transfer *t = g_object_get_data(G_OBJECT(msg), "transfer");

    if (!t || t->cut)
        return;
    if (t->method == SOUP_METHOD_HEAD)
        cloud_say("https: %s HEAD %s: %d", t->who, t->path, t->status);
    else
        cloud_say("https: %s GET %s: %d, bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                  " of %" G_GINT64_FORMAT "%s", t->who, t->path, t->status, t->start,
                  t->start + t->len - 1, t->size, aborted ? " (the client went away)" : "");
}

static void on_request_finished(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    log_transfer(msg, false);
}

static void on_request_aborted(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
    log_transfer(msg, true);
}

static void serve_image(struct image_server *srv, SoupServerMessage *msg, const char *who,
                        const char *method, const char *path)
{
    SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
    SoupMessageHeaders *resp = soup_server_message_get_response_headers(msg);
    const char *range = soup_message_headers_get_one(req, "Range");
    bool keep_alive = https_keep_alive(msg);
    g_autoptr(GBytes) data = NULL;
    struct transfer *t;
    gint64 size, start = 0, end;
    enum image_range r;
    bool cut;

    if (path[0] != '/' || !image_name_valid(path + 1)) {
        respond_status(msg, 404, keep_alive);
        cloud_say("https: %s %s %s: 404 (not an image name)", who, method, path);
        return;
    }
    if (!(data = image_get(srv, path + 1))) {
        respond_status(msg, 404, keep_alive);
        cloud_say("https: %s %s %s: 404", who, method, path);
        return;
    }
    size = (gint64)g_bytes_get_size(data);
    end = size - 1;
    r = image_range_parse(range, size, &start, &end);
    if (r == IMAGE_RANGE_UNSATISFIABLE) {
        g_autofree char *all = g_strdup_printf("bytes */%" G_GINT64_FORMAT, size);
        https_set_status(msg, 416, keep_alive);
        soup_message_headers_replace(resp, "Content-Range", all);
        soup_message_headers_set_content_length(resp, 0);
        soup_message_body_complete(soup_server_message_get_response_body(msg));
        cloud_say("https: %s %s %s: 416 (range %.30s)", who, method, path, range);
        return;
    }
    /* a resume is an event of its own: when it comes tells how lamps cut
     * at once come back (the line at the end tells what was sent) */
    if (r == IMAGE_RANGE_ONE && method == SOUP_METHOD_GET)
        cloud_say("https: %s GET %s: resuming at byte %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                  who, path, start, size);
    /* libsoup answers a Range of its own accord when the status is 200 */
    soup_message_headers_remove(req, "Range");
    t = g_new0(struct transfer, 1);
    t->who = g_strdup(who);
    t->path = g_strdup(path);
    t->method = method;
    t->status = r == IMAGE_RANGE_ONE ? 206 : 200;
    t->start = start;
    t->len = t->limit = end - start + 1;
    t->size = size;
    g_object_set_data_full(G_OBJECT(msg), "transfer", t, transfer_free);
    g_object_set_data(G_OBJECT(msg), "image-server", srv);
    https_set_status(msg, t->status, keep_alive);
    soup_message_headers_replace(resp, "Content-Type", "application/octet-stream");
    soup_message_headers_set_content_length(resp, t->len);
    if (r == IMAGE_RANGE_ONE)
        soup_message_headers_set_content_range(resp, start, end, size);
    soup_message_headers_replace(resp, "Accept-Ranges", "bytes");
    if (method == SOUP_METHOD_HEAD) {
        soup_message_body_complete(soup_server_message_get_response_body(msg));
        return;
    }
    cut = srv->cut_after >= 0 && srv->cut_after < t->len && (r == IMAGE_RANGE_NONE || srv->cut_ranges);
    t->hold = !cut && r == IMAGE_RANGE_NONE && srv->hold_after >= 0 && srv->hold_after < t->len;
    if (cut || t->hold) {
        /* the body stays unfinished: libsoup waits after these bytes */
        t->limit = cut ? srv->cut_after : srv->hold_after;
        g_signal_connect(msg, "wrote-headers", G_CALLBACK(on_wrote_headers), t);
        g_signal_connect(msg, "wrote-body-data", G_CALLBACK(on_wrote_body_data), t);
    }
    if (t->limit > 0) {
        g_autoptr(GBytes) part = g_bytes_new_from_bytes(data, (gsize)start, (gsize)t->limit);
        soup_message_body_append_bytes(soup_server_message_get_response_body(msg), part);
    }
    if (t->limit == t->len)
        soup_message_body_complete(soup_server_message_get_response_body(msg));
}

static void handle(SoupServer *server, SoupServerMessage *msg, const char *path,
                   GHashTable *query, gpointer data)
{
    struct image_server *srv = data;
    const char *method = soup_server_message_get_method(msg);
    g_autofree char *who = client_identity(srv, msg);
    enum registry_status st;
    char err[256];

    if (!who) {
        respond_status(msg, 403, false);
        return;
    }
    if (!g_str_has_prefix(who, "cloud:")) {
        st = registry_lookup(srv->registry, who, err, sizeof(err));
        if (st != REGISTRY_ACTIVE) {
            cloud_say("https: refused lamp %s: %s%s%s", who, registry_status_name(st),
                      st == REGISTRY_ERROR ? ": " : "", st == REGISTRY_ERROR ? err : "");
            respond_status(msg, 403, false);
            return;
        }
    }
    if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
        respond_status(msg, 405, https_keep_alive(msg));
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                     "GET, HEAD");
        return;
    }
    serve_image(srv, msg, who, method, path);
}

struct image_server *image_server_start(const struct cloud_site *s, gint64 cut_after,
                                        bool cut_ranges, gint64 hold_after, GError **error)
{
    struct image_server *srv = g_new0(struct image_server, 1);
    g_autofree char *ca = g_build_filename(s->fleet_dir, "device-ca.crt", NULL);
    SoupServer *server;

    srv->cut_after = cut_after;
    srv->hold_after = hold_after;
    srv->cut_ranges = cut_ranges;
    srv->images = g_strdup(s->images_dir);
    srv->registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    srv->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, image_free);
    if (!(srv->svc = https_service_new("https", s, ca, error)))
        goto fail;
    server = https_service_server(srv->svc);
    soup_server_add_handler(server, NULL, handle, srv, NULL);
    g_signal_connect(server, "request-finished", G_CALLBACK(on_request_finished), srv);
    g_signal_connect(server, "request-aborted", G_CALLBACK(on_request_aborted), srv);
    if (https_service_listen(srv->svc, s->host, s->https_port, error))
        return srv;
fail:
    image_server_stop(srv);
    return NULL;
}

void image_server_stop(struct image_server *srv)
{
    if (!srv)
        return;
    https_service_stop(srv->svc);
    g_hash_table_destroy(srv->cache);
    g_free(srv->images);
    g_free(srv->registry);
    g_free(srv);
}
