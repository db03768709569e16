/* sim/scenario_commission.c: the cloud's half of commissioning inside a
 * scenario (docs/scenarios.md#ble): blobs made the way the reference cloud
 * makes them (tools/lampcloud/commission_blob.c), from the scenario
 * fleet's registry, and checks of what a lamp's info says.  With these a
 * script can make honest blobs, and dishonest ones byte by byte. */
#include "scenario.h"

#include "commission_blob.h"
#include "lamp_keys.h"

#include <lauxlib.h>
#include <string.h>

static const char *opt_string(lua_State *L, int t, const char *key, const char *def)
{
    const char *v;
    lua_getfield(L, t, key);
    v = luaL_optstring(L, -1, def);
    lua_pop(L, 1);
    return v;
}

static lua_Integer opt_integer(lua_State *L, int t, const char *key, lua_Integer def)
{
    lua_Integer v;
    lua_getfield(L, t, key);
    v = luaL_optinteger(L, -1, def);
    lua_pop(L, 1);
    return v;
}

/* The registry of the fleet value at stack index idx (a scenario.fleet()
 * table, a directory, or nil for scenario.fleet()); the path is pushed
 * and stays on the stack. */
static const char *registry_of(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_isnoneornil(L, idx)) {
        lua_getglobal(L, "scenario");
        lua_getfield(L, -1, "fleet");
        lua_call(L, 0, 1);
        lua_replace(L, -2);
    } else {
        lua_pushvalue(L, idx);
    }
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "dir");
        lua_replace(L, -2);
    }
    luaL_checkstring(L, -1);
    lua_pushfstring(L, "%s/registry.sqlite", lua_tostring(L, -1));
    lua_replace(L, -2);
    return lua_tostring(L, -1);
}

/* K(n) of a lamp, from its registry row (K(row n)) moved forward. */
static void key_at(lua_State *L, const char *registry, const char *serial, uint32_t n,
                   uint8_t key[COMMISSION_KEY_LEN])
{
    g_autoptr(GError) error = NULL;
    struct lamp_key row;

    if (!lamp_key_read(registry, serial, &row, &error))
        luaL_error(L, "registry %s: %s", registry, error->message);
    if (row.status == REGISTRY_UNKNOWN)
        luaL_error(L, "lamp %s is not in %s", serial, registry);
    if (n < row.n)
        luaL_error(L, "the registry is at n=%d for %s: K(%d) is gone", (int)row.n, serial, (int)n);
    if (!commission_key_derive(row.key, row.n, n, key, &error))
        luaL_error(L, "deriving K(%d): %s", (int)n, error->message);
}

/* scenario.commission_blob{fleet=, serial=, n=, nonce=, ssid=, passphrase=,
 * proxy=, key_of=} -> bytes.  key_of: make it under another lamp's key
 * (a forgery that is well formed).  Every other field defaults sensibly
 * (fleet: scenario.fleet(), n: 0, ssid "site", passphrase "site-passphrase"). */
static int l_commission_blob(lua_State *L)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = NULL;
    uint8_t key[COMMISSION_KEY_LEN];
    const char *serial, *nonce, *key_of, *registry;
    size_t nonce_len;
    lua_Integer n;
    struct commission_wifi wifi;
    gsize len;
    const void *p;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "fleet");
    registry = registry_of(L, -1);
    serial = opt_string(L, 1, "serial", NULL);
    key_of = opt_string(L, 1, "key_of", serial);
    n = opt_integer(L, 1, "n", 0);
    wifi.ssid = opt_string(L, 1, "ssid", "site");
    wifi.passphrase = opt_string(L, 1, "passphrase", "site-passphrase");
    wifi.proxy = opt_string(L, 1, "proxy", NULL);
    lua_getfield(L, 1, "nonce");
    nonce = luaL_checklstring(L, -1, &nonce_len);
    luaL_argcheck(L, serial, 1, "serial= is required");
    luaL_argcheck(L, nonce_len == COMMISSION_NONCE_LEN, 1, "nonce= must be the 16 bytes lamp info showed");
    luaL_argcheck(L, n >= 0 && n <= (lua_Integer)UINT32_MAX, 1, "n= must be 0..2^32-1");
    key_at(L, registry, key_of, (uint32_t)n, key);
    blob = commission_blob_build(key, serial, (uint32_t)n, (const uint8_t *)nonce, &wifi, &error);
    memset(key, 0, sizeof(key));
    if (!blob)
        return luaL_error(L, "commission_blob: %s", error->message);
    p = g_bytes_get_data(blob, &len);
    lua_pushlstring(L, p, len);
    return 1;
}

