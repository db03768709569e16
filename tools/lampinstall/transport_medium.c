/* tools/lampinstall/transport_medium.c: lamps on lampsim's virtual BLE
 * medium, through its socket (docs/ble.md#the-central-socket). */
#include "transport.h"
#include "ble_central.h"
#include "hex.h"

#include <gio/gio.h>
#include <string.h>

struct medium_transport {
    struct transport base;
    struct ble_central *bc;
};

static struct ble_central *bc_of(struct transport *t)
{
    return ((struct medium_transport *)t)->bc;
}

static bool call(struct transport *t, char **reply, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static bool call(struct transport *t, char **reply, GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *cmd = NULL;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return ble_central_call(bc_of(t), cmd, reply, NULL, error);
}

static GPtrArray *scan(struct transport *t, GError **error)
{
    g_autoptr(GPtrArray) lines = NULL;
    GPtrArray *ids;

    if (!ble_central_call(bc_of(t), "scan", NULL, &lines, error))
        return NULL;
    ids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < lines->len; i++) {
        g_auto(GStrv) w = g_strsplit(lines->pdata[i], " ", 0);
        if (g_strv_length(w) >= 3 && !strcmp(w[0], "adv") &&
            g_strv_contains((const char *const *)w + 3, COMMISSION_SERVICE_UUID))
            g_ptr_array_add(ids, g_strdup(w[1]));
    }
    return ids;
}

static bool open_lamp(struct transport *t, const char *id, GError **error)
{
    return call(t, NULL, error, "connect %s", id);
}

static char *read_info(struct transport *t, const char *id, GError **error)
{
    char *reply = NULL;
    return call(t, &reply, error, "read %s %s", id, COMMISSION_INFO_UUID) ? reply : NULL;
}

static bool send_blob(struct transport *t, const char *id, const char *hex, GError **error)
{
    return call(t, NULL, error, "subscribe %s %s", id, COMMISSION_STATUS_UUID) &&
           call(t, NULL, error, "write %s %s %s", id, COMMISSION_CREDS_UUID, hex);
}

static char *await_status(struct transport *t, const char *id, int timeout_ms, GError **error)
{
    for (;;) {
        g_autofree char *ev = ble_central_next_event(bc_of(t), id, timeout_ms, error);
        g_auto(GStrv) w = NULL;
        if (!ev)
            return NULL;
        w = g_strsplit(ev, " ", 0);
        if (!strcmp(w[0], "disconnected")) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "the lamp dropped the link before answering");
            return NULL;
        }
        if (g_strv_length(w) == 4 && !strcmp(w[2], COMMISSION_STATUS_UUID)) {
            size_t n = strlen(w[3]) / 2;
            char *text = g_malloc0(n + 1);
            if (!hex_decode(w[3], (uint8_t *)text, n)) {
                g_free(text);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the medium sent a status that is not hex: %s", w[3]);
                return NULL;
            }
            return text;
        }
    }
}

static void close_lamp(struct transport *t, const char *id)
{
    call(t, NULL, NULL, "disconnect %s", id);
}

static void free_transport(struct transport *t)
{
    ble_central_close(bc_of(t));
    g_free(t);
}

static const struct transport_ops medium_ops = {
    scan, open_lamp, read_info, send_blob, await_status, close_lamp, free_transport,
};

struct transport *transport_medium_new(const char *socket_path, GError **error)
{
    struct ble_central *bc = ble_central_open(socket_path, error);
    struct medium_transport *m;

    if (!bc)
        return NULL;
    m = g_new0(struct medium_transport, 1);
    m->base.ops = &medium_ops;
    m->bc = bc;
    return &m->base;
}
