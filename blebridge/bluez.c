/* blebridge/bluez.c: the BlueZ transport (bluez.h, docs/ble.md#bluez).
 * Per exposed lamp: a GATT application rooted at /org/lampsim/lampK with
 * its own ObjectManager, one service object per service of the lamp's
 * table and one characteristic object per characteristic, and an
 * advertisement object; GattManager1.RegisterApplication is called
 * asynchronously, because bluetoothd calls GetManagedObjects back before
 * it answers.  A central's first read or write connects the lamp's radio
 * (with the MTU BlueZ reports); the device's disconnection ends it.  The
 * lamp's broadcast sets (beacons) are advertisements of their own
 * (bluez_broadcast.c). */
#include "bluez.h"

#include "bluez_broadcast.h"

#include <gio/gio.h>
#include <string.h>

#define BLUEZ "org.bluez"
#define ROOT_PREFIX "/org/lampsim/lamp"

static const char introspection[] =
    "<node>"
    " <interface name='org.freedesktop.DBus.ObjectManager'>"
    "  <method name='GetManagedObjects'>"
    "   <arg type='a{oa{sa{sv}}}' direction='out'/>"
    "  </method>"
    " </interface>"
    " <interface name='org.bluez.GattService1'>"
    "  <property name='UUID' type='s' access='read'/>"
    "  <property name='Primary' type='b' access='read'/>"
    " </interface>"
    " <interface name='org.bluez.GattCharacteristic1'>"
    "  <method name='ReadValue'>"
    "   <arg type='a{sv}' direction='in'/><arg type='ay' direction='out'/>"
    "  </method>"
    "  <method name='WriteValue'>"
    "   <arg type='ay' direction='in'/><arg type='a{sv}' direction='in'/>"
    "  </method>"
    "  <method name='StartNotify'/>"
    "  <method name='StopNotify'/>"
    "  <property name='UUID' type='s' access='read'/>"
    "  <property name='Service' type='o' access='read'/>"
    "  <property name='Flags' type='as' access='read'/>"
    "  <property name='Notifying' type='b' access='read'/>"
    "  <property name='Value' type='ay' access='read'/>"
    " </interface>"
    " <interface name='org.bluez.LEAdvertisement1'>"
    "  <method name='Release'/>"
    "  <property name='Type' type='s' access='read'/>"
    "  <property name='ServiceUUIDs' type='as' access='read'/>"
    "  <property name='LocalName' type='s' access='read'/>"
    " </interface>"
    "</node>";

struct exposed;

/* One D-Bus object of an exposed lamp. */
struct object {
    struct exposed *x;
    char *path;
    size_t attr;          /* index in the lamp's table (services, characteristics) */
    guint reg;            /* registration id */
    bool notifying;
};

struct exposed {
    struct ble_bluez *b;
    struct ble_radio *r;
    unsigned id;
    char *root;
    GPtrArray *objects;   /* struct object *: root first, then attributes, the advertisement last */
    struct ble_attr *table;  /* the table as registered */
    size_t ntable;
    bool app_registered, adv_registered, registering;
    char *device;         /* the central's device object while linked */
    GCancellable *cancel; /* BlueZ calls in flight: cancelled when withdrawn */
    struct bluez_broadcasts *broadcasts; /* its broadcast sets, each an advertisement */
};

struct ble_bluez {
    struct ble_medium *md;
    GDBusConnection *bus;
    GDBusNodeInfo *node;
    char *adapter_path;
    ble_bluez_log_fn log;
    void *log_user;
    GHashTable *exposed;  /* struct ble_radio * -> struct exposed * */
    unsigned next_id;
    guint device_watch;
    unsigned slots;
};

void bluez_say(ble_bluez_log_fn log, void *user, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (log)
        log(user, msg);
}

#define say(b, ...) bluez_say((b)->log, (b)->log_user, __VA_ARGS__)

static const char *lamp_name(struct exposed *x)
{
    return ble_radio_name(x->r);
}

