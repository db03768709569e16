/* sim/scenario_action.c: lamp:action(name [, members]): the actions of
 * `lampsim serve`'s API and of load profiles (sim/lamp_action.h) on a
 * scenario's lamp, checked by the same parser, so a scenario can rehearse
 * what a served fleet will be made to do (docs/scenarios.md#actions).
 * The lamp does not run during the call: the action happens at its
 * virtual time now, between two slices. */
#include "scenario_lamp.h"

#include "lamp_action.h"

#include <cjson/cJSON.h>

/* The members table (flat: strings, numbers, booleans) as a JSON
 * object; an error names the key that cannot be one. */
static cJSON *members_to_json(lua_State *L, int t)
{
    cJSON *o = cJSON_CreateObject();

    if (lua_isnoneornil(L, t))
        return o;
    luaL_checktype(L, t, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        cJSON *v = NULL;

        if (key && lua_type(L, -1) == LUA_TBOOLEAN)
            v = cJSON_CreateBool(lua_toboolean(L, -1));
        else if (key && lua_type(L, -1) == LUA_TNUMBER)
            v = cJSON_CreateNumber(lua_tonumber(L, -1));
        else if (key && lua_type(L, -1) == LUA_TSTRING)
            v = cJSON_CreateString(lua_tostring(L, -1));
        if (!v) {
            cJSON_Delete(o);
            luaL_error(L, "action: member %s: keys are names and values strings, numbers or "
                       "booleans", key ? key : "(not a name)");
        }
        cJSON_AddItemToObject(o, key, v);
        lua_pop(L, 1);
    }
    return o;
}

/* lamp:action(name [, {members}]) -> true, or raises the parser's or the
 * lamp's refusal ("fault: 'flood' is no network fault ..."). */
static int l_action(lua_State *L)
{
    struct slamp *sl = check_lamp(L);
    const char *name = luaL_checkstring(L, 2);
    cJSON *o = members_to_json(L, 3);
    char *body = cJSON_PrintUnformatted(o);
    struct lamp_action a;
    GError *error = NULL;
    bool ok;

    cJSON_Delete(o);
    ok = lamp_action_parse(name, body, &a, &error);
    cJSON_free(body);
    if (ok) {
        ok = lamp_action_apply(sl->lamp, NULL, &a, &error);
        lamp_action_clear(&a);
    }
    if (!ok) {
        lua_pushfstring(L, "action %s: %s", name, error->message);
        g_error_free(error);
        return lua_error(L);
    }
    lua_pushboolean(L, 1);
    return 1;
}

const luaL_Reg scenario_action_methods[] = {
    { "action", l_action },
    { NULL, NULL },
};
