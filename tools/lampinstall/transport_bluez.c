/* tools/lampinstall/transport_bluez.c: lamps through a host BlueZ adapter,
 * the way a phone reaches them (org.bluez Device1 and
 * GattCharacteristic1).  Lamps that lampsim shows through one adapter
 * share its address: they appear as one device with several commissioning
 * services, so a lamp's id is its service object. */
#include "transport.h"
#include "hex.h"

#include <gio/gio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BLUEZ "org.bluez"
#define CALL_TIMEOUT_MS 30000

struct lamp_chars {
    char *info, *creds, *status;   /* characteristic object paths */
};

struct bluez_transport {
    struct transport base;
    GDBusConnection *bus;
    char *adapter;                  /* /org/bluez/hciN */
    int scan_ms;
    GHashTable *lamps;              /* service path -> struct lamp_chars * */
    GPtrArray *devices;             /* device paths we connected */
    GHashTable *notes;              /* characteristic path -> GQueue of GBytes * */
    guint watch;
};

static struct bluez_transport *bt(struct transport *t)
{
    return (struct bluez_transport *)t;
}

static GVariant *call(struct bluez_transport *b, const char *path, const char *iface,
                      const char *method, GVariant *args, GError **error)
{
    GVariant *r = g_dbus_connection_call_sync(b->bus, BLUEZ, path, iface, method, args, NULL,
                                              G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, error);
    if (!r && error && *error) {
        g_dbus_error_strip_remote_error(*error);
        g_prefix_error(error, "%s %s: ", method, path);
    }
    return r;
}