/* ---- properties ---- */

static GVariant *uuid_variant(const uint8_t uuid[16])
{
    char text[37];
    ble_uuid_format(uuid, text);
    return g_variant_new_string(text);
}

static GVariant *flags_variant(uint8_t props)
{
    GVariantBuilder f;

    g_variant_builder_init(&f, G_VARIANT_TYPE("as"));
    if (props & BLE_PROP_READ)
        g_variant_builder_add(&f, "s", "read");
    if (props & BLE_PROP_WRITE_NO_RSP)
        g_variant_builder_add(&f, "s", "write-without-response");
    if (props & BLE_PROP_WRITE)
        g_variant_builder_add(&f, "s", "write");
    if (props & BLE_PROP_NOTIFY)
        g_variant_builder_add(&f, "s", "notify");
    return g_variant_builder_end(&f);
}

static struct object *object_of_handle(struct exposed *x, uint16_t handle, bool service)
{
    for (guint i = 1; i < x->objects->len; i++) {
        struct object *o = g_ptr_array_index(x->objects, i);
        if (o->attr < x->ntable && x->table[o->attr].handle == handle &&
            x->table[o->attr].is_service == service)
            return o;
    }
    return NULL;
}

/* The current value of a characteristic, as the controller would read it. */
static GVariant *value_variant(struct exposed *x, const struct ble_attr *a)
{
    uint8_t v[BLE_VALUE_MAX];
    size_t len = 0;

    /* the controller answers reads of a linked lamp only; an unlinked
     * property read shows an empty value rather than connecting */
    if (ble_radio_read(x->r, a->handle, v, &len) != BLE_OK)
        len = 0;
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, v, len, 1);
}

static GVariant *property(struct object *o, const char *iface, const char *name)
{
    struct exposed *x = o->x;
    const struct ble_attr *a = o->attr < x->ntable ? &x->table[o->attr] : NULL;

    if (!strcmp(iface, "org.bluez.GattService1") && a) {
        if (!strcmp(name, "UUID"))
            return uuid_variant(a->uuid);
        if (!strcmp(name, "Primary"))
            return g_variant_new_boolean(TRUE);
    } else if (!strcmp(iface, "org.bluez.GattCharacteristic1") && a) {
        struct object *svc = object_of_handle(x, a->service, true);
        if (!strcmp(name, "UUID"))
            return uuid_variant(a->uuid);
        if (!strcmp(name, "Service"))
            return g_variant_new_object_path(svc ? svc->path : x->root);
        if (!strcmp(name, "Flags"))
            return flags_variant(a->props);
        if (!strcmp(name, "Notifying"))
            return g_variant_new_boolean(o->notifying);
        if (!strcmp(name, "Value"))
            return value_variant(x, a);
    } else if (!strcmp(iface, "org.bluez.LEAdvertisement1")) {
        GVariantBuilder u;
        if (!strcmp(name, "Type"))
            return g_variant_new_string("peripheral");
        if (!strcmp(name, "LocalName")) {
            const char *n = lamp_name(x), *slash = strrchr(n, '/');
            return g_variant_new_string(slash ? slash + 1 : n);
        }
        if (!strcmp(name, "ServiceUUIDs")) {
            g_variant_builder_init(&u, G_VARIANT_TYPE("as"));
            for (size_t i = 0; i < x->ntable; i++) {
                char text[37];
                if (!x->table[i].is_service)
                    continue;
                ble_uuid_format(x->table[i].uuid, text);
                g_variant_builder_add(&u, "s", text);
            }
            return g_variant_builder_end(&u);
        }
    }
    return NULL;
}

static GVariant *all_properties(struct object *o, const char *iface, const char *const *names)
{
    GVariantBuilder d;

    g_variant_builder_init(&d, G_VARIANT_TYPE("a{sv}"));
    for (; *names; names++) {
        GVariant *v = property(o, iface, *names);
        if (v)
            g_variant_builder_add(&d, "{sv}", *names, v);
    }
    return g_variant_builder_end(&d);
}

