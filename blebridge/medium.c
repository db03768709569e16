/* blebridge/medium.c: the virtual BLE medium and its central socket
 * (docs/ble.md).  Every radio is in reach of every central, with no loss:
 * the medium models who can talk to whom, not RF. */
#include "medium.h"

#include "beacon_scan.h"
#include "ble_ad.h"
#include "context_call.h"
#include "hex.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

struct ble_central;

/* Threads (docs/ble.md#threads): the medium lives on the context it was
 * made in (ctx): socket clients and observers run there only.  Lamps may
 * run on other threads: what their radios do reaches the medium as events
 * posted to ctx, and a lamp's thread adds and forgets its radio under the
 * lock.  The lock is held wherever a radio is used on ctx, so a radio
 * cannot be forgotten, then freed, in the middle of a central's request. */
struct ble_medium {
    gint refs;               /* the owner, and events in flight */
    bool closed;             /* ble_medium_free was called */
    GMainContext *ctx;
    GThread *thread;         /* ctx's: the thread that made the medium */
    GRecMutex lock;          /* the three tables */
    GHashTable *by_address;  /* address -> struct ble_radio * */
    GHashTable *radios;      /* struct ble_radio * on the medium -> its address */
    GHashTable *owner;       /* struct ble_radio * -> struct ble_central * holding its link */
    GSocketService *service;
    char *path;
    GList *clients;
    GArray *observers;       /* struct observer */
};

struct observer {
    const struct ble_medium_observer *ops;
    void *user;
};

/* uuid set: a notification; NULL: the link was lost */
static void tell_observers(struct ble_medium *md, struct ble_radio *r, const char *uuid,
                           const uint8_t *value, size_t len)
{
    for (guint i = 0; i < md->observers->len; i++) {
        struct observer *o = &g_array_index(md->observers, struct observer, i);
        if (uuid && o->ops->notify)
            o->ops->notify(o->user, r, uuid, value, len);
        else if (!uuid && o->ops->link_lost)
            o->ops->link_lost(o->user, r);
    }
}

/* A central speaking the socket's protocol: a socket's client (conn
 * and in set), or one without a socket (ble_central_new). */
struct ble_central {
    struct ble_medium *md;
    GSocketConnection *conn;
    GDataInputStream *in;
    GOutputStream *out;
    GCancellable *cancel;
};

void ble_medium_address(const struct ble_radio *r, char out[18])
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint8_t a[32];
    gsize len = sizeof(a);

    /* the first 6 bytes of SHA-256 of the lamp's name */
    g_checksum_update(sum, (const guchar *)ble_radio_name(r), -1);
    g_checksum_get_digest(sum, a, &len);
    a[0] |= 0xC0; /* static random address: the two top bits set */
    g_snprintf(out, 18, "%02X:%02X:%02X:%02X:%02X:%02X", a[0], a[1], a[2], a[3], a[4], a[5]);
}

struct ble_radio *ble_medium_find(struct ble_medium *md, const char *address)
{
    g_autofree char *up = g_ascii_strup(address, -1);
    struct ble_radio *r;

    g_rec_mutex_lock(&md->lock);
    r = g_hash_table_lookup(md->by_address, up);
    g_rec_mutex_unlock(&md->lock);
    return r;
}

static void medium_unref(struct ble_medium *md)
{
    if (!g_atomic_int_dec_and_test(&md->refs))
        return;
    g_rec_mutex_clear(&md->lock);
    g_main_context_unref(md->ctx);
    g_free(md);
}

static void say(struct ble_central *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say(struct ble_central *c, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *line = NULL;
    g_autoptr(GError) error = NULL;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!g_output_stream_write_all(c->out, line, strlen(line), NULL, c->cancel, &error) ||
        !g_output_stream_write_all(c->out, "\n", 1, NULL, c->cancel, &error))
        g_cancellable_cancel(c->cancel); /* the reader sees it and drops the client */
}

/* What a radio did, carried to the medium's context. */
enum radio_event { RE_CHANGED, RE_NOTIFY, RE_LINK_LOST, RE_FORGOTTEN };