static GVariant *get_property(struct bluez_transport *b, const char *path, const char *iface,
                              const char *name)
{
    g_autoptr(GVariant) r = call(b, path, "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new("(ss)", iface, name), NULL);
    GVariant *v = NULL;
    if (r)
        g_variant_get(r, "(v)", &v);
    return v;
}

static void pump(int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000ll;
    while (g_get_monotonic_time() < end)
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(10000);
}

static void on_props(GDBusConnection *bus, const char *sender, const char *path,
                     const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
    struct bluez_transport *b = user_data;
    const char *changed_iface;
    g_autoptr(GVariant) props = NULL, value = NULL;
    GQueue *q;

    (void)bus, (void)sender, (void)iface, (void)signal;
    g_variant_get(params, "(&s@a{sv}@as)", &changed_iface, &props, NULL);
    if (strcmp(changed_iface, "org.bluez.GattCharacteristic1") ||
        !(value = g_variant_lookup_value(props, "Value", G_VARIANT_TYPE_BYTESTRING)))
        return;
    q = g_hash_table_lookup(b->notes, path);
    if (q)
        g_queue_push_tail(q, g_variant_get_data_as_bytes(value));
}

/* Every device in range offering the service gets connected, its GATT
 * objects resolved, and each commissioning service found under it. */
static GPtrArray *scan(struct transport *t, GError **error)
{
    struct bluez_transport *b = bt(t);
    GVariantBuilder filter, uuids;
    g_autoptr(GVariant) r = NULL, objs = NULL;
    GVariantIter it;
    const char *path;
    GVariant *ifaces;
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    g_variant_builder_init(&uuids, G_VARIANT_TYPE("as"));
    g_variant_builder_add(&uuids, "s", COMMISSION_SERVICE_UUID);
    g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&filter, "{sv}", "UUIDs", g_variant_builder_end(&uuids));
    g_variant_builder_add(&filter, "{sv}", "Transport", g_variant_new_string("le"));
    g_clear_pointer(&r, g_variant_unref);
    if (!(r = call(b, b->adapter, "org.bluez.Adapter1", "SetDiscoveryFilter",
                   g_variant_new("(a{sv})", &filter), error)))
        goto fail;
    g_clear_pointer(&r, g_variant_unref);
    if (!(r = call(b, b->adapter, "org.bluez.Adapter1", "StartDiscovery", NULL, error)))
        goto fail;
    fprintf(stderr, "lampinstall: scanning on %s for %d ms\n", b->adapter, b->scan_ms);
    pump(b->scan_ms);
    g_clear_pointer(&r, g_variant_unref);
    r = call(b, b->adapter, "org.bluez.Adapter1", "StopDiscovery", NULL, NULL);

    /* connect the devices that advertise the service */
    g_clear_pointer(&r, g_variant_unref);
    if (!(r = call(b, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL, error)))
        goto fail;
    objs = g_variant_get_child_value(r, 0);
    g_variant_iter_init(&it, objs);
    while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
        g_autoptr(GVariant) dev = g_variant_lookup_value(ifaces, "org.bluez.Device1", NULL);
        g_autoptr(GVariant) devuuids = dev ? g_variant_lookup_value(dev, "UUIDs", G_VARIANT_TYPE("as")) : NULL;
        g_autofree const char **list = devuuids ? g_variant_get_strv(devuuids, NULL) : NULL;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) c = NULL;
        g_variant_unref(ifaces);
        if (!dev || !g_str_has_prefix(path, b->adapter) || !list ||
            !g_strv_contains(list, COMMISSION_SERVICE_UUID))
            continue;
        if (!(c = call(b, path, "org.bluez.Device1", "Connect", NULL, &e))) {
            fprintf(stderr, "lampinstall: %s\n", e->message);
            continue;
        }
        g_ptr_array_add(b->devices, g_strdup(path));
        for (int i = 0; i < 200; i++) { /* services resolved: up to 20 s */
            g_autoptr(GVariant) v = get_property(b, path, "org.bluez.Device1", "ServicesResolved");
            if (v && g_variant_get_boolean(v))
                break;
            pump(100);
        }
    }

    /* the commissioning services and their characteristics */
    g_clear_pointer(&objs, g_variant_unref);
    g_clear_pointer(&r, g_variant_unref);
    if (!(r = call(b, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL, error)))
        goto fail;
    objs = g_variant_get_child_value(r, 0);
    g_variant_iter_init(&it, objs);
    while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
        g_autoptr(GVariant) svc = g_variant_lookup_value(ifaces, "org.bluez.GattService1", NULL);
        const char *uuid;
        g_variant_unref(ifaces);
        if (svc && g_variant_lookup(svc, "UUID", "&s", &uuid) && !g_ascii_strcasecmp(uuid, COMMISSION_SERVICE_UUID)) {
            g_hash_table_insert(b->lamps, g_strdup(path), g_new0(struct lamp_chars, 1));
            g_ptr_array_add(ids, g_strdup(path));
        }
    }
    g_variant_iter_init(&it, objs);
    while (g_variant_iter_next(&it, "{&o@a{sa{sv}}}", &path, &ifaces)) {
        g_autoptr(GVariant) chr = g_variant_lookup_value(ifaces, "org.bluez.GattCharacteristic1", NULL);
        const char *uuid, *service;
        struct lamp_chars *lc;
        g_variant_unref(ifaces);
        if (!chr || !g_variant_lookup(chr, "UUID", "&s", &uuid) ||
            !g_variant_lookup(chr, "Service", "&o", &service) ||
            !(lc = g_hash_table_lookup(b->lamps, service)))
            continue;
        if (!g_ascii_strcasecmp(uuid, COMMISSION_INFO_UUID))
            lc->info = g_strdup(path);
        else if (!g_ascii_strcasecmp(uuid, COMMISSION_CREDS_UUID))
            lc->creds = g_strdup(path);
        else if (!g_ascii_strcasecmp(uuid, COMMISSION_STATUS_UUID))
            lc->status = g_strdup(path);
    }
    return ids;
fail:
    g_ptr_array_unref(ids);
    return NULL;
}

static struct lamp_chars *chars_of(struct bluez_transport *b, const char *id, GError **error)
{
    struct lamp_chars *lc = g_hash_table_lookup(b->lamps, id);
    if (!lc || !lc->info || !lc->creds || !lc->status) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "%s: not a complete commissioning service", id);
        return NULL;
    }
    return lc;
}

static bool open_lamp(struct transport *t, const char *id, GError **error)
{
    return chars_of(bt(t), id, error) != NULL; /* its device is connected already */
}

static char *read_info(struct transport *t, const char *id, GError **error)
{
    struct bluez_transport *b = bt(t);
    struct lamp_chars *lc = chars_of(b, id, error);
    g_autoptr(GVariant) r = NULL, v = NULL;
    const uint8_t *p;
    gsize n;

    if (!lc || !(r = call(b, lc->info, "org.bluez.GattCharacteristic1", "ReadValue",
                          g_variant_new("(a{sv})", NULL), error)))
        return NULL;
    v = g_variant_get_child_value(r, 0);
    p = g_variant_get_fixed_array(v, &n, 1);
    return hex_encode(p, n);
}