static GVariant *managed_objects(struct exposed *x)
{
    static const char *const svc_props[] = { "UUID", "Primary", NULL };
    static const char *const chr_props[] = { "UUID", "Service", "Flags", "Notifying", NULL };
    GVariantBuilder objs;

    g_variant_builder_init(&objs, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
    for (guint i = 1; i < x->objects->len; i++) {
        struct object *o = g_ptr_array_index(x->objects, i);
        GVariantBuilder ifaces;
        if (o->attr >= x->ntable)
            continue; /* the advertisement is not part of the application */
        g_variant_builder_init(&ifaces, G_VARIANT_TYPE("a{sa{sv}}"));
        if (x->table[o->attr].is_service)
            g_variant_builder_add(&ifaces, "{s@a{sv}}", "org.bluez.GattService1",
                                  all_properties(o, "org.bluez.GattService1", svc_props));
        else
            g_variant_builder_add(&ifaces, "{s@a{sv}}", "org.bluez.GattCharacteristic1",
                                  all_properties(o, "org.bluez.GattCharacteristic1", chr_props));
        g_variant_builder_add(&objs, "{o@a{sa{sv}}}", o->path, g_variant_builder_end(&ifaces));
    }
    return g_variant_builder_end(&objs);
}

/* ---- the central's requests ---- */

static const char *dbus_error(enum ble_status st)
{
    switch (st) {
    case BLE_E_NOT_PERMITTED: return "org.bluez.Error.NotPermitted";
    case BLE_E_LENGTH: return "org.bluez.Error.InvalidValueLength";
    case BLE_E_BUSY: return "org.bluez.Error.InProgress";
    default: return "org.bluez.Error.Failed";
    }
}

/* The lamp's radio linked to the device the request names (BlueZ gives
 * its path and the MTU in the options). */
static enum ble_status link_for(struct exposed *x, GVariant *options)
{
    const char *device = NULL;
    guint16 mtu = BLE_MTU_DEFAULT;
    enum ble_status st;

    if (options) {
        g_variant_lookup(options, "device", "&o", &device);
        g_variant_lookup(options, "mtu", "q", &mtu);
    }
    if (ble_radio_connected(x->r)) {
        if (device && x->device && strcmp(device, x->device))
            return BLE_E_BUSY; /* another central holds this lamp */
        return BLE_OK;
    }
    st = ble_radio_connect(x->r, mtu);
    if (st == BLE_OK) {
        g_free(x->device);
        x->device = g_strdup(device ? device : "");
    }
    return st;
}

static void on_method(GDBusConnection *bus, const char *sender, const char *path,
                      const char *iface, const char *method, GVariant *params,
                      GDBusMethodInvocation *inv, gpointer user_data)
{
    struct object *o = user_data;
    struct exposed *x = o->x;
    const struct ble_attr *a = o->attr < x->ntable ? &x->table[o->attr] : NULL;
    enum ble_status st;

    (void)bus, (void)sender, (void)path;
    if (!strcmp(method, "GetManagedObjects")) {
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@a{oa{sa{sv}}})",
                                                                 managed_objects(x)));
        return;
    }
    if (!strcmp(iface, "org.bluez.LEAdvertisement1")) { /* Release: BlueZ dropped it */
        x->adv_registered = false;
        say(x->b, "%s: BlueZ released its advertisement", lamp_name(x));
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    if (!a) {
        g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.Failed", "stale object");
        return;
    }
    if (!strcmp(method, "ReadValue")) {
        g_autoptr(GVariant) opts = g_variant_get_child_value(params, 0);
        uint8_t v[BLE_VALUE_MAX];
        size_t len = 0;
        guint16 offset = 0;
        g_variant_lookup(opts, "offset", "q", &offset);
        st = link_for(x, opts);
        if (st == BLE_OK)
            st = ble_radio_read(x->r, a->handle, v, &len);
        if (st != BLE_OK) {
            g_dbus_method_invocation_return_dbus_error(inv, dbus_error(st), ble_status_str(st));
            return;
        }
        if (offset > len) {
            g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.InvalidOffset", "offset");
            return;
        }
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@ay)",
            g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, v + offset, len - offset, 1)));
    } else if (!strcmp(method, "WriteValue")) {
        g_autoptr(GVariant) value = g_variant_get_child_value(params, 0);
        g_autoptr(GVariant) opts = g_variant_get_child_value(params, 1);
        gsize len;
        const uint8_t *p = g_variant_get_fixed_array(value, &len, 1);
        guint16 offset = 0;
        g_variant_lookup(opts, "offset", "q", &offset);
        if (offset) { /* BlueZ joins long writes itself; an offset here is a partial write */
            g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.NotSupported",
                                                       "partial writes are not supported");
            return;
        }
        st = link_for(x, opts);
        if (st == BLE_OK)
            st = ble_radio_write(x->r, a->handle, p, len);
        if (st != BLE_OK)
            g_dbus_method_invocation_return_dbus_error(inv, dbus_error(st), ble_status_str(st));
        else
            g_dbus_method_invocation_return_value(inv, NULL);
    } else if (!strcmp(method, "StartNotify") || !strcmp(method, "StopNotify")) {
        bool on = method[2] == 'a';
        st = link_for(x, NULL);
        if (st == BLE_OK)
            st = ble_radio_subscribe(x->r, a->handle, on);
        if (st != BLE_OK) {
            g_dbus_method_invocation_return_dbus_error(inv, dbus_error(st), ble_status_str(st));
            return;
        }
        o->notifying = on;
        g_dbus_method_invocation_return_value(inv, NULL);
    } else {
        g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.NotSupported", method);
    }
}

