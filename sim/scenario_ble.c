/* sim/scenario_ble.c: a BLE central inside the scenario (docs/scenarios.md
 * #ble): each scenario lamp has its own virtual medium, and these methods
 * play the installer's phone on it, byte for byte, so that scripts can
 * send what no honest app would (replays, forgeries, truncations). */
#include "scenario_lamp.h"

#include "beacon_scan.h"
#include "hex.h"
#include "machine.h"

#include <string.h>

struct ble_note {
    char uuid[37];
    GBytes *value;
};

static void note_free(gpointer p)
{
    struct ble_note *n = p;
    g_bytes_unref(n->value);
    g_free(n);
}

static void on_link_lost(void *user, struct ble_radio *r)
{
    struct slamp *sl = user;
    (void)r;
    sl->link_lost = true;
}

static void on_notify(void *user, struct ble_radio *r, const char *uuid, const uint8_t *value,
                      size_t len)
{
    struct slamp *sl = user;
    struct ble_note *n;

    (void)r;
    n = g_new0(struct ble_note, 1);
    g_strlcpy(n->uuid, uuid, sizeof(n->uuid));
    n->value = g_bytes_new(value, len);
    g_queue_push_tail(&sl->notes, n);
}

void scenario_ble_attach(struct slamp *sl)
{
    sl->medium = ble_medium_new();
    g_queue_init(&sl->notes);
    static const struct ble_medium_observer central = { .notify = on_notify,
                                                        .link_lost = on_link_lost };
    ble_medium_observe(sl->medium, &central, sl);
}

void scenario_ble_detach(struct slamp *sl)
{
    g_queue_clear_full(&sl->notes, note_free);
    g_clear_pointer(&sl->medium, ble_medium_free);
}

static struct ble_radio *radio(struct slamp *sl)
{
    return machine_ble_radio(lamp_machine(sl->lamp));
}

/* The value handle of the characteristic with this UUID, or 0. */
static uint16_t handle_of(lua_State *L, struct slamp *sl, int arg)
{
    uint8_t u[16];
    struct ble_attr a[BLE_ATTRS_MAX];
    size_t n = ble_radio_attributes(radio(sl), a);

    if (!ble_uuid_parse(luaL_checkstring(L, arg), u))
        luaL_argerror(L, arg, "a UUID like a7c30002-5c1e-4d6b-9a0f-6c616d700000");
    for (size_t i = 0; i < n; i++)
        if (!a[i].is_service && !memcmp(a[i].uuid, u, 16))
            return a[i].handle;
    return 0;
}

static int result(lua_State *L, enum ble_status st)
{
    if (st == BLE_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, ble_status_str(st));
    return 2;
}

static int no_such(lua_State *L, const char *uuid)
{
    lua_pushnil(L);
    lua_pushfstring(L, "no characteristic %s in the lamp's table", uuid);
    return 2;
}

/* lamp:ble_advertising() -> bool */
static int l_ble_advertising(lua_State *L)
{
    lua_pushboolean(L, ble_radio_advertising(radio(check_lamp(L))));
    return 1;
}

static void set_hex_field(lua_State *L, const char *name, const uint8_t *p, size_t len)
{
    g_autofree char *h = hex_encode(p, len);
    lua_pushstring(L, h);
    lua_setfield(L, -2, name);
}

/* The beacon a broadcast set carries, as a field of the table on top. */
static void push_beacon(lua_State *L, const struct ble_adv_set *s)
{
    struct beacon b;
    char uuid[37];

    switch (beacon_scan(s->data, s->len, &b)) {
    case BEACON_IBEACON:
        lua_createtable(L, 0, 4);
        ble_uuid_format(b.ibeacon.uuid, uuid);
        lua_pushstring(L, uuid);
        lua_setfield(L, -2, "uuid");
        lua_pushinteger(L, b.ibeacon.major);
        lua_setfield(L, -2, "major");
        lua_pushinteger(L, b.ibeacon.minor);
        lua_setfield(L, -2, "minor");
        lua_pushinteger(L, b.ibeacon.measured_power);
        lua_setfield(L, -2, "power");
        lua_setfield(L, -2, "ibeacon");
        break;
    case BEACON_EDDYSTONE_UID:
        lua_createtable(L, 0, 3);
        set_hex_field(L, "namespace", b.eddystone_uid.namespace_id, EDDYSTONE_UID_NAMESPACE_LEN);
        set_hex_field(L, "instance", b.eddystone_uid.instance_id, EDDYSTONE_UID_INSTANCE_LEN);
        lua_pushinteger(L, b.eddystone_uid.ranging_power);
        lua_setfield(L, -2, "power");
        lua_setfield(L, -2, "eddystone_uid");
        break;
    case BEACON_NONE:
        break;
    }
}

