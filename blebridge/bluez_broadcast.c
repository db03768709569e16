/* blebridge/bluez_broadcast.c: a lamp's broadcast advertising sets as
 * BlueZ advertisements (bluez_broadcast.h, docs/ble.md#bluez).
 *
 * BlueZ 5.66 takes no raw advertising data: it builds the data from the
 * advertisement's properties.  A set's AD structures are carried as:
 * 16-, 32- and 128-bit service UUID lists as ServiceUUIDs; service data as
 * ServiceData; manufacturer data as ManufacturerData; Flags not at all
 * (BlueZ refuses Flags on a broadcast advertisement: a broadcaster is not
 * discoverable, Core spec Vol 3 Part C 9.1.1); any other type in Data,
 * which BlueZ 5.66 takes only for types no other property covers (it
 * refuses the advertisement otherwise, and that refusal is reported).
 * The interval and the power go in MinInterval, MaxInterval and TxPower,
 * which BlueZ 5.66 reads only when bluetoothd runs with --experimental. */
#include "bluez_broadcast.h"

#include "ble_ad.h"

#include <string.h>

#define BLUEZ "org.bluez"
#define ADV_IFACE "org.bluez.LEAdvertisement1"

static const char introspection[] =
    "<node>"
    " <interface name='org.bluez.LEAdvertisement1'>"
    "  <method name='Release'/>"
    "  <property name='Type' type='s' access='read'/>"
    "  <property name='ServiceUUIDs' type='as' access='read'/>"
    "  <property name='ManufacturerData' type='a{qv}' access='read'/>"
    "  <property name='ServiceData' type='a{sv}' access='read'/>"
    "  <property name='Data' type='a{yv}' access='read'/>"
    "  <property name='MinInterval' type='u' access='read'/>"
    "  <property name='MaxInterval' type='u' access='read'/>"
    "  <property name='TxPower' type='n' access='read'/>"
    " </interface>"
    "</node>";

static const char *const property_names[] = {
    "Type", "ServiceUUIDs", "ManufacturerData", "ServiceData", "Data",
    "MinInterval", "MaxInterval", "TxPower", NULL,
};

struct bluez_broadcasts;

/* One broadcast set shown through BlueZ. */
struct bcast {
    struct bluez_broadcasts *bb;
    unsigned set;
    char *path;
    guint reg;               /* the object's registration on the bus */
    struct ble_adv_set now;  /* what the object shows */
    bool registering, registered;
    bool stale;              /* changed while BlueZ was registering it */
    GCancellable *cancel;
};

struct bluez_broadcasts {
    GDBusConnection *bus;
    GDBusNodeInfo *node;
    char *adapter_path, *root, *lamp;
    unsigned slots;
    ble_bluez_log_fn say_fn;
    void *user;
    struct bcast *sets[BLE_ADV_SETS]; /* by set number; 0, the connectable one, unused */
};

#define say(bb, ...) bluez_say((bb)->say_fn, (bb)->user, __VA_ARGS__)

/* ---- the set's AD structures as properties ---- */

/* A 16- or 32-bit UUID on the Bluetooth base UUID (Core spec Vol 3 Part B
 * 2.5.1), as BlueZ writes UUIDs. */
static char *base_uuid(uint32_t v)
{
    return g_strdup_printf("%08x-0000-1000-8000-00805f9b34fb", v);
}

/* size bytes of a UUID as AD carries it (little endian) to text. */
static char *uuid_text(const uint8_t *p, size_t size)
{
    uint8_t be[16];
    char text[37];

    if (size == 2)
        return base_uuid((uint32_t)(p[0] | p[1] << 8));
    if (size == 4)
        return base_uuid((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24);
    for (int i = 0; i < 16; i++)
        be[i] = p[15 - i];
    ble_uuid_format(be, text);
    return g_strdup(text);
}

static GVariant *bytes(const uint8_t *p, size_t n)
{
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, n, 1);
}

struct ad_props {
    GVariantBuilder uuids, mfg, svc, data;
    bool flags;
};