static GVariant *on_get(GDBusConnection *bus, const char *sender, const char *path,
                        const char *iface, const char *name, GError **error, gpointer user_data)
{
    GVariant *v = property(user_data, iface, name);

    (void)bus, (void)sender, (void)path;
    if (!v)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "%s.%s", iface, name);
    return v;
}

static const GDBusInterfaceVTable vtable = { on_method, on_get, NULL, { 0 } };

/* ---- registration ---- */

static bool add_object(struct exposed *x, const char *path, size_t attr, const char *iface,
                       GError **error)
{
    struct object *o = g_new0(struct object, 1);
    GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface(x->b->node, iface);

    o->x = x;
    o->path = g_strdup(path);
    o->attr = attr;
    o->reg = g_dbus_connection_register_object(x->b->bus, path, info, &vtable, o, NULL, error);
    g_ptr_array_add(x->objects, o);
    return o->reg != 0;
}

static void drop_objects(struct exposed *x)
{
    for (guint i = 0; i < x->objects->len; i++) {
        struct object *o = g_ptr_array_index(x->objects, i);
        if (o->reg)
            g_dbus_connection_unregister_object(x->b->bus, o->reg);
        g_free(o->path);
        g_free(o);
    }
    g_ptr_array_set_size(x->objects, 0);
    g_clear_pointer(&x->table, g_free);
    x->ntable = 0;
}

static void on_adv_registered(GObject *src, GAsyncResult *res, gpointer user_data)
{
    struct exposed *x = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);

    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* withdrawn meanwhile: x is gone */
    if (!ret) {
        g_dbus_error_strip_remote_error(error);
        if (strstr(error->message, "Maximum advertisements"))
            say(x->b, "%s: not advertised: the adapter runs at most %u advertisements at once "
                "(BlueZ: %s); its GATT service is still there for a connected central; expose "
                "fewer lamps, or rotate through them", lamp_name(x), x->b->slots, error->message);
        else
            say(x->b, "%s: advertisement refused by BlueZ: %s", lamp_name(x), error->message);
        return;
    }
    x->adv_registered = true;
    say(x->b, "%s: advertising through %s", lamp_name(x), x->b->adapter_path);
}