/* scenario.lamp_info(bytes [, fleet]) -> {version, flags, serial, n, nonce,
 * proof, proof_ok}: proof_ok says whether the proof verifies under K(n)
 * from the fleet's registry (default scenario.fleet()): the lamp's key and
 * its n are consistent. */
static int l_lamp_info(lua_State *L)
{
    size_t len;
    const uint8_t *b = (const uint8_t *)luaL_checklstring(L, 1, &len);
    char serial[COMMISSION_SERIAL16 + 1];
    uint32_t n;
    uint8_t key[COMMISSION_KEY_LEN];
    const char *registry;

    luaL_argcheck(L, len == COMMISSION_INFO_LEN, 1, "lamp info is 56 bytes");
    lua_settop(L, 2); /* the fleet, or nil: index 2 either way */
    memcpy(serial, b + COMMISSION_INFO_OFF_SERIAL, COMMISSION_SERIAL16);
    serial[COMMISSION_SERIAL16] = 0;
    memcpy(&n, b + COMMISSION_INFO_OFF_N, sizeof(n));
    n = GUINT32_FROM_LE(n);
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, b[COMMISSION_INFO_OFF_VERSION]);
    lua_setfield(L, -2, "version");
    lua_pushinteger(L, b[COMMISSION_INFO_OFF_FLAGS]);
    lua_setfield(L, -2, "flags");
    lua_pushstring(L, serial);
    lua_setfield(L, -2, "serial");
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "n");
    lua_pushlstring(L, (const char *)b + COMMISSION_INFO_OFF_NONCE, COMMISSION_NONCE_LEN);
    lua_setfield(L, -2, "nonce");
    lua_pushlstring(L, (const char *)b + COMMISSION_INFO_OFF_PROOF, COMMISSION_PROOF_LEN);
    lua_setfield(L, -2, "proof");
    registry = registry_of(L, 2);
    key_at(L, registry, serial, n, key);
    lua_pushboolean(L, commission_info_proof_ok(key, b, b + COMMISSION_INFO_OFF_PROOF));
    memset(key, 0, sizeof(key));
    lua_setfield(L, -3, "proof_ok");
    lua_pop(L, 1); /* the registry path */
    return 1;
}

/* scenario.commissioning: the commissioning service's UUIDs, as
 * commission_format.h names them. */
static void push_uuids(lua_State *L)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, COMMISSION_SERVICE_UUID);
    lua_setfield(L, -2, "SERVICE");
    lua_pushstring(L, COMMISSION_INFO_UUID);
    lua_setfield(L, -2, "INFO");
    lua_pushstring(L, COMMISSION_CREDS_UUID);
    lua_setfield(L, -2, "CREDS");
    lua_pushstring(L, COMMISSION_STATUS_UUID);
    lua_setfield(L, -2, "STATUS");
}

void scenario_commission_open(lua_State *L)
{
    lua_getglobal(L, "scenario");
    push_uuids(L);
    lua_setfield(L, -2, "commissioning");
    lua_pushcfunction(L, l_commission_blob);
    lua_setfield(L, -2, "commission_blob");
    lua_pushcfunction(L, l_lamp_info);
    lua_setfield(L, -2, "lamp_info");
    lua_pop(L, 1);
}
