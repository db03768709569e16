/* Fuzz target: lampcloud's own checks of an HTTPS request once libsoup
 * has framed it (tools/lampcloud/https_request.c): the header block's
 * size, Content-Length, and the commissioning service's body rules.
 * libsoup's HTTP/1.1 parser is not ours and not fuzzed here: the input is
 * what it hands over, a request line and header lines as text
 * ("METHOD PATH\nName: value\n...", or a request's bytes as curl sends
 * them), each header added as its parser would
 * (names without separators, values without CR or LF, trimmed).
 * Beyond crashes it checks what the services rely on: an accepted request
 * has its headers within HTTPS_HEADER_MAX and at most one Content-Length
 * value; one the commissioning service also accepts has no chunked body,
 * and a POST among them declares a body of at most COMMISSION_BODY_MAX
 * bytes by that one value, read as decimal. */
#include "commission_api.h" /* COMMISSION_BODY_MAX */
#include "https_request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* a GLib critical or warning is a finding */
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    return 0;
}

/* What libsoup's parser would hand over for one header line, or false. */
static bool header_line(char *line, char **name, char **value)
{
    char *colon = strchr(line, ':');

    if (!colon || colon == line)
        return false;
    *colon = '\0';
    if (strpbrk(line, " \t\r"))
        return false;
    *name = line;
    *value = g_strstrip(colon + 1);
    return !strchr(*value, '\r');
}

static void check(const char *method, const char *path, SoupMessageHeaders *h)
{
    const char *why = NULL, *cl;
    int status = https_request_check(method, path, h, &why);
    guint64 declared;

    if (status) {
        if ((status != 431 && status != 400) || !why)
            abort();
        return;
    }
    if (https_header_size(method, path, h) > HTTPS_HEADER_MAX)
        abort();
    cl = soup_message_headers_get_list(h, "Content-Length");
    status = https_small_body_check(method, h, COMMISSION_BODY_MAX, &why);
    if (status) {
        if ((status != 501 && status != 413 && status != 411) || !why)
            abort();
        return;
    }
    if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CHUNKED)
        abort();
    if (!strcmp(method, "POST")) {
        g_auto(GStrv) parts = NULL;
        if (!cl)
            abort();
        parts = g_strsplit(cl, ",", 2);
        if (!g_ascii_string_to_unsigned(g_strstrip(parts[0]), 10, 0, COMMISSION_BODY_MAX,
                                        &declared, NULL))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    SoupMessageHeaders *h = soup_message_headers_new(SOUP_MESSAGE_HEADERS_REQUEST);
    g_auto(GStrv) request = NULL;

    if (!lines[0]) {
        soup_message_headers_unref(h);
        return 0;
    }
    /* "METHOD PATH[ HTTP/1.1]": bytes curl sent, as captured, read too */
    request = g_strsplit(lines[0], " ", 3);
    for (char **l = lines + 1; *l && **l; l++) {
        char *name, *value;
        if (header_line(*l, &name, &value))
            soup_message_headers_append(h, name, value);
    }
    if (request[0] && *request[0])
        check(request[0], request[1] ? request[1] : "/", h);
    soup_message_headers_unref(h);
    return 0;
}