static void on_app_registered(GObject *src, GAsyncResult *res, gpointer user_data)
{
    struct exposed *x = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
    struct object *adv;

    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* withdrawn meanwhile: x is gone */
    x->registering = false;
    if (!ret) {
        g_dbus_error_strip_remote_error(error);
        say(x->b, "%s: GATT application refused by BlueZ: %s", lamp_name(x), error->message);
        return;
    }
    x->app_registered = true;
    say(x->b, "%s: GATT application registered at %s", lamp_name(x), x->root);
    adv = g_ptr_array_index(x->objects, x->objects->len - 1);
    g_dbus_connection_call(x->b->bus, BLUEZ, x->b->adapter_path, "org.bluez.LEAdvertisingManager1",
                           "RegisterAdvertisement", g_variant_new("(oa{sv})", adv->path, NULL),
                           NULL, G_DBUS_CALL_FLAGS_NONE, -1, x->cancel, on_adv_registered, x);
}

static bool table_same(struct exposed *x, const struct ble_attr *t, size_t n)
{
    return n == x->ntable && (n == 0 || !memcmp(t, x->table, n * sizeof(*t)));
}

static void unregister(struct exposed *x)
{
    struct object *adv = x->objects->len ? g_ptr_array_index(x->objects, x->objects->len - 1) : NULL;

    if (x->adv_registered && adv)
        g_dbus_connection_call(x->b->bus, BLUEZ, x->b->adapter_path,
                               "org.bluez.LEAdvertisingManager1", "UnregisterAdvertisement",
                               g_variant_new("(o)", adv->path), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                               NULL, NULL, NULL);
    if (x->app_registered)
        g_dbus_connection_call(x->b->bus, BLUEZ, x->b->adapter_path, "org.bluez.GattManager1",
                               "UnregisterApplication", g_variant_new("(o)", x->root), NULL,
                               G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
    x->adv_registered = x->app_registered = false;
    drop_objects(x);
}

/* Registers the lamp's current table, if it has one and is advertising. */
static void try_register(struct exposed *x)
{
    g_autoptr(GError) error = NULL;
    struct ble_attr t[BLE_ATTRS_MAX];
    size_t n = ble_radio_attributes(x->r, t), svc = 0, chr = 0;
    g_autofree char *adv = NULL;
    char path[128];

    if (x->registering || (x->app_registered && table_same(x, t, n)))
        return;
    if (x->app_registered || x->objects->len)
        unregister(x);
    if (n == 0 || !ble_radio_advertising(x->r))
        return;
    x->table = g_memdup2(t, n * sizeof(*t));
    x->ntable = n;
    if (!add_object(x, x->root, G_MAXSIZE, "org.freedesktop.DBus.ObjectManager", &error))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (t[i].is_service)
            g_snprintf(path, sizeof(path), "%s/service%zu", x->root, svc++);
        else
            g_snprintf(path, sizeof(path), "%s/service%zu/char%zu", x->root, svc ? svc - 1 : 0, chr++);
        if (!add_object(x, path, i, t[i].is_service ? "org.bluez.GattService1"
                                                    : "org.bluez.GattCharacteristic1", &error))
            goto fail;
    }
    adv = g_strdup_printf("%s/advertisement", x->root);
    if (!add_object(x, adv, G_MAXSIZE - 1, "org.bluez.LEAdvertisement1", &error))
        goto fail;
    x->registering = true;
    g_dbus_connection_call(x->b->bus, BLUEZ, x->b->adapter_path, "org.bluez.GattManager1",
                           "RegisterApplication", g_variant_new("(oa{sv})", x->root, NULL), NULL,
                           G_DBUS_CALL_FLAGS_NONE, -1, x->cancel, on_app_registered, x);
    return;
fail:
    say(x->b, "%s: exporting its GATT objects failed: %s", lamp_name(x), error->message);
    drop_objects(x);
}

/* ---- what the lamps do ---- */

