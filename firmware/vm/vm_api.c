/* firmware/vm/vm_api.c: the platform's API for apps (vm_api.h).  Each
 * function checks its Lua arguments for a clear error message, then asks
 * the gate, which checks them again: this side runs with the app and is
 * not trusted by the platform. */
#include "vm_api.h"

#include "app_package.h"
#include "light_hw.h"
#include "vm_svc.h"

#include "lauxlib.h"

#include <string.h>

/* The app's handlers: registry["lamp.handlers"][timer id or event name]. */
#define HANDLERS "lamp.handlers"

static const struct { const char *name; uint32_t bit; } events[] = {
    { "occupancy", VM_EV_OCCUPANCY }, { "lux", VM_EV_LUX }, { "temperature", VM_EV_TEMPERATURE },
};
#define N_EVENTS (sizeof(events) / sizeof(events[0]))

/* Pushes the handlers table's key for event (and timer id, or message
 * topic). */
static void push_key(lua_State *L, uint32_t event, int32_t id, const char *sub)
{
    if (event == VM_EV_TIMER) {
        lua_pushinteger(L, id);
        return;
    }
    if (event == VM_EV_MESSAGE) {
        lua_pushfstring(L, "msg:%s", sub);
        return;
    }
    for (unsigned i = 0; i < N_EVENTS; i++)
        if (events[i].bit == event) {
            lua_pushstring(L, events[i].name);
            return;
        }
    lua_pushnil(L);
}

void vm_api_push_handler(lua_State *L, uint32_t event, int32_t id, const char *sub)
{
    lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS);
    push_key(L, event, id, sub);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 2);
        lua_pushnil(L);
        return;
    }
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

void vm_api_drop_handler(lua_State *L, uint32_t event, int32_t id)
{
    lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS);
    push_key(L, event, id, "");
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* handlers[key] = the value on the stack's top (popped) */
static void set_handler(lua_State *L, int key_index)
{
    lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS);
    lua_pushvalue(L, key_index);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 2);
}

/* (x, fn, key): handlers[key] = fn, the key left on top */
static void keep_fn_under_key(lua_State *L)
{
    lua_pushvalue(L, 2);
    set_handler(L, 3);
}

/* An app's message topic (arg 1), checked for a clear error; its length. */
static const char *check_sub(lua_State *L, size_t *len)
{
    const char *sub = luaL_checklstring(L, 1, len);

    luaL_argcheck(L, vm_msg_sub_ok(sub, (uint32_t)*len), 1,
                  "topic must be 1 to 32 of a-z 0-9 _ - / without empty levels");
    return sub;
}

/* nil, why: a refusal the app may handle */
static int fail(lua_State *L, const char *why)
{
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}

static int refused(lua_State *L, int32_t r, const char *quota)
{
    return fail(L, r == VM_EQUOTA ? quota : r == VM_EPERM ? "not in the app's manifest" : "refused");
}

/* The gate's answer r as the app sees it: true, or nil and why. */
static int done(lua_State *L, int32_t r, const char *quota)
{
    if (r < 0)
        return refused(L, r, quota);
    lua_pushboolean(L, 1);
    return 1;
}

/* log(text) */
static int api_log(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);

    if (n > VM_LOG_MAX)
        n = VM_LOG_MAX;
    vm_call(VM_OP_LOG, (uint32_t)s, (uint32_t)n, 0);
    return 0;
}

/* light.level() -> percent */
static int api_light_level(lua_State *L)
{
    int32_t r = vm_call(VM_OP_LIGHT_LEVEL, 0, 0, 0);

    if (r < 0)
        return luaL_error(L, "light.level: refused (%d)", (int)r);
    lua_pushnumber(L, (lua_Number)r * 100 / LIGHT_LEVEL_FULL);
    return 1;
}