/* The UUID size of a UUID list type, or of a service data type; 0 if it is neither. */
static size_t uuid_list_size(uint8_t type)
{
    switch (type) {
    case AD_TYPE_UUID16_SOME: case AD_TYPE_UUID16_ALL: return 2;
    case AD_TYPE_UUID32_SOME: case AD_TYPE_UUID32_ALL: return 4;
    case AD_TYPE_UUID128_SOME: case AD_TYPE_UUID128_ALL: return 16;
    }
    return 0;
}

static size_t service_data_uuid_size(uint8_t type)
{
    switch (type) {
    case AD_TYPE_SERVICE_DATA16: return 2;
    case AD_TYPE_SERVICE_DATA32: return 4;
    case AD_TYPE_SERVICE_DATA128: return 16;
    }
    return 0;
}

static void ad_props_build(const struct ble_adv_set *s, struct ad_props *out)
{
    size_t i = 0;

    g_variant_builder_init(&out->uuids, G_VARIANT_TYPE("as"));
    g_variant_builder_init(&out->mfg, G_VARIANT_TYPE("a{qv}"));
    g_variant_builder_init(&out->svc, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_init(&out->data, G_VARIANT_TYPE("a{yv}"));
    out->flags = false;
    /* the controller took only well-formed data; stop at the end anyway */
    while (i + AD_HEADER_LEN <= s->len && s->data[i] && i + 1u + s->data[i] <= s->len) {
        uint8_t type = s->data[i + AD_OFF_TYPE];
        const uint8_t *d = s->data + i + AD_OFF_DATA;
        size_t n = s->data[i] - 1u, size;

        if (type == AD_TYPE_FLAGS) {
            out->flags = true;
        } else if ((size = uuid_list_size(type))) {
            for (size_t k = 0; k + size <= n; k += size) {
                g_autofree char *u = uuid_text(d + k, size);
                g_variant_builder_add(&out->uuids, "s", u);
            }
        } else if ((size = service_data_uuid_size(type))) {
            if (n >= size) {
                g_autofree char *u = uuid_text(d, size);
                g_variant_builder_add(&out->svc, "{sv}", u, bytes(d + size, n - size));
            }
        } else if (type == AD_TYPE_MANUFACTURER) {
            if (n >= 2)
                g_variant_builder_add(&out->mfg, "{qv}", (guint16)(d[0] | d[1] << 8),
                                      bytes(d + 2, n - 2));
        } else {
            g_variant_builder_add(&out->data, "{yv}", type, bytes(d, n));
        }
        i += 1u + s->data[i];
    }
}

static void ad_props_clear(struct ad_props *p)
{
    g_variant_builder_clear(&p->uuids);
    g_variant_builder_clear(&p->mfg);
    g_variant_builder_clear(&p->svc);
    g_variant_builder_clear(&p->data);
}

static GVariant *property(struct bcast *bc, const char *name)
{
    struct ad_props p;
    GVariant *v = NULL;

    if (!strcmp(name, "Type"))
        return g_variant_new_string("broadcast");
    if (!strcmp(name, "MinInterval") || !strcmp(name, "MaxInterval"))
        return g_variant_new_uint32(bc->now.interval_ms);
    if (!strcmp(name, "TxPower"))
        return g_variant_new_int16(bc->now.tx_power);
    ad_props_build(&bc->now, &p);
    if (!strcmp(name, "ServiceUUIDs"))
        v = g_variant_builder_end(&p.uuids);
    else if (!strcmp(name, "ManufacturerData"))
        v = g_variant_builder_end(&p.mfg);
    else if (!strcmp(name, "ServiceData"))
        v = g_variant_builder_end(&p.svc);
    else if (!strcmp(name, "Data"))
        v = g_variant_builder_end(&p.data);
    ad_props_clear(&p);
    return v;
}

static bool has_flags(const struct ble_adv_set *s)
{
    struct ad_props p;
    bool flags;

    ad_props_build(s, &p);
    flags = p.flags;
    ad_props_clear(&p);
    return flags;
}

/* ---- the D-Bus object ---- */

static void on_method(GDBusConnection *bus, const char *sender, const char *path,
                      const char *iface, const char *method, GVariant *params,
                      GDBusMethodInvocation *inv, gpointer user_data)
{
    struct bcast *bc = user_data;

    (void)bus, (void)sender, (void)path, (void)iface, (void)params;
    if (strcmp(method, "Release")) {
        g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.NotSupported", method);
        return;
    }
    bc->registered = false; /* BlueZ dropped it (the adapter went down, say) */
    say(bc->bb, "%s: BlueZ released the advertisement of broadcast set %u", bc->bb->lamp, bc->set);
    g_dbus_method_invocation_return_value(inv, NULL);
}

static GVariant *on_get(GDBusConnection *bus, const char *sender, const char *path,
                        const char *iface, const char *name, GError **error, gpointer user_data)
{
    GVariant *v = property(user_data, name);

    (void)bus, (void)sender, (void)path;
    if (!v)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "%s.%s", iface, name);
    return v;
}