/* The broadcast sets follow the lamp's, whether or not its GATT table is up. */
static void sync_broadcasts(struct exposed *x)
{
    struct ble_adv_set sets[BLE_ADV_SETS];
    size_t n = ble_radio_adv_sets(x->r, sets);

    bluez_broadcasts_sync(x->broadcasts, sets, n);
}

static void on_changed(void *user, struct ble_radio *r)
{
    struct ble_bluez *b = user;
    struct exposed *x = g_hash_table_lookup(b->exposed, r);

    if (!x)
        return;
    try_register(x);
    sync_broadcasts(x);
}

static void on_notify(void *user, struct ble_radio *r, const char *uuid, const uint8_t *value,
                      size_t len)
{
    struct ble_bluez *b = user;
    struct exposed *x = g_hash_table_lookup(b->exposed, r);
    GVariantBuilder changed;

    if (!x)
        return;
    for (guint i = 1; i < x->objects->len; i++) {
        struct object *o = g_ptr_array_index(x->objects, i);
        char text[37];
        if (o->attr >= x->ntable || x->table[o->attr].is_service || !o->notifying)
            continue;
        ble_uuid_format(x->table[o->attr].uuid, text);
        if (strcmp(text, uuid))
            continue;
        g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&changed, "{sv}", "Value",
                              g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, value, len, 1));
        g_dbus_connection_emit_signal(b->bus, NULL, o->path, "org.freedesktop.DBus.Properties",
                                      "PropertiesChanged",
                                      g_variant_new("(sa{sv}as)", "org.bluez.GattCharacteristic1",
                                                    &changed, NULL),
                                      NULL);
    }
}

static void on_link_lost(void *user, struct ble_radio *r)
{
    struct ble_bluez *b = user;
    struct exposed *x = g_hash_table_lookup(b->exposed, r);

    if (!x)
        return;
    g_clear_pointer(&x->device, g_free);
    for (guint i = 0; i < x->objects->len; i++)
        ((struct object *)g_ptr_array_index(x->objects, i))->notifying = false;
}

static const struct ble_medium_observer observer = {
    .changed = on_changed, .notify = on_notify, .link_lost = on_link_lost,
};

/* A central's device disconnected: the lamps it held lose the link. */
static void on_device_props(GDBusConnection *bus, const char *sender, const char *path,
                            const char *iface, const char *signal, GVariant *params,
                            gpointer user_data)
{
    struct ble_bluez *b = user_data;
    const char *changed_iface;
    g_autoptr(GVariant) props = NULL;
    gboolean connected = TRUE;
    GHashTableIter it;
    gpointer key, value;

    (void)bus, (void)sender, (void)iface, (void)signal;
    g_variant_get(params, "(&s@a{sv}@as)", &changed_iface, &props, NULL);
    if (strcmp(changed_iface, "org.bluez.Device1") ||
        !g_variant_lookup(props, "Connected", "b", &connected) || connected)
        return;
    g_hash_table_iter_init(&it, b->exposed);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        struct exposed *x = value;
        if (x->device && (!*x->device || !strcmp(x->device, path))) {
            ble_radio_disconnect(x->r);
            g_clear_pointer(&x->device, g_free);
            for (guint i = 0; i < x->objects->len; i++)
                ((struct object *)g_ptr_array_index(x->objects, i))->notifying = false;
        }
    }
}

/* ---- life cycle ---- */

static void exposed_free(gpointer p)
{
    struct exposed *x = p;
    g_cancellable_cancel(x->cancel);
    g_object_unref(x->cancel);
    if (ble_radio_connected(x->r))
        ble_radio_disconnect(x->r);
    bluez_broadcasts_free(x->broadcasts);
    unregister(x);
    g_ptr_array_unref(x->objects);
    g_free(x->device);
    g_free(x->root);
    g_free(x);
}