/* light.set(level_percent[, fade_ms]) -> true | nil, why */
static int api_light_set(lua_State *L)
{
    lua_Number level = luaL_checknumber(L, 1);
    lua_Integer fade = luaL_optinteger(L, 2, 0);

    luaL_argcheck(L, level >= 0 && level <= 100, 1, "level must be 0 to 100");
    luaL_argcheck(L, fade >= 0 && fade <= VM_FADE_MAX_MS, 2, "fade_ms must be 0 to 60000");
    int32_t r = vm_call(VM_OP_LIGHT_SET, (uint32_t)(level * (LIGHT_LEVEL_FULL / 100) + 0.5),
                        (uint32_t)fade, 0);
    if (r < 0) {
        lua_pushnil(L);
        return refused(L, r, "too many light changes");
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* light.cct(kelvin[, fade_ms]) -> true | nil, why */
static int api_light_cct(lua_State *L)
{
    lua_Integer k = luaL_checkinteger(L, 1);
    lua_Integer fade = luaL_optinteger(L, 2, 0);

    luaL_argcheck(L, k >= LIGHT_CCT_MIN_K && k <= LIGHT_CCT_MAX_K, 1, "cct must be 2700 to 6500 K");
    luaL_argcheck(L, fade >= 0 && fade <= VM_FADE_MAX_MS, 2, "fade_ms must be 0 to 60000");
    int32_t r = vm_call(VM_OP_LIGHT_CCT, (uint32_t)k, (uint32_t)fade, 0);
    return done(L, r, "too many light changes");
}

/* sensors.on(event, fn | nil) -> true | nil, why: fn(value) when the
 * sensor's reading changes (occupancy: boolean; lux, temperature:
 * numbers). */
static int api_sensors_on(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    uint32_t mask = 0;
    unsigned i;

    for (i = 0; i < N_EVENTS && strcmp(name, events[i].name); i++)
        ;
    luaL_argcheck(L, i < N_EVENTS, 1, "event must be occupancy, lux or temperature");
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    set_handler(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS);
    for (i = 0; i < N_EVENTS; i++) {
        lua_getfield(L, -1, events[i].name);
        if (!lua_isnil(L, -1))
            mask |= events[i].bit;
        lua_pop(L, 1);
    }
    int32_t r = vm_call(VM_OP_EVENTS, mask, 0, 0);
    return done(L, r, "");
}

/* timer.after(ms, fn) / timer.every(ms, fn) -> id | nil, why; the
 * upvalue says periodic. */
static int api_timer_start(lua_State *L)
{
    lua_Integer ms = luaL_checkinteger(L, 1);
    int periodic = lua_toboolean(L, lua_upvalueindex(1));

    luaL_argcheck(L, ms >= VM_TIMER_MIN_MS && ms <= VM_TIMER_MAX_MS, 1,
                  "ms must be 10 to 86400000");
    luaL_checktype(L, 2, LUA_TFUNCTION);
    int32_t id = vm_call(VM_OP_TIMER_START, (uint32_t)ms, (uint32_t)periodic, 0);
    if (id < 0)
        return refused(L, id, "timer quota");
    lua_settop(L, 2);
    lua_pushinteger(L, id);
    keep_fn_under_key(L);
    return 1;
}

/* timer.now() -> the lamp's clock, ms since boot (wraps after 49.7 days:
 * a difference is (b - a) & 0xFFFFFFFF) */
static int api_timer_now(lua_State *L)
{
    uint32_t now;
    int32_t r = vm_call(VM_OP_CLOCK, (uint32_t)&now, 0, 0);

    if (r < 0)
        return refused(L, r, "");
    lua_pushinteger(L, (lua_Integer)now);
    return 1;
}

/* timer.cancel(id) -> true | nil, why */
static int api_timer_cancel(lua_State *L)
{
    lua_Integer id = luaL_checkinteger(L, 1);
    int32_t r = vm_call(VM_OP_TIMER_CANCEL, (uint32_t)id, 0, 0);

    if (r < 0)
        return refused(L, r, "");
    lua_settop(L, 1);
    lua_pushnil(L);
    set_handler(L, 1);
    lua_pushboolean(L, 1);
    return 1;
}

/* storage.get(key) -> value | nil */
static int api_storage_get(lua_State *L)
{
    size_t klen;
    const char *key = luaL_checklstring(L, 1, &klen);
    char value[VM_KV_VALUE_MAX];

    luaL_argcheck(L, klen >= 1 && klen <= VM_KV_KEY_MAX, 1, "key must be 1 to 32 bytes");
    int32_t r = vm_call(VM_OP_STORAGE_GET, (uint32_t)key, (uint32_t)klen, (uint32_t)value);
    if (r == VM_ENOENT) {
        lua_pushnil(L);
        return 1;
    }
    if (r < 0)
        return refused(L, r, "");
    lua_pushlstring(L, value, (size_t)r);
    return 1;
}

/* storage.set(key, value) / storage.delete(key) -> true | nil, why; the
 * upvalue says delete. */
static int api_storage_put(lua_State *L)
{
    size_t klen, vlen = 0;
    const char *key = luaL_checklstring(L, 1, &klen);
    int delete = lua_toboolean(L, lua_upvalueindex(1));
    const char *value = delete ? "" : luaL_checklstring(L, 2, &vlen);

    luaL_argcheck(L, klen >= 1 && klen <= VM_KV_KEY_MAX, 1, "key must be 1 to 32 bytes");
    luaL_argcheck(L, vlen <= VM_KV_VALUE_MAX, 2, "value must be at most 512 bytes");
    int32_t r = vm_call(delete ? VM_OP_STORAGE_DELETE : VM_OP_STORAGE_SET, (uint32_t)key,
                        (uint32_t)(klen | vlen << 16), (uint32_t)value);
    if (r == VM_EBUSY)
        return fail(L, "too many storage writes");
    if (r < 0 && !(delete && r == VM_ENOENT))
        return refused(L, r, "storage quota");
    lua_pushboolean(L, 1);
    return 1;
}

/* msg.publish(sub, payload) -> true | nil, why: on
 * lamp/SERIAL/app/NAME/sub. */
static int api_msg_publish(lua_State *L)
{
    size_t sub_len, len;
    const char *sub = check_sub(L, &sub_len);
    const char *payload = luaL_checklstring(L, 2, &len);

    luaL_argcheck(L, len <= VM_MSG_PAYLOAD_MAX && strlen(payload) == len, 2,
                  "payload must be at most 256 bytes, without NUL");
    int32_t r = vm_call(VM_OP_MSG_PUBLISH, (uint32_t)sub, (uint32_t)(sub_len | len << 16),
                        (uint32_t)payload);
    if (r == VM_EIO)
        return fail(L, "offline");
    return done(L, r, "message quota");
}

/* msg.subscribe(sub, fn) -> true | nil, why: fn(sub, payload) for each
 * message on lamp/SERIAL/app/NAME/sub. */
static int api_msg_subscribe(lua_State *L)
{
    size_t sub_len;
    const char *sub = check_sub(L, &sub_len);

    luaL_checktype(L, 2, LUA_TFUNCTION);
    int32_t r = vm_call(VM_OP_MSG_SUBSCRIBE, (uint32_t)sub, (uint32_t)sub_len, 0);
    if (r < 0)
        return refused(L, r, "too many subscriptions");
    lua_settop(L, 2);
    lua_pushfstring(L, "msg:%s", sub);
    keep_fn_under_key(L);
    lua_pushboolean(L, 1);
    return 1;
}

/* beacon.set(value) / beacon.clear() -> true | nil, why: the beacons'
 * app slot (0-65535: the iBeacon minor and the Eddystone instance's last
 * two bytes while the app runs). */
static int api_beacon(lua_State *L)
{
    int clear = lua_toboolean(L, lua_upvalueindex(1));
    lua_Integer v = clear ? (lua_Integer)VM_BEACON_RELEASE : luaL_checkinteger(L, 1);

    luaL_argcheck(L, clear || (v >= 0 && v <= 0xFFFF), 1, "value must be 0 to 65535");
    int32_t r = vm_call(VM_OP_BEACON, (uint32_t)v, 0, 0);
    if (r == VM_EBUSY)
        return fail(L, "another app holds the beacon slot");
    return done(L, r, "at most one change a second");
}

/* sensors.lux() / sensors.temperature() / sensors.occupied(): nil when
 * the sensor is not trusted; the upvalue is the VM_SENSOR_* bit. */
static int api_sensor(lua_State *L)
{
    struct vm_sensors s;
    uint32_t which = (uint32_t)lua_tointeger(L, lua_upvalueindex(1));
    int32_t r = vm_call(VM_OP_SENSORS, (uint32_t)&s, 0, 0);

    if (r < 0)
        return luaL_error(L, "sensors: refused (%d)", (int)r);
    if (!(s.valid & which))
        lua_pushnil(L);
    else if (which == VM_SENSOR_LUX)
        lua_pushnumber(L, s.lux_centi / 100.0);
    else if (which == VM_SENSOR_TEMP)
        lua_pushnumber(L, s.temp_centi / 100.0);
    else
        lua_pushboolean(L, s.occupied != 0);
    return 1;
}

/* Development only (`app probe`): what a compromised VM could do without
 * Lua's help, to show the gate and the MPU stop it.  probe.gate(op, a, b,
 * c) is a raw platform call; probe.read(addr) a raw unprivileged load,
 * probe.write(addr, value) a raw store, probe.call(addr) a branch there
 * (Thumb: an odd address), as a hijacked interpreter would jump;
 * probe.addr(s) the address of a string's bytes. */
static int probe_gate(lua_State *L)
{
    lua_pushinteger(L, vm_call((uint32_t)luaL_checkinteger(L, 1), (uint32_t)luaL_optinteger(L, 2, 0),
                               (uint32_t)luaL_optinteger(L, 3, 0), (uint32_t)luaL_optinteger(L, 4, 0)));
    return 1;
}

/* probe.addr(s): where a string's bytes are, to hand the gate raw. */
static int probe_addr(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)(uint32_t)luaL_checkstring(L, 1));
    return 1;
}