static bool send_blob(struct transport *t, const char *id, const char *hex, GError **error)
{
    struct bluez_transport *b = bt(t);
    struct lamp_chars *lc = chars_of(b, id, error);
    g_autoptr(GVariant) r = NULL, w = NULL;
    g_autofree uint8_t *bytes = NULL;
    GVariantBuilder opts;
    size_t len = strlen(hex) / 2;

    if (!lc)
        return false;
    bytes = g_malloc(len ? len : 1);
    if (!hex_decode(hex, bytes, len)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the blob is not hex");
        return false;
    }
    if (!g_hash_table_contains(b->notes, lc->status))
        g_hash_table_insert(b->notes, g_strdup(lc->status), g_queue_new());
    if (!(r = call(b, lc->status, "org.bluez.GattCharacteristic1", "StartNotify", NULL, error)))
        return false;
    g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&opts, "{sv}", "type", g_variant_new_string("request"));
    w = call(b, lc->creds, "org.bluez.GattCharacteristic1", "WriteValue",
             g_variant_new("(@aya{sv})",
                           g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes, len, 1),
                           &opts), error);
    return w != NULL;
}

static char *await_status(struct transport *t, const char *id, int timeout_ms, GError **error)
{
    struct bluez_transport *b = bt(t);
    struct lamp_chars *lc = chars_of(b, id, error);
    gint64 end = g_get_monotonic_time() + timeout_ms * 1000ll;
    GQueue *q = lc ? g_hash_table_lookup(b->notes, lc->status) : NULL;

    if (!q)
        return NULL;
    while (g_queue_is_empty(q)) {
        if (g_get_monotonic_time() > end) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "no status notification within %d ms", timeout_ms);
            return NULL;
        }
        pump(20);
    }
    {
        g_autoptr(GBytes) v = g_queue_pop_head(q);
        gsize n;
        const char *p = g_bytes_get_data(v, &n);
        return g_strndup(p ? p : "", n);
    }
}

static void close_lamp(struct transport *t, const char *id)
{
    struct bluez_transport *b = bt(t);
    struct lamp_chars *lc = g_hash_table_lookup(b->lamps, id);
    g_autoptr(GVariant) r = NULL;

    if (lc && lc->status)
        r = call(b, lc->status, "org.bluez.GattCharacteristic1", "StopNotify", NULL, NULL);
}

static void lamp_chars_free(gpointer p)
{
    struct lamp_chars *lc = p;
    g_free(lc->info);
    g_free(lc->creds);
    g_free(lc->status);
    g_free(lc);
}

static void free_queue(gpointer p)
{
    g_queue_free_full(p, (GDestroyNotify)g_bytes_unref);
}

static void free_transport(struct transport *t)
{
    struct bluez_transport *b = bt(t);

    for (guint i = 0; i < b->devices->len; i++) {
        GVariant *r = call(b, b->devices->pdata[i], "org.bluez.Device1", "Disconnect", NULL, NULL);
        if (r)
            g_variant_unref(r);
    }
    g_dbus_connection_signal_unsubscribe(b->bus, b->watch);
    g_hash_table_destroy(b->lamps);
    g_hash_table_destroy(b->notes);
    g_ptr_array_unref(b->devices);
    g_object_unref(b->bus);
    g_free(b->adapter);
    g_free(b);
}

static const struct transport_ops bluez_ops = {
    scan, open_lamp, read_info, send_blob, await_status, close_lamp, free_transport,
};

struct transport *transport_bluez_new(const char *adapter, int scan_ms, GError **error)
{
    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
    struct bluez_transport *b;
    g_autoptr(GVariant) r = NULL;

    if (!bus) {
        g_prefix_error(error, "BlueZ: no system bus: ");
        return NULL;
    }
    b = g_new0(struct bluez_transport, 1);
    b->base.ops = &bluez_ops;
    b->bus = g_steal_pointer(&bus);
    b->adapter = g_strdup_printf("/org/bluez/%s", adapter);
    b->scan_ms = scan_ms;
    b->lamps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, lamp_chars_free);
    b->notes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_queue);
    b->devices = g_ptr_array_new_with_free_func(g_free);
    b->watch = g_dbus_connection_signal_subscribe(b->bus, BLUEZ, "org.freedesktop.DBus.Properties",
                                                  "PropertiesChanged", NULL, NULL,
                                                  G_DBUS_SIGNAL_FLAGS_NONE, on_props, b, NULL);
    r = call(b, b->adapter, "org.freedesktop.DBus.Properties", "Set",
             g_variant_new("(ssv)", "org.bluez.Adapter1", "Powered", g_variant_new_boolean(TRUE)),
             error);
    if (!r) {
        g_prefix_error(error, "BlueZ adapter %s (is bluetoothd running?): ", adapter);
        free_transport(&b->base);
        return NULL;
    }
    return &b->base;
}