struct event {
    struct ble_medium *md;
    enum radio_event kind;
    struct ble_radio *r;     /* compared, used only while on the medium */
    char addr[18];
    char uuid[37];           /* RE_NOTIFY */
    GBytes *value;           /* RE_NOTIFY */
    struct ble_central *c;        /* RE_FORGOTTEN: the client that held the link */
};

static void event_free(gpointer data)
{
    struct event *e = data;

    if (e->value)
        g_bytes_unref(e->value);
    medium_unref(e->md);
    g_free(e);
}

/* On the medium's context, under the lock. */
static void deliver_locked(struct event *e)
{
    struct ble_medium *md = e->md;
    struct ble_central *c;
    gsize len = 0;
    const uint8_t *v = e->value ? g_bytes_get_data(e->value, &len) : NULL;

    if (e->kind == RE_FORGOTTEN) {
        if (g_list_find(md->clients, e->c))
            say(e->c, "disconnected %s", e->addr);
        return;
    }
    if (!g_hash_table_contains(md->radios, e->r))
        return; /* forgotten since: the lamp is gone */
    c = g_hash_table_lookup(md->owner, e->r);
    switch (e->kind) {
    case RE_CHANGED:
        for (guint i = 0; i < md->observers->len; i++) {
            struct observer *o = &g_array_index(md->observers, struct observer, i);
            if (o->ops->changed)
                o->ops->changed(o->user, e->r);
        }
        break;
    case RE_NOTIFY:
        if (c) {
            g_autofree char *h = hex_encode(v, len);
            say(c, "notify %s %s %s", e->addr, e->uuid, h);
        } else {
            tell_observers(md, e->r, e->uuid, v, len);
        }
        break;
    case RE_LINK_LOST:
        if (c) {
            g_hash_table_remove(md->owner, e->r);
            say(c, "disconnected %s", e->addr);
        } else {
            tell_observers(md, e->r, NULL, NULL, 0);
        }
        break;
    case RE_FORGOTTEN:
        break;
    }
}

static gboolean deliver(gpointer data)
{
    struct event *e = data;

    if (e->md->closed)
        return G_SOURCE_REMOVE;
    g_rec_mutex_lock(&e->md->lock);
    deliver_locked(e);
    g_rec_mutex_unlock(&e->md->lock);
    return G_SOURCE_REMOVE;
}

/* At once on the medium's thread (a single lamp, a central's own request),
 * else from the medium's main loop, in order. */
static void post(struct ble_medium *md, enum radio_event kind, struct ble_radio *r)
{
    struct event *e = g_new0(struct event, 1);

    e->md = md;
    e->kind = kind;
    e->r = r;
    ble_medium_address(r, e->addr);
    g_atomic_int_inc(&md->refs);
    context_call(md->ctx, md->thread, deliver, e, event_free);
}

static void on_changed(void *medium, struct ble_radio *r)
{
    struct ble_medium *md = medium;

    g_rec_mutex_lock(&md->lock);
    if (!g_hash_table_contains(md->radios, r)) {
        char addr[18];
        ble_medium_address(r, addr);
        g_hash_table_insert(md->radios, r, g_strdup(addr));
        g_hash_table_replace(md->by_address, g_strdup(addr), r);
    }
    g_rec_mutex_unlock(&md->lock);
    post(md, RE_CHANGED, r);
}

static void on_notify(void *medium, struct ble_radio *r, uint16_t handle, const uint8_t *value,
                      size_t len)
{
    struct ble_medium *md = medium;
    struct ble_attr table[BLE_ATTRS_MAX];
    size_t n = ble_radio_attributes(r, table);
    struct event *e;

    for (size_t i = 0; i < n; i++) {
        if (table[i].handle != handle || table[i].is_service)
            continue;
        e = g_new0(struct event, 1);
        e->md = md;
        e->kind = RE_NOTIFY;
        e->r = r;
        ble_medium_address(r, e->addr);
        ble_uuid_format(table[i].uuid, e->uuid);
        e->value = g_bytes_new(value, len);
        g_atomic_int_inc(&md->refs);
        context_call(md->ctx, md->thread, deliver, e, event_free);
        return;
    }
}

static void on_link_lost(void *medium, struct ble_radio *r)
{
    post(medium, RE_LINK_LOST, r);
}

const struct ble_medium_ops ble_medium_radio_ops = {
    .changed = on_changed, .notify = on_notify, .link_lost = on_link_lost,
};