static int probe_read(lua_State *L)
{
    uint32_t addr = (uint32_t)luaL_checkinteger(L, 1);
    lua_pushinteger(L, *(volatile uint32_t *)addr);
    return 1;
}

static int probe_write(lua_State *L)
{
    uint32_t addr = (uint32_t)luaL_checkinteger(L, 1);
    *(volatile uint32_t *)addr = (uint32_t)luaL_checkinteger(L, 2);
    return 0;
}

static int probe_call(lua_State *L)
{
    void (*fn)(void) = (void (*)(void))(uintptr_t)(uint32_t)luaL_checkinteger(L, 1);
    fn();
    return 0;
}

static void new_lib(lua_State *L, const char *name, const luaL_Reg *fns)
{
    lua_newtable(L);
    luaL_setfuncs(L, fns, 0);
    lua_setglobal(L, name);
}

/* Into the table on top: two closures of fn, named off (upvalue false)
 * and on (upvalue true). */
static void set_twins(lua_State *L, lua_CFunction fn, const char *off, const char *on)
{
    for (int flag = 0; flag < 2; flag++) {
        lua_pushboolean(L, flag);
        lua_pushcclosure(L, fn, 1);
        lua_setfield(L, -2, flag ? on : off);
    }
}

void vm_api_open(lua_State *L, uint32_t apis, bool probe)
{
    static const luaL_Reg light[] = {
        { "level", api_light_level }, { "set", api_light_set }, { "cct", api_light_cct },
        { NULL, NULL } };
    static const struct { const char *name; uint32_t bit; } sensors[] = {
        { "lux", VM_SENSOR_LUX }, { "temperature", VM_SENSOR_TEMP }, { "occupied", VM_SENSOR_PIR } };
    static const luaL_Reg probes[] = {
        { "gate", probe_gate }, { "read", probe_read }, { "addr", probe_addr },
        { "write", probe_write }, { "call", probe_call }, { NULL, NULL } };

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, HANDLERS);
    /* An API the manifest does not name is absent (and the gate refuses
     * its calls all the same). */
    if (apis & APP_API_LOG)
        lua_register(L, "log", api_log);
    if (apis & APP_API_LIGHT)
        new_lib(L, "light", light);
    if (apis & APP_API_SENSORS) {
        lua_newtable(L);
        for (unsigned i = 0; i < sizeof(sensors) / sizeof(sensors[0]); i++) {
            lua_pushinteger(L, sensors[i].bit);
            lua_pushcclosure(L, api_sensor, 1);
            lua_setfield(L, -2, sensors[i].name);
        }
        lua_pushcfunction(L, api_sensors_on);
        lua_setfield(L, -2, "on");
        lua_setglobal(L, "sensors");
    }
    if (apis & APP_API_TIMERS) {
        lua_newtable(L);
        set_twins(L, api_timer_start, "after", "every");
        lua_pushcfunction(L, api_timer_cancel);
        lua_setfield(L, -2, "cancel");
        lua_pushcfunction(L, api_timer_now);
        lua_setfield(L, -2, "now");
        lua_setglobal(L, "timer");
    }
    if (apis & APP_API_STORAGE) {
        lua_newtable(L);
        lua_pushcfunction(L, api_storage_get);
        lua_setfield(L, -2, "get");
        set_twins(L, api_storage_put, "set", "delete");
        lua_setglobal(L, "storage");
    }
    if (apis & APP_API_MESSAGES) {
        static const luaL_Reg msg[] = {
            { "publish", api_msg_publish }, { "subscribe", api_msg_subscribe }, { NULL, NULL } };
        new_lib(L, "msg", msg);
    }
    if (apis & APP_API_BEACON) {
        lua_newtable(L);
        set_twins(L, api_beacon, "set", "clear");
        lua_setglobal(L, "beacon");
    }
    if (probe)
        new_lib(L, "probe", probes);
}