struct ble_bluez *ble_bluez_new(struct ble_medium *md, const char *adapter, ble_bluez_log_fn log,
                                void *log_user, GError **error)
{
    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
    g_autofree char *path = g_strdup_printf("/org/bluez/%s", adapter);
    g_autoptr(GVariant) addr = NULL, slots = NULL;
    struct ble_bluez *b;

    if (!bus) {
        g_prefix_error(error, "BlueZ transport: no system bus: ");
        return NULL;
    }
    addr = g_dbus_connection_call_sync(bus, BLUEZ, path, "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new("(ss)", "org.bluez.Adapter1", "Address"),
                                       G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                                       error);
    if (!addr) {
        g_dbus_error_strip_remote_error(*error);
        g_prefix_error(error, "BlueZ adapter %s (is bluetoothd running, is there such an "
                       "adapter?): ", adapter);
        return NULL;
    }
    b = g_new0(struct ble_bluez, 1);
    b->md = md;
    b->bus = g_steal_pointer(&bus);
    b->node = g_dbus_node_info_new_for_xml(introspection, NULL);
    b->adapter_path = g_steal_pointer(&path);
    b->log = log;
    b->log_user = log_user;
    b->exposed = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, exposed_free);
    slots = g_dbus_connection_call_sync(b->bus, BLUEZ, b->adapter_path,
                                        "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new("(ss)", "org.bluez.LEAdvertisingManager1",
                                                      "SupportedInstances"),
                                        G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                                        NULL);
    if (slots) {
        g_autoptr(GVariant) v = g_variant_get_child_value(slots, 0), inner = g_variant_get_variant(v);
        if (g_variant_is_of_type(inner, G_VARIANT_TYPE_BYTE))
            b->slots = g_variant_get_byte(inner);
    }
    b->device_watch = g_dbus_connection_signal_subscribe(b->bus, BLUEZ,
        "org.freedesktop.DBus.Properties", "PropertiesChanged", NULL, "org.bluez.Device1",
        G_DBUS_SIGNAL_FLAGS_NONE, on_device_props, b, NULL);
    ble_medium_observe(md, &observer, b);
    {
        g_autoptr(GVariant) inner = g_variant_get_child_value(addr, 0);
        g_autoptr(GVariant) s = g_variant_get_variant(inner);
        say(b, "BlueZ adapter %s (%s): %u advertisement slots", adapter,
            g_variant_get_string(s, NULL), b->slots);
    }
    return b;
}

void ble_bluez_free(struct ble_bluez *b)
{
    if (!b)
        return;
    ble_medium_unobserve(b->md, &observer, b);
    g_hash_table_destroy(b->exposed);
    g_dbus_connection_signal_unsubscribe(b->bus, b->device_watch);
    g_dbus_connection_flush_sync(b->bus, NULL, NULL);
    g_object_unref(b->bus);
    g_dbus_node_info_unref(b->node);
    g_free(b->adapter_path);
    g_free(b);
}

unsigned ble_bluez_advertising_slots(struct ble_bluez *b)
{
    return b->slots;
}

void ble_bluez_expose(struct ble_bluez *b, struct ble_radio *r)
{
    struct exposed *x;

    if (g_hash_table_contains(b->exposed, r))
        return;
    x = g_new0(struct exposed, 1);
    x->b = b;
    x->r = r;
    x->id = b->next_id++;
    x->root = g_strdup_printf(ROOT_PREFIX "%u", x->id);
    x->objects = g_ptr_array_new();
    x->cancel = g_cancellable_new();
    x->broadcasts = bluez_broadcasts_new(&(struct bluez_broadcasts_config){
        .bus = b->bus, .adapter_path = b->adapter_path, .root = x->root, .lamp = lamp_name(x),
        .slots = b->slots, .say = b->log, .user = b->log_user });
    g_hash_table_insert(b->exposed, r, x);
    try_register(x);
    sync_broadcasts(x);
}

void ble_bluez_withdraw(struct ble_bluez *b, struct ble_radio *r)
{
    g_hash_table_remove(b->exposed, r);
}

bool ble_bluez_exposed(struct ble_bluez *b, struct ble_radio *r)
{
    return g_hash_table_contains(b->exposed, r);
}
