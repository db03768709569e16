/* tools/lampcloud/http1.c: see http1.h (RFC 9112, the parts a JSON API
 * with small bodies needs). */
#include "http1.h"

#include <stdint.h>
#include <string.h>

#define READ_CHUNK 4096

struct http1_conn {
    http1_read_fn read;
    http1_write_fn write;
    void *io;
    GByteArray *buf; /* bytes read and not yet consumed */
};

struct http1_conn *http1_conn_new(http1_read_fn read, http1_write_fn write, void *io)
{
    struct http1_conn *c = g_new0(struct http1_conn, 1);

    c->read = read;
    c->write = write;
    c->io = io;
    c->buf = g_byte_array_new();
    return c;
}

void http1_conn_free(struct http1_conn *c)
{
    if (!c)
        return;
    g_byte_array_unref(c->buf);
    g_free(c);
}

void http1_request_clear(struct http1_request *req)
{
    g_clear_pointer(&req->authorization, g_free);
    g_clear_pointer(&req->body, g_free);
    memset(req, 0, sizeof(*req));
}

const char *http1_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* One more read into the buffer; false when the peer closed or failed. */
static bool fill(struct http1_conn *c)
{
    uint8_t chunk[READ_CHUNK];
    ssize_t n = c->read(c->io, chunk, sizeof(chunk));

    if (n <= 0)
        return false;
    g_byte_array_append(c->buf, chunk, (guint)n);
    return true;
}

/* Where the header block ends (after its blank line), or 0 if not yet. */
static size_t header_end(const GByteArray *b)
{
    for (size_t i = 0; i + 4 <= b->len; i++)
        if (!memcmp(b->data + i, "\r\n\r\n", 4))
            return i + 4;
    return 0;
}

static bool has_token(const char *list, const char *token)
{
    g_auto(GStrv) parts = g_strsplit(list, ",", -1);

    for (char **p = parts; *p; p++)
        if (!g_ascii_strcasecmp(g_strstrip(*p), token))
            return true;
    return false;
}

struct head {
    gint64 content_length; /* -1: none */
    bool chunked, expect_continue, close, keep_alive;
};

/* The request line and the headers this service uses; *why on error. */
static int parse_head(char *text, struct http1_request *req, struct head *h, const char **why)
{
    g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
    g_auto(GStrv) start = NULL;
    char **line = lines;

    while (*line && !**line) /* RFC 9112 2.2: blank lines before a request are ignored */
        line++;
    if (!*line || !(start = g_strsplit(*line, " ", -1)) || g_strv_length(start) != 3 ||
        strlen(start[0]) >= sizeof(req->method) || strlen(start[1]) >= sizeof(req->path) ||
        !g_str_has_prefix(start[2], "HTTP/")) {
        *why = "malformed request line";
        return 400;
    }
    if (strcmp(start[2], "HTTP/1.1") && strcmp(start[2], "HTTP/1.0")) {
        *why = "HTTP/1.1 or HTTP/1.0 only";
        return 505;
    }
    g_strlcpy(req->method, start[0], sizeof(req->method));
    g_strlcpy(req->path, start[1], sizeof(req->path));
    h->keep_alive = !strcmp(start[2], "HTTP/1.1");
    h->content_length = -1;
    for (line++; *line && **line; line++) {
        char *colon = strchr(*line, ':');
        if (!colon || colon == *line) {
            *why = "malformed header line";
            return 400;
        }
        *colon = 0;
        char *name = *line, *value = g_strstrip(colon + 1);
        if (!g_ascii_strcasecmp(name, "Content-Length")) {
            guint64 v;
            if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT64, &v, NULL) ||
                (h->content_length >= 0 && (guint64)h->content_length != v)) {
                *why = "bad Content-Length";
                return 400;
            }
            h->content_length = (gint64)v;
        } else if (!g_ascii_strcasecmp(name, "Transfer-Encoding")) {
            h->chunked = true;
        } else if (!g_ascii_strcasecmp(name, "Expect")) {
            h->expect_continue = !g_ascii_strcasecmp(value, "100-continue");
        } else if (!g_ascii_strcasecmp(name, "Connection")) {
            if (has_token(value, "close"))
                h->close = true;
            if (has_token(value, "keep-alive"))
                h->keep_alive = true;
        } else if (!g_ascii_strcasecmp(name, "Authorization")) {
            g_free(req->authorization);
            req->authorization = g_strdup(value);
        }
    }
    if (h->chunked) {
        *why = "chunked bodies are not accepted; send Content-Length";
        return 501;
    }
    if (h->content_length < 0 && !strcmp(req->method, "POST")) {
        *why = "a POST needs Content-Length";
        return 411;
    }
    return 0;
}

enum http1_read http1_read_request(struct http1_conn *c, size_t body_max,
                                   struct http1_request *req, int *status, const char **why)
{
    size_t hlen;
    struct head h = { 0 };
    g_autofree char *text = NULL;

    memset(req, 0, sizeof(*req));
    while (!(hlen = header_end(c->buf))) {
        if (c->buf->len > HTTP1_HEADER_MAX) {
            *status = 431;
            *why = "request headers over 8 KiB";
            return HTTP1_BAD;
        }
        if (!fill(c))
            return HTTP1_CLOSED;
    }
    text = g_strndup((const char *)c->buf->data, hlen);
    if ((*status = parse_head(text, req, &h, why)) != 0)
        goto bad;
    g_byte_array_remove_range(c->buf, 0, (guint)hlen);
    if (h.content_length > 0 && (guint64)h.content_length > body_max) {
        *status = 413;
        *why = "request body too large";
        goto bad;
    }
    req->body_len = h.content_length > 0 ? (size_t)h.content_length : 0;
    if (h.expect_continue && req->body_len > c->buf->len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!c->write(c->io, cont, sizeof(cont) - 1))
            goto closed;
    }
    while (c->buf->len < req->body_len)
        if (!fill(c))
            goto closed;
    req->body = g_strndup((const char *)c->buf->data, req->body_len);
    g_byte_array_remove_range(c->buf, 0, (guint)req->body_len);
    req->keep_alive = h.keep_alive && !h.close;
    return HTTP1_REQUEST;
bad:
    http1_request_clear(req);
    return HTTP1_BAD;
closed:
    http1_request_clear(req);
    return HTTP1_CLOSED;
}

bool http1_respond_json(struct http1_conn *c, int status, const char *json, bool keep_alive)
{
    size_t len = strlen(json);
    g_autofree char *msg = g_strdup_printf(
        "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
        "Cache-Control: no-store\r\nConnection: %s\r\n\r\n%s\n",
        status, http1_reason(status), len + 1, keep_alive ? "keep-alive" : "close", json);

    return c->write(c->io, msg, strlen(msg));
}