void ble_medium_observe(struct ble_medium *md, const struct ble_medium_observer *ops, void *user)
{
    struct observer o = { ops, user };
    g_array_append_val(md->observers, o);
}

void ble_medium_unobserve(struct ble_medium *md, const struct ble_medium_observer *ops, void *user)
{
    for (guint i = 0; i < md->observers->len; i++) {
        struct observer *o = &g_array_index(md->observers, struct observer, i);
        if (o->ops == ops && o->user == user) {
            g_array_remove_index(md->observers, i);
            return;
        }
    }
}

void ble_medium_forget(struct ble_medium *md, struct ble_radio *r)
{
    struct ble_central *c;
    char addr[18];

    ble_medium_address(r, addr);
    g_rec_mutex_lock(&md->lock);
    c = g_hash_table_lookup(md->owner, r);
    g_hash_table_remove(md->owner, r);
    g_hash_table_remove(md->radios, r);
    if (g_hash_table_lookup(md->by_address, addr) == r)
        g_hash_table_remove(md->by_address, addr);
    g_rec_mutex_unlock(&md->lock);
    if (c) { /* the client that held the link hears it went */
        struct event *e = g_new0(struct event, 1);
        e->md = md;
        e->kind = RE_FORGOTTEN;
        e->c = c;
        memcpy(e->addr, addr, sizeof(addr));
        g_atomic_int_inc(&md->refs);
        context_call(md->ctx, md->thread, deliver, e, event_free);
    }
}

/* ---- the central socket ---- */

/* The name and the 128-bit service UUIDs in connectable advertising data. */
static void describe_adv(const uint8_t *p, size_t len, GString *out)
{
    size_t i = 0;
    g_autofree char *name = NULL;
    g_autoptr(GString) uuids = g_string_new(NULL);

    while (i < len && p[i] && i + 1 + p[i] <= len) {
        uint8_t n = p[i], type = p[i + AD_OFF_TYPE];
        const uint8_t *d = p + i + AD_OFF_DATA;
        if (type == AD_TYPE_NAME_COMPLETE || (type == AD_TYPE_NAME_SHORT && !name)) {
            g_free(name);
            name = g_strndup((const char *)d, n - 1u);
        } else if (type == AD_TYPE_UUID128_SOME || type == AD_TYPE_UUID128_ALL) {
            for (unsigned k = 0; k + 16 <= n - 1u; k += 16) {
                uint8_t u[16];
                char text[37];
                for (int b = 0; b < 16; b++) /* AD data is little endian */
                    u[b] = d[k + 15 - b];
                ble_uuid_format(u, text);
                g_string_append_printf(uuids, " %s", text);
            }
        }
        i += 1u + n;
    }
    g_string_append_printf(out, "%s%s", name && *name ? name : "-", uuids->str);
}

/* The characteristic with this UUID, copied into out; false if none. */
static bool attr_by_uuid(struct ble_radio *r, const char *text, struct ble_attr *out)
{
    uint8_t u[16];
    struct ble_attr table[BLE_ATTRS_MAX];
    size_t n = ble_radio_attributes(r, table);

    if (!ble_uuid_parse(text, u))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!table[i].is_service && !memcmp(table[i].uuid, u, 16)) {
            *out = table[i];
            return true;
        }
    return false;
}

/* Every set on the air of every lamp: the connectable one as "adv", the
 * broadcast ones as what they carry; one copy of a radio's sets per
 * lamp, so its lines agree with each other. */
static void cmd_scan(struct ble_central *c)
{
    GHashTableIter it;
    gpointer key, value;
    unsigned n = 0;

    g_hash_table_iter_init(&it, c->md->by_address);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        struct ble_adv_set sets[BLE_ADV_SETS];
        size_t k = ble_radio_adv_sets(value, sets);
        for (size_t i = 0; i < k; i++, n++) {
            g_autoptr(GString) line = g_string_new(NULL);
            g_autofree char *beacon = NULL;
            if (sets[i].connectable) {
                g_string_printf(line, "adv %s ", (const char *)key);
                describe_adv(sets[i].data, sets[i].len, line);
                say(c, "%s", line->str);
            } else {
                beacon = beacon_scan_line(key, sets[i].data, sets[i].len);
                say(c, "%s", beacon);
            }
        }
    }
    say(c, "ok %u", n);
}