static const GDBusInterfaceVTable vtable = { on_method, on_get, NULL, { 0 } };

/* Tells BlueZ that every property may have changed. */
static void emit_changed(struct bcast *bc)
{
    GVariantBuilder changed;

    g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
    for (const char *const *n = property_names; *n; n++)
        if (strcmp(*n, "Type"))
            g_variant_builder_add(&changed, "{sv}", *n, property(bc, *n));
    g_dbus_connection_emit_signal(bc->bb->bus, NULL, bc->path, "org.freedesktop.DBus.Properties",
                                  "PropertiesChanged",
                                  g_variant_new("(sa{sv}as)", ADV_IFACE, &changed, NULL), NULL);
}

static void on_registered(GObject *src, GAsyncResult *res, gpointer user_data)
{
    struct bcast *bc = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
    struct bluez_broadcasts *bb;

    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* withdrawn meanwhile: bc is gone */
    bb = bc->bb;
    bc->registering = false;
    if (!ret) {
        g_dbus_error_strip_remote_error(error);
        if (strstr(error->message, "Maximum advertisements"))
            say(bb, "%s: broadcast set %u left off the air: all %u advertisement slots of "
                "the adapter are taken, shared by the commissioning advertisement and the "
                "broadcast sets of every lamp shown (BlueZ: %s); show fewer lamps "
                "(--bluez-lamps) or let them run fewer beacons", bb->lamp, bc->set, bb->slots,
                error->message);
        else
            say(bb, "%s: broadcast set %u refused by BlueZ: %s (BlueZ 5.66 builds the data "
                "itself and takes in Data only AD types no other property covers)", bb->lamp,
                bc->set, error->message);
        return;
    }
    bc->registered = true;
    say(bb, "%s: broadcast set %u on the air through %s%s", bb->lamp, bc->set, bb->adapter_path,
        has_flags(&bc->now) ? " (without its Flags: BlueZ sends none on a broadcast "
                              "advertisement)" : "");
    if (bc->stale) {
        bc->stale = false;
        emit_changed(bc);
    }
}

static void bcast_register(struct bcast *bc)
{
    bc->registering = true;
    bc->stale = false;
    g_dbus_connection_call(bc->bb->bus, BLUEZ, bc->bb->adapter_path,
                           "org.bluez.LEAdvertisingManager1", "RegisterAdvertisement",
                           g_variant_new("(oa{sv})", bc->path, NULL), NULL,
                           G_DBUS_CALL_FLAGS_NONE, -1, bc->cancel, on_registered, bc);
}

static struct bcast *bcast_new(struct bluez_broadcasts *bb, const struct ble_adv_set *s)
{
    struct bcast *bc = g_new0(struct bcast, 1);
    g_autoptr(GError) error = NULL;