/* lamp:ble_adv_sets() -> { {set=, connectable=, interval_ms=, tx_power=,
 * data=, ibeacon={...} | eddystone_uid={...}}, ... }: every set on the air
 * now, in set order (docs/scenarios.md#ble). */
static int l_ble_adv_sets(lua_State *L)
{
    struct ble_adv_set sets[BLE_ADV_SETS];
    size_t n = ble_radio_adv_sets(radio(check_lamp(L)), sets);

    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 7);
        lua_pushinteger(L, sets[i].id);
        lua_setfield(L, -2, "set");
        lua_pushboolean(L, sets[i].connectable);
        lua_setfield(L, -2, "connectable");
        lua_pushinteger(L, sets[i].interval_ms);
        lua_setfield(L, -2, "interval_ms");
        lua_pushinteger(L, sets[i].tx_power);
        lua_setfield(L, -2, "tx_power");
        lua_pushlstring(L, (const char *)sets[i].data, sets[i].len);
        lua_setfield(L, -2, "data");
        if (!sets[i].connectable)
            push_beacon(L, &sets[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* lamp:ble_connect([mtu]) -> true | nil, why */
static int l_ble_connect(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    lua_Integer mtu = luaL_optinteger(L, 2, BLE_MTU_MAX);

    luaL_argcheck(L, mtu >= BLE_MTU_DEFAULT && mtu <= BLE_MTU_MAX, 2, "23 to 517");
    sl->link_lost = false;
    return result(L, ble_radio_connect(radio(sl), (uint16_t)mtu));
}

static int l_ble_disconnect(lua_State *L)
{
    ble_radio_disconnect(radio(check_lamp(L)));
    return 0;
}

/* lamp:ble_read(uuid) -> bytes | nil, why */
static int l_ble_read(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    uint16_t h = handle_of(L, sl, 2);
    uint8_t v[BLE_VALUE_MAX];
    size_t len;
    enum ble_status st;

    if (!h)
        return no_such(L, lua_tostring(L, 2));
    st = ble_radio_read(radio(sl), h, v, &len);
    if (st != BLE_OK)
        return result(L, st);
    lua_pushlstring(L, (const char *)v, len);
    return 1;
}

/* lamp:ble_write(uuid, bytes) -> true | nil, why */
static int l_ble_write(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    uint16_t h = handle_of(L, sl, 2);
    size_t len;
    const char *v = luaL_checklstring(L, 3, &len);

    if (!h)
        return no_such(L, lua_tostring(L, 2));
    return result(L, ble_radio_write(radio(sl), h, (const uint8_t *)v, len));
}

/* lamp:ble_subscribe(uuid) -> true | nil, why */
static int l_ble_subscribe(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    uint16_t h = handle_of(L, sl, 2);

    if (!h)
        return no_such(L, lua_tostring(L, 2));
    return result(L, ble_radio_subscribe(radio(sl), h, true));
}

static bool note_or_loss(struct slamp *sl, void *arg)
{
    (void)arg;
    return sl->notes.length > 0 || sl->link_lost;
}

/* lamp:ble_notification([timeout_s]) -> uuid, bytes | nil, why: runs the
 * lamp until it notifies (or ends the link). */
static int l_ble_notification(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    const char *why = drive(sl, luaL_optnumber(L, 2, DEFAULT_TIMEOUT_S), note_or_loss, NULL);
    struct ble_note *n;

    if (why || !sl->notes.length) {
        lua_pushnil(L);
        lua_pushstring(L, why ? why : "the lamp ended the BLE link");
        return 2;
    }
    n = g_queue_pop_head(&sl->notes);
    lua_pushstring(L, n->uuid);
    {
        gsize len;
        const char *v = g_bytes_get_data(n->value, &len);
        lua_pushlstring(L, v ? v : "", len);
    }
    note_free(n);
    return 2;
}

const luaL_Reg scenario_ble_methods[] = {
    { "ble_advertising", l_ble_advertising }, { "ble_connect", l_ble_connect },
    { "ble_disconnect", l_ble_disconnect }, { "ble_read", l_ble_read },
    { "ble_write", l_ble_write }, { "ble_subscribe", l_ble_subscribe },
    { "ble_notification", l_ble_notification }, { "ble_adv_sets", l_ble_adv_sets },
    { NULL, NULL },
};