static void cmd_services(struct ble_central *c, struct ble_radio *r, const char *addr)
{
    struct ble_attr a[BLE_ATTRS_MAX];
    size_t n = ble_radio_attributes(r, a);

    for (size_t i = 0; i < n; i++) {
        char uuid[37];
        ble_uuid_format(a[i].uuid, uuid);
        if (a[i].is_service)
            say(c, "service %s %s %u", addr, uuid, a[i].handle);
        else
            say(c, "char %s %s %u 0x%02x %u", addr, uuid, a[i].handle, a[i].props, a[i].max_len);
    }
    say(c, "ok %zu", n);
}

/* One command line; every reply is a line starting with "ok" or "err".
 * Under the medium's lock: the radio stays while it is used. */
static void handle_line_locked(struct ble_central *c, char *line)
{
    g_auto(GStrv) w = g_strsplit(g_strstrip(line), " ", 0);
    guint argc = g_strv_length(w);
    struct ble_radio *r;
    struct ble_attr attr, *a = &attr;
    enum ble_status st;

    if (argc == 0 || !*w[0])
        return;
    if (!strcmp(w[0], "scan")) {
        cmd_scan(c);
        return;
    }
    if (argc < 2) {
        say(c, "err %s: usage: see docs/ble.md#the-central-socket", w[0]);
        return;
    }
    r = ble_medium_find(c->md, w[1]);
    if (!r) {
        say(c, "err %s: no lamp with that address on the medium", w[1]);
        return;
    }
    if (!strcmp(w[0], "connect")) {
        guint64 mtu = BLE_MTU_MAX;
        if (argc > 2 && !g_ascii_string_to_unsigned(w[2], 10, 23, 517, &mtu, NULL)) {
            say(c, "err %s: MTU must be 23..517", w[1]);
            return;
        }
        st = ble_radio_connect(r, (uint16_t)mtu);
        if (st == BLE_OK)
            g_hash_table_insert(c->md->owner, r, c);
        st ? say(c, "err %s: %s", w[1], ble_status_str(st))
           : say(c, "ok connected %s mtu %u", w[1], (unsigned)MIN(mtu, BLE_MTU_MAX));
        return;
    }
    if (!strcmp(w[0], "disconnect")) {
        if (g_hash_table_lookup(c->md->owner, r) != c) {
            say(c, "err %s: not connected", w[1]);
            return;
        }
        g_hash_table_remove(c->md->owner, r);
        ble_radio_disconnect(r);
        say(c, "ok");
        return;
    }
    if (!strcmp(w[0], "services")) {
        cmd_services(c, r, w[1]);
        return;
    }
    if (g_hash_table_lookup(c->md->owner, r) != c) {
        say(c, "err %s: not connected", w[1]);
        return;
    }
    if (argc < 3 || !attr_by_uuid(r, w[2], a)) {
        say(c, "err %s: no characteristic %s", w[1], argc > 2 ? w[2] : "(none given)");
        return;
    }
    if (!strcmp(w[0], "read")) {
        uint8_t v[BLE_VALUE_MAX];
        size_t len;
        st = ble_radio_read(r, a->handle, v, &len);
        if (st == BLE_OK) {
            g_autofree char *h = hex_encode(v, len);
            say(c, "ok %s", h);
        } else {
            say(c, "err %s: %s", w[1], ble_status_str(st));
        }
    } else if (!strcmp(w[0], "write") && argc == 4) {
        g_autoptr(GBytes) v = hex_decode_bytes(w[3]);
        gsize len;
        const uint8_t *p = v ? g_bytes_get_data(v, &len) : NULL;
        if (!v) {
            say(c, "err %s: the value must be hex", w[1]);
            return;
        }
        st = ble_radio_write(r, a->handle, p, len);
        st ? say(c, "err %s: %s", w[1], ble_status_str(st)) : say(c, "ok");
    } else if (!strcmp(w[0], "subscribe") || !strcmp(w[0], "unsubscribe")) {
        st = ble_radio_subscribe(r, a->handle, w[0][0] == 's');
        st ? say(c, "err %s: %s", w[1], ble_status_str(st)) : say(c, "ok");
    } else {
        say(c, "err %s: unknown command %s", w[1], w[0]);
    }
}

