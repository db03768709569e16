/* tools/lampcloud/http1.h: HTTP/1.1 message framing for the commissioning
 * service: requests with Content-Length bodies (no chunked bodies), one
 * after the other on a kept-alive connection (pipelined bytes are kept for
 * the next request), and responses with a JSON body.  The transport is a
 * read function, so the parser is tested without TLS. */
#ifndef LAMPCLOUD_HTTP1_H
#define LAMPCLOUD_HTTP1_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#define HTTP1_HEADER_MAX 8192

/* Reads up to len bytes: > 0 read, 0 the peer closed, < 0 an error or timeout. */
typedef ssize_t (*http1_read_fn)(void *io, void *buf, size_t len);
/* Writes all of len bytes or fails. */
typedef bool (*http1_write_fn)(void *io, const void *buf, size_t len);

struct http1_request {
    char method[16];
    char path[256];
    char *authorization; /* the header's value, or NULL */
    char *body;          /* NUL terminated (body_len bytes before it) */
    size_t body_len;
    bool keep_alive;     /* HTTP/1.1 without "Connection: close" (or 1.0 with keep-alive) */
};
void http1_request_clear(struct http1_request *req);

struct http1_conn;
struct http1_conn *http1_conn_new(http1_read_fn read, http1_write_fn write, void *io);
void http1_conn_free(struct http1_conn *c);

enum http1_read {
    HTTP1_REQUEST, /* req is filled */
    HTTP1_CLOSED,  /* the peer closed (or went silent) between requests */
    HTTP1_BAD,     /* answer *status with *why and close the connection */
};
/* The next request, its body at most body_max bytes.  A client that
 * expects 100-continue gets it before the body is read. */
enum http1_read http1_read_request(struct http1_conn *c, size_t body_max,
                                   struct http1_request *req, int *status, const char **why);
/* A response with a JSON body and Content-Length. */
bool http1_respond_json(struct http1_conn *c, int status, const char *json, bool keep_alive);
const char *http1_reason(int status);

#endif
