/* sim/scenario_light.c: the room around a scenario lamp and what its
 * light engine does (docs/scenarios.md#light): the script sets daylight,
 * occupancy and the air temperature, makes sensors fail, and reads the
 * model's state, never the console.  A change happens at the lamp's
 * virtual time now, between two of its slices. */
#include "scenario_lamp.h"

#include "machine.h"

#include <math.h>

static struct machine *machine_of(lua_State *L)
{
    return lamp_machine(check_lamp(L)->lamp);
}

enum room_field { ROOM_DAYLIGHT, ROOM_OCCUPIED, ROOM_AMBIENT };

/* Changes one thing of the room to argument 2, or raises the model's
 * refusal as a Lua error. */
static int change_room(lua_State *L, enum room_field field)
{
    struct machine *m = machine_of(L);
    struct machine_light_env env;
    GError *error = NULL;

    machine_light_get_env(m, &env);
    switch (field) {
    case ROOM_DAYLIGHT: env.daylight_lux = luaL_checknumber(L, 2); break;
    case ROOM_OCCUPIED: luaL_checkany(L, 2); env.occupied = lua_toboolean(L, 2); break;
    case ROOM_AMBIENT: env.ambient_temp_c = luaL_checknumber(L, 2); break;
    }
    if (!machine_light_set_env(m, &env, &error)) {
        lua_pushstring(L, error->message);
        g_error_free(error);
        return lua_error(L);
    }
    return 0;
}

/* lamp:set_daylight(lux) */
static int l_set_daylight(lua_State *L) { return change_room(L, ROOM_DAYLIGHT); }
/* lamp:set_occupied(bool): someone moves in the room all the time, or
 * not (the hold time runs from now). */
static int l_set_occupied(lua_State *L) { return change_room(L, ROOM_OCCUPIED); }
/* lamp:set_ambient_temp(degC) */
static int l_set_ambient_temp(lua_State *L) { return change_room(L, ROOM_AMBIENT); }

/* lamp:motion(): one movement in front of the PIR. */
static int l_motion(lua_State *L)
{
    machine_light_motion(machine_of(L));
    return 0;
}

/* lamp:sensor_fault(sensor, kind): sensor "lux", "pir" or "temp"; kind
 * "none", "stuck", "noisy" or "absent". */
static int l_sensor_fault(lua_State *L)
{
    const char *sensors[MACHINE_LIGHT_SENSORS + 1] = { NULL };
    const char *kinds[MACHINE_LIGHT_FAULT_ABSENT + 2] = { NULL };

    for (int i = 0; i < MACHINE_LIGHT_SENSORS; i++)
        sensors[i] = machine_light_sensor_name(i);
    for (int i = 0; i <= MACHINE_LIGHT_FAULT_ABSENT; i++)
        kinds[i] = machine_light_fault_name(i);
    int sensor = luaL_checkoption(L, 2, NULL, sensors);
    int kind = luaL_checkoption(L, 3, NULL, kinds);
    machine_light_set_sensor_fault(machine_of(L), sensor, kind);
    return 0;
}

static void set_number(lua_State *L, const char *key, double v)
{
    /* A sensor that does not answer reads nil. */
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

static void set_bool(lua_State *L, const char *key, bool v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, key);
}

/* lamp:light() -> table: the light engine and its room now. */
static int l_light(lua_State *L)
{
    struct machine *m = machine_of(L);
    struct machine_light_state s;
    struct machine_light_env env;

    machine_light_state(m, &s);
    machine_light_get_env(m, &env);
    lua_newtable(L);
    set_bool(L, "powered", s.powered);
    set_bool(L, "on", s.on);
    set_bool(L, "fading", s.fading);
    set_number(L, "level", s.level_pct);
    set_number(L, "warm_duty", s.warm_duty_pct);
    set_number(L, "cool_duty", s.cool_duty_pct);
    set_number(L, "cct", s.cct_k);
    set_number(L, "lumens", s.lumens);
    set_number(L, "watts", s.watts);
    set_number(L, "energy_wh", s.energy_wh);
    set_number(L, "lux", s.lux);
    set_number(L, "lux_reading", s.lux_reading);
    set_bool(L, "occupied", s.occupied);
    lua_pushinteger(L, s.motions);
    lua_setfield(L, -2, "motions");
    set_number(L, "temp", s.temp_c);
    set_number(L, "temp_reading", s.temp_reading_c);
    set_bool(L, "overtemp", s.overtemp);
    lua_pushinteger(L, s.status);
    lua_setfield(L, -2, "status");
    lua_pushinteger(L, s.events);
    lua_setfield(L, -2, "events");
    set_number(L, "daylight", env.daylight_lux);
    set_bool(L, "room_occupied", env.occupied);
    set_number(L, "ambient_temp", env.ambient_temp_c);
    lua_newtable(L);
    for (int i = 0; i < MACHINE_LIGHT_SENSORS; i++) {
        lua_pushstring(L, machine_light_fault_name(s.faults[i]));
        lua_setfield(L, -2, machine_light_sensor_name(i));
    }
    lua_setfield(L, -2, "faults");
    return 1;
}

const luaL_Reg scenario_light_methods[] = {
    { "set_daylight", l_set_daylight }, { "set_occupied", l_set_occupied },
    { "set_ambient_temp", l_set_ambient_temp }, { "motion", l_motion },
    { "sensor_fault", l_sensor_fault }, { "light", l_light },
    { NULL, NULL },
};