void ble_central_line(struct ble_central *c, char *line)
{
    g_rec_mutex_lock(&c->md->lock);
    handle_line_locked(c, line);
    g_rec_mutex_unlock(&c->md->lock);
}

struct ble_central *ble_central_new(struct ble_medium *md, GOutputStream *out)
{
    struct ble_central *c = g_new0(struct ble_central, 1);

    c->md = md;
    c->out = g_object_ref(out);
    c->cancel = g_cancellable_new();
    md->clients = g_list_prepend(md->clients, c);
    return c;
}

void ble_central_free(struct ble_central *c)
{
    GHashTableIter it;
    gpointer r, owner;

    if (!c)
        return;
    /* the central is gone: its links go with it */
    g_rec_mutex_lock(&c->md->lock);
    g_hash_table_iter_init(&it, c->md->owner);
    while (g_hash_table_iter_next(&it, &r, &owner)) {
        if (owner == c) {
            g_hash_table_iter_remove(&it);
            ble_radio_disconnect(r);
        }
    }
    g_rec_mutex_unlock(&c->md->lock);
    c->md->clients = g_list_remove(c->md->clients, c);
    g_cancellable_cancel(c->cancel);
    g_object_unref(c->cancel);
    g_clear_object(&c->in);
    g_object_unref(c->out);
    g_clear_object(&c->conn);
    g_free(c);
}

static void on_line(GObject *src, GAsyncResult *res, gpointer user_data)
{
    struct ble_central *c = user_data;
    g_autoptr(GError) error = NULL;
    g_autofree char *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res,
                                                                 NULL, &error);

    if (!line || g_cancellable_is_cancelled(c->cancel)) {
        ble_central_free(c);
        return;
    }
    ble_central_line(c, line);
    g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->cancel, on_line, c);
}

static gboolean on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source,
                            gpointer user_data)
{
    struct ble_medium *md = user_data;
    struct ble_central *c = ble_central_new(md, g_io_stream_get_output_stream(G_IO_STREAM(conn)));

    (void)service, (void)source;
    c->conn = g_object_ref(conn);
    c->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
    g_data_input_stream_set_newline_type(c->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
    g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->cancel, on_line, c);
    return TRUE;
}

bool ble_medium_listen(struct ble_medium *md, const char *path, GError **error)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);

    if (md->service) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "the BLE medium already listens on %s",
                    md->path);
        return false;
    }
    if (g_file_test(path, G_FILE_TEST_EXISTS) && g_unlink(path) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path,
                    g_strerror(errno));
        return false;
    }
    md->service = g_socket_service_new();
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(md->service), addr, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error)) {
        g_prefix_error(error, "BLE central socket %s: ", path);
        g_clear_object(&md->service);
        return false;
    }
    md->path = g_strdup(path);
    g_signal_connect(md->service, "incoming", G_CALLBACK(on_incoming), md);
    g_socket_service_start(md->service);
    return true;
}

struct ble_medium *ble_medium_new(void)
{
    struct ble_medium *md = g_new0(struct ble_medium, 1);
    md->refs = 1;
    md->ctx = g_main_context_ref_thread_default();
    md->thread = g_thread_self();
    g_rec_mutex_init(&md->lock);
    md->by_address = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    md->radios = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    md->owner = g_hash_table_new(g_direct_hash, g_direct_equal);
    md->observers = g_array_new(FALSE, FALSE, sizeof(struct observer));
    return md;
}

void ble_medium_free(struct ble_medium *md)
{
    if (!md)
        return;
    while (md->clients)
        ble_central_free(md->clients->data);
    if (md->service) {
        g_socket_service_stop(md->service);
        g_socket_listener_close(G_SOCKET_LISTENER(md->service));
        g_object_unref(md->service);
        g_unlink(md->path);
    }
    g_free(md->path);
    g_hash_table_destroy(md->owner);
    g_array_unref(md->observers);
    g_hash_table_destroy(md->by_address);
    g_hash_table_destroy(md->radios);
    md->closed = true; /* events still in flight find it so and do nothing */
    medium_unref(md);
}
