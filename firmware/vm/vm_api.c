/* firmware/vm/vm_api.c: the platform's API for apps (vm_api.h).  Each
 * function checks its Lua arguments for a clear error message, then asks
 * the gate, which checks them again: this side runs with the app and is
 * not trusted by the platform. */
#include "vm_api.h"

#include "light_hw.h"
#include "vm_svc.h"

#include "lauxlib.h"

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
        lua_pushstring(L, r == VM_EQUOTA ? "too many light.set calls in this run" : "refused");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
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
 * c) is a raw platform call; probe.read(addr) a raw unprivileged load. */
static int probe_gate(lua_State *L)
{
    lua_pushinteger(L, vm_call((uint32_t)luaL_checkinteger(L, 1), (uint32_t)luaL_optinteger(L, 2, 0),
                               (uint32_t)luaL_optinteger(L, 3, 0), (uint32_t)luaL_optinteger(L, 4, 0)));
    return 1;
}

static int probe_read(lua_State *L)
{
    uint32_t addr = (uint32_t)luaL_checkinteger(L, 1);
    lua_pushinteger(L, *(volatile uint32_t *)addr);
    return 1;
}

static void new_lib(lua_State *L, const char *name, const luaL_Reg *fns)
{
    lua_newtable(L);
    luaL_setfuncs(L, fns, 0);
    lua_setglobal(L, name);
}

void vm_api_open(lua_State *L, bool probe)
{
    static const luaL_Reg light[] = {
        { "level", api_light_level }, { "set", api_light_set }, { NULL, NULL } };
    static const struct { const char *name; uint32_t bit; } sensors[] = {
        { "lux", VM_SENSOR_LUX }, { "temperature", VM_SENSOR_TEMP }, { "occupied", VM_SENSOR_PIR } };
    static const luaL_Reg probes[] = {
        { "gate", probe_gate }, { "read", probe_read }, { NULL, NULL } };

    lua_register(L, "log", api_log);
    new_lib(L, "light", light);
    lua_newtable(L);
    for (unsigned i = 0; i < sizeof(sensors) / sizeof(sensors[0]); i++) {
        lua_pushinteger(L, sensors[i].bit);
        lua_pushcclosure(L, api_sensor, 1);
        lua_setfield(L, -2, sensors[i].name);
    }
    lua_setglobal(L, "sensors");
    if (probe)
        new_lib(L, "probe", probes);
}