    bc->bb = bb;
    bc->set = s->id;
    bc->now = *s;
    bc->path = g_strdup_printf("%s/broadcast%u", bb->root, s->id);
    bc->cancel = g_cancellable_new();
    bc->reg = g_dbus_connection_register_object(bb->bus, bc->path, bb->node->interfaces[0],
                                                &vtable, bc, NULL, &error);
    if (!bc->reg)
        say(bb, "%s: exporting broadcast set %u at %s failed: %s", bb->lamp, s->id, bc->path,
            error->message);
    else
        bcast_register(bc);
    return bc;
}

/* Off the adapter and off the bus.  An UnregisterAdvertisement sent after
 * a RegisterAdvertisement still in flight reaches bluetoothd after it, and
 * bluetoothd holds an advertisement from the moment the call arrives: the
 * slot is given back either way. */
static void bcast_free(struct bcast *bc)
{
    g_cancellable_cancel(bc->cancel);
    if (bc->registering || bc->registered)
        g_dbus_connection_call(bc->bb->bus, BLUEZ, bc->bb->adapter_path,
                               "org.bluez.LEAdvertisingManager1", "UnregisterAdvertisement",
                               g_variant_new("(o)", bc->path), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                               NULL, NULL, NULL);
    if (bc->reg)
        g_dbus_connection_unregister_object(bc->bb->bus, bc->reg);
    g_object_unref(bc->cancel);
    g_free(bc->path);
    g_free(bc);
}

static bool same_set(const struct ble_adv_set *a, const struct ble_adv_set *b)
{
    return a->interval_ms == b->interval_ms && a->tx_power == b->tx_power && a->len == b->len &&
           !memcmp(a->data, b->data, a->len);
}

static void bcast_update(struct bcast *bc, const struct ble_adv_set *s)
{
    if (same_set(&bc->now, s))
        return;
    bc->now = *s;
    if (bc->registered)
        emit_changed(bc);
    else if (bc->registering)
        bc->stale = true;
    else if (bc->reg)
        bcast_register(bc); /* refused before (no slot, say): new data, new try */
}

/* ---- life cycle ---- */

struct bluez_broadcasts *bluez_broadcasts_new(const struct bluez_broadcasts_config *cfg)
{
    struct bluez_broadcasts *bb = g_new0(struct bluez_broadcasts, 1);

    bb->bus = g_object_ref(cfg->bus);
    bb->node = g_dbus_node_info_new_for_xml(introspection, NULL);
    bb->adapter_path = g_strdup(cfg->adapter_path);
    bb->root = g_strdup(cfg->root);
    bb->lamp = g_strdup(cfg->lamp);
    bb->slots = cfg->slots;
    bb->say_fn = cfg->say;
    bb->user = cfg->user;
    return bb;
}

void bluez_broadcasts_free(struct bluez_broadcasts *bb)
{
    if (!bb)
        return;
    for (unsigned i = 0; i < BLE_ADV_SETS; i++)
        if (bb->sets[i])
            bcast_free(bb->sets[i]);
    g_dbus_node_info_unref(bb->node);
    g_object_unref(bb->bus);
    g_free(bb->adapter_path);
    g_free(bb->root);
    g_free(bb->lamp);
    g_free(bb);
}

void bluez_broadcasts_sync(struct bluez_broadcasts *bb, const struct ble_adv_set *sets, size_t n)
{
    const struct ble_adv_set *on[BLE_ADV_SETS] = { 0 };

    for (size_t i = 0; i < n; i++)
        if (!sets[i].connectable && sets[i].id < BLE_ADV_SETS)
            on[sets[i].id] = &sets[i];
    for (unsigned id = 1; id < BLE_ADV_SETS; id++) {
        if (on[id] && !bb->sets[id]) {
            bb->sets[id] = bcast_new(bb, on[id]);
        } else if (on[id]) {
            bcast_update(bb->sets[id], on[id]);
        } else if (bb->sets[id]) {
            bcast_free(bb->sets[id]);
            bb->sets[id] = NULL;
            say(bb, "%s: broadcast set %u withdrawn from %s", bb->lamp, id, bb->adapter_path);
        }
    }
}
