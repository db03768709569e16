/* tools/lampcloud/https_request.c: see https_request.h. */
#include "https_request.h"

#include <string.h>

/* libsoup 3.2 would take the first of a list, wrap a negative one
 * around, or read one too large for 64 bits as -1: the message's end
 * would be unknown. */
bool https_content_length_ok(const char *value)
{
    g_auto(GStrv) parts = NULL;
    const char *first = NULL;

    if (!value)
        return true;
    parts = g_strsplit(value, ",", -1);
    for (char **p = parts; *p; p++) {
        char *t = g_strstrip(*p);
        /* digits only (no sign, no space), and a number libsoup can hold:
         * it reads past G_MAXINT64 as -1, a body of unknown length */
        if (!*t || strspn(t, "0123456789") != strlen(t) ||
            !g_ascii_string_to_unsigned(t, 10, 0, G_MAXINT64, NULL, NULL) ||
            (first && strcmp(first, t)))
            return false;
        first = t;
    }
    return first != NULL;
}

/* What the listener before libsoup limited to HTTPS_HEADER_MAX. */
gsize https_header_size(const char *method, const char *path, SoupMessageHeaders *h)
{
    SoupMessageHeadersIter it;
    const char *name, *value;
    gsize n = strlen(method) + 12 + (path ? strlen(path) : 0);

    soup_message_headers_iter_init(&it, h);
    while (soup_message_headers_iter_next(&it, &name, &value))
        n += strlen(name) + strlen(value) + 4;
    return n;
}

int https_request_check(const char *method, const char *path, SoupMessageHeaders *h,
                        const char **why)
{
    if (https_header_size(method, path, h) > HTTPS_HEADER_MAX) {
        *why = "request headers over 8 KiB";
        return 431;
    }
    if (!https_content_length_ok(soup_message_headers_get_list(h, "Content-Length"))) {
        *why = "bad Content-Length";
        return 400;
    }
    return 0;
}

int https_small_body_check(const char *method, SoupMessageHeaders *h, goffset body_max,
                           const char **why)
{
    SoupEncoding enc = soup_message_headers_get_encoding(h);

    if (enc == SOUP_ENCODING_CHUNKED) {
        *why = "chunked bodies are not accepted; send Content-Length";
        return 501;
    }
    if (enc == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length(h) > body_max) {
        *why = "request body too large";
        return 413;
    }
    if (!strcmp(method, SOUP_METHOD_POST) && !soup_message_headers_get_one(h, "Content-Length")) {
        *why = "a POST needs Content-Length";
        return 411;
    }
    return 0;
}
