/* tools/lampcloud/https_request.h: the checks the cloud's HTTPS services
 * make of a request once libsoup has read its request line and headers,
 * before its body (https_service.c, commission_server.c).  libsoup 3 does
 * the HTTP/1.1 framing itself (request line, header syntax, chunked
 * bodies); what is the cloud's own is here, pure functions of the
 * method, path and headers, fuzzed by tests/fuzz/host/fuzz_https_request.c. */
#ifndef LAMPCLOUD_HTTPS_REQUEST_H
#define LAMPCLOUD_HTTPS_REQUEST_H

#include <libsoup/soup.h>
#include <stdbool.h>

/* A request's header block at most (431 past it); libsoup's own limit,
 * past which it closes without an answer, is far higher. */
#define HTTPS_HEADER_MAX 8192

/* RFC 9112 6.3: a Content-Length header (all its values joined with ","
 * as libsoup keeps them; NULL: none) is fine when it is one number of at
 * most G_MAXINT64, or the same number repeated. */
bool https_content_length_ok(const char *value);

/* The size of the request's header block as received, near enough (the
 * request line is not kept; its path is). */
gsize https_header_size(const char *method, const char *path, SoupMessageHeaders *h);

/* The checks every service makes: 0, or the status to refuse the
 * request with (431: headers over HTTPS_HEADER_MAX; 400: a bad
 * Content-Length) and *why. */
int https_request_check(const char *method, const char *path, SoupMessageHeaders *h,
                        const char **why);

/* A service that takes small bodies with Content-Length only (the
 * commissioning API): 0, or the status to refuse the request with before
 * its body (501: chunked; 413: over body_max; 411: a POST without
 * Content-Length) and *why. */
int https_small_body_check(const char *method, SoupMessageHeaders *h, goffset body_max,
                           const char **why);

#endif
