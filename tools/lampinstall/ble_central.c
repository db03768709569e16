/* tools/lampinstall/ble_central.c: the line protocol of the virtual BLE
 * medium's socket, blocking, with events kept aside until asked for. */
#include "ble_central.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct ble_central {
    int fd;
    GString *buf;      /* bytes read, not yet split into lines */
    GQueue events;     /* char *: event lines not yet asked for */
};

struct ble_central *ble_central_open(const char *path, GError **error)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct ble_central *c;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: path too long", path);
        return NULL;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                    "BLE medium socket %s: %s (is lampsim running with --ble-socket?)", path,
                    g_strerror(e));
        return NULL;
    }
    c = g_new0(struct ble_central, 1);
    c->fd = fd;
    c->buf = g_string_new(NULL);
    g_queue_init(&c->events);
    return c;
}

void ble_central_close(struct ble_central *c)
{
    if (!c)
        return;
    close(c->fd);
    g_string_free(c->buf, TRUE);
    g_queue_clear_full(&c->events, g_free);
    g_free(c);
}

/* The next line from the socket, waiting up to timeout_ms (-1: forever);
 * NULL with *error unset on timeout. */
static char *read_line(struct ble_central *c, int timeout_ms, GError **error)
{
    gint64 end = timeout_ms < 0 ? G_MAXINT64 : g_get_monotonic_time() + timeout_ms * 1000ll;

    for (;;) {
        char *nl = memchr(c->buf->str, '\n', c->buf->len), buf[4096];
        if (nl) {
            char *line = g_strndup(c->buf->str, (gsize)(nl - c->buf->str));
            g_string_erase(c->buf, 0, nl - c->buf->str + 1);
            return line;
        }
        gint64 left = end - g_get_monotonic_time();
        if (left <= 0)
            return NULL;
        struct pollfd p = { c->fd, POLLIN, 0 };
        int r = poll(&p, 1, timeout_ms < 0 ? -1 : (int)MIN(left / 1000 + 1, G_MAXINT));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue;
        ssize_t n = r > 0 ? read(c->fd, buf, sizeof(buf)) : -1;
        if (n <= 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "the BLE medium closed the socket (lampsim stopped?)");
            return NULL;
        }
        g_string_append_len(c->buf, buf, n);
    }
}

static bool is_event(const char *line)
{
    return g_str_has_prefix(line, "notify ") || g_str_has_prefix(line, "disconnected ");
}

bool ble_central_call(struct ble_central *c, const char *cmd, char **reply, GPtrArray **data,
                      GError **error)
{
    g_autofree char *out = g_strconcat(cmd, "\n", NULL);
    size_t off = 0, len = strlen(out);

    if (data)
        *data = g_ptr_array_new_with_free_func(g_free);
    while (off < len) {
        ssize_t n = write(c->fd, out + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "BLE medium: %s",
                        g_strerror(errno));
            return false;
        }
        off += (size_t)n;
    }
    for (;;) {
        char *line = read_line(c, -1, error);
        if (!line)
            return false;
        if (is_event(line)) {
            g_queue_push_tail(&c->events, line);
        } else if (g_str_has_prefix(line, "ok")) {
            if (reply)
                *reply = g_strdup(line[2] == ' ' ? line + 3 : "");
            g_free(line);
            return true;
        } else if (g_str_has_prefix(line, "err ")) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", line + 4);
            g_free(line);
            return false;
        } else if (data) {
            g_ptr_array_add(*data, line);
        } else {
            g_free(line);
        }
    }
}

static bool event_for(const char *line, const char *addr)
{
    const char *sp = strchr(line, ' ');
    size_t n = strlen(addr);
    return sp && !g_ascii_strncasecmp(sp + 1, addr, n) && (sp[1 + n] == ' ' || !sp[1 + n]);
}

char *ble_central_next_event(struct ble_central *c, const char *addr, int timeout_ms,
                             GError **error)
{
    gint64 end = g_get_monotonic_time() + timeout_ms * 1000ll;

    for (GList *l = c->events.head; l; l = l->next) {
        if (event_for(l->data, addr)) {
            char *line = l->data;
            g_queue_delete_link(&c->events, l);
            return line;
        }
    }
    for (;;) {
        gint64 left = (end - g_get_monotonic_time()) / 1000;
        GError *e = NULL;
        char *line = left > 0 ? read_line(c, (int)left, &e) : NULL;
        if (!line) {
            if (e)
                g_propagate_error(error, e);
            else
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                            "%s: no answer from the lamp within %d ms", addr, timeout_ms);
            return NULL;
        }
        if (is_event(line) && event_for(line, addr))
            return line;
        if (is_event(line))
            g_queue_push_tail(&c->events, line);
        else
            g_free(line); /* a stray reply line: no command is pending */
    }
}
