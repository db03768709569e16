/* sim/scenario_factory.c: fleets and signed images for scenarios, made by
 * the lampfactory program exactly as a fleet owner would make them. */
#include "scenario.h"

#include "config.h"
#include "sim_error.h"

#include <lauxlib.h>
#include <string.h>

/* $LAMPSIM_LAMPFACTORY, else the one built next to lampsim. */
static const char *lampfactory_path(void)
{
    const char *env = g_getenv("LAMPSIM_LAMPFACTORY");
    return env && *env ? env : LAMPSIM_LAMPFACTORY;
}

/* Runs lampfactory with argv (argv[0] is the subcommand); the error
 * carries the tool's own message. */
static bool run_lampfactory(const char *const *argv, GError **error)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autofree char *std_err = NULL;
    gint status;

    g_ptr_array_add(args, (gpointer)lampfactory_path());
    for (const char *const *a = argv; *a; a++)
        g_ptr_array_add(args, (gpointer)*a);
    g_ptr_array_add(args, NULL);
    if (!g_spawn_sync(NULL, (char **)args->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                      NULL, &std_err, &status, error)) {
        g_prefix_error(error, "running %s: ", lampfactory_path());
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_strstrip(std_err);
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE, "lampfactory %s failed: %s", argv[0],
                    *std_err ? std_err : "(no message)");
        return false;
    }
    return true;
}

static void push_fleet(lua_State *L, const char *dir)
{
    lua_newtable(L);
    lua_pushstring(L, dir);
    lua_setfield(L, -2, "dir");
}

/* scenario.fleet() -> the scenario's copy of the build's development fleet
 * (same keys, private registry); made once per scenario. */
static int l_fleet(lua_State *L)
{
    struct scenario *sc = scenario_of(L);
    g_autofree char *dir = g_build_filename(sc->tmpdir, "fleet", NULL);
    g_autoptr(GError) error = NULL;
    const char *argv[] = { "cp", "-a", LAMPSIM_DEV_FLEET_DIR, dir, NULL };
    gint status;

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                          NULL, &status, &error) ||
            !g_spawn_check_wait_status(status, &error))
            return luaL_error(L, "fleet: copying %s: %s", LAMPSIM_DEV_FLEET_DIR, error->message);
    }
    push_fleet(L, dir);
    return 1;
}

/* scenario.new_fleet(name) -> a fleet with its own new trust material
 * (RSA-4096 key generation: seconds). */
static int l_new_fleet(lua_State *L)
{
    struct scenario *sc = scenario_of(L);
    const char *name = luaL_checkstring(L, 1);
    g_autofree char *dir = NULL;
    g_autoptr(GError) error = NULL;

    if (!*name || strchr(name, '/'))
        return luaL_error(L, "new_fleet: name '%s' must be a plain file name", name);
    dir = g_build_filename(sc->tmpdir, name, NULL);
    const char *argv[] = { "fleet-init", "--fleet", dir, "--name", name, NULL };
    if (!run_lampfactory(argv, &error))
        return luaL_error(L, "new_fleet %s: %s", name, error->message);
    push_fleet(L, dir);
    return 1;
}

static const char *field(lua_State *L, const char *key, const char *def)
{
    const char *v;

    lua_getfield(L, 1, key);
    v = lua_isnil(L, -1) ? def : luaL_checkstring(L, -1);
    lua_pop(L, 1);
    return v;
}

/* scenario.sign{version=, epoch=, fleet= | key= and enc_key=, input=, out=}
 * -> path of the signed update image. */
static int l_sign(lua_State *L)
{
    struct scenario *sc = scenario_of(L);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *fleet = NULL, *out = NULL, *epoch = NULL;
    const char *version, *key, *enc_key, *input;

    luaL_checktype(L, 1, LUA_TTABLE);
    version = field(L, "version", NULL);
    if (!version)
        return luaL_error(L, "sign: version= is required");
    lua_getfield(L, 1, "epoch");
    epoch = g_strdup_printf("%lld", (long long)luaL_checkinteger(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, 1, "fleet");
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "dir");
        fleet = g_strdup(luaL_checkstring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    key = field(L, "key", NULL);
    enc_key = field(L, "enc_key", NULL);
    input = field(L, "input", LAMPSIM_FIRMWARE_DIR "/app.bin");
    out = g_strdup(field(L, "out", NULL));
    if (!out)
        out = g_strdup_printf("%s/app-%s-e%s-%u.img", sc->tmpdir, version, epoch, ++sc->images_made);
    if (!fleet && !(key && enc_key)) {
        lua_getglobal(L, "scenario");
        lua_getfield(L, -1, "fleet");
        lua_call(L, 0, 1);
        lua_getfield(L, -1, "dir");
        fleet = g_strdup(lua_tostring(L, -1));
        lua_pop(L, 3);
    }
    g_ptr_array_add(argv, "sign");
    if (fleet && !(key && enc_key)) {
        g_ptr_array_add(argv, "--fleet");
        g_ptr_array_add(argv, fleet);
    }
    if (key) {
        g_ptr_array_add(argv, "--key");
        g_ptr_array_add(argv, (char *)key);
    }
    if (enc_key) {
        g_ptr_array_add(argv, "--enc-key");
        g_ptr_array_add(argv, (char *)enc_key);
    }
    g_ptr_array_add(argv, "--version");
    g_ptr_array_add(argv, (char *)version);
    g_ptr_array_add(argv, "--epoch");
    g_ptr_array_add(argv, epoch);
    g_ptr_array_add(argv, (char *)input);
    g_ptr_array_add(argv, out);
    g_ptr_array_add(argv, NULL);
    if (!run_lampfactory((const char *const *)argv->pdata, &error))
        return luaL_error(L, "sign %s epoch %s: %s", version, epoch, error->message);
    lua_pushstring(L, out);
    return 1;
}

/* The fleet= table's directory, else the scenario's development fleet. */
static char *fleet_dir_arg(lua_State *L)
{
    char *dir;

    lua_getfield(L, 1, "fleet");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_getglobal(L, "scenario");
        lua_getfield(L, -1, "fleet");
        lua_call(L, 0, 1);
        lua_remove(L, -2);
    }
    lua_getfield(L, -1, "dir");
    dir = g_strdup(luaL_checkstring(L, -1));
    lua_pop(L, 2);
    return dir;
}

/* scenario.sign_app{name=, version=, source=, apis=, memory=, ..., fleet=,
 * key=, out=} -> path of a package made by `lampfactory sign-app` from a
 * manifest of these fields (defaults: a small light app) and source (Lua
 * text). */
static int l_sign_app(lua_State *L)
{
    struct scenario *sc = scenario_of(L);
    g_autoptr(GError) error = NULL;
    g_autofree char *fleet = NULL, *manifest = NULL, *base = NULL, *man_path = NULL,
                    *src_path = NULL, *out = NULL;
    const char *name, *version, *source, *key;

    luaL_checktype(L, 1, LUA_TTABLE);
    name = field(L, "name", "nightlight");
    version = field(L, "version", "1.0.0");
    source = field(L, "source", "log('hello from ' .. 'nightlight')\n");
    key = field(L, "key", NULL);
    fleet = fleet_dir_arg(L);
    manifest = g_strdup_printf(
        "name = %s\nversion = %s\napis = %s\nmemory = %s\ninstructions_per_callback = %s\n"
        "instructions_per_second = %s\nmessages_per_minute = %s\nstorage = %s\ntimers = %s\n",
        name, version, field(L, "apis", "light, sensors, storage, log"), field(L, "memory", "12288"),
        field(L, "instructions_per_callback", "100000"),
        field(L, "instructions_per_second", "1000000"), field(L, "messages_per_minute", "0"),
        field(L, "storage", "512"), field(L, "timers", "0"));
    base = g_strdup_printf("%s/app-%s-%s-%u", sc->tmpdir, name, version, ++sc->images_made);
    man_path = g_strconcat(base, ".conf", NULL);
    src_path = g_strconcat(base, ".lua", NULL);
    out = g_strdup(field(L, "out", NULL));
    if (!out)
        out = g_strconcat(base, ".lpk", NULL);
    if (!g_file_set_contents(man_path, manifest, -1, &error) ||
        !g_file_set_contents(src_path, source, -1, &error))
        return luaL_error(L, "sign_app %s: %s", name, error->message);
    const char *argv[] = { "sign-app", "--fleet", fleet, man_path, src_path, "-o", out,
                           key ? "--key" : NULL, key, NULL };
    if (!run_lampfactory(argv, &error))
        return luaL_error(L, "sign_app %s %s: %s", name, version, error->message);
    lua_pushstring(L, out);
    return 1;
}

void scenario_factory_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "fleet", l_fleet }, { "new_fleet", l_new_fleet }, { "sign", l_sign },
        { "sign_app", l_sign_app }, { NULL, NULL },
    };
    struct scenario *sc = scenario_of(L);

    lua_getglobal(L, "scenario");
    luaL_setfuncs(L, fns, 0);
    lua_newtable(L);
    lua_pushstring(L, LAMPSIM_FIRMWARE_DIR "/app.bin");
    lua_setfield(L, -2, "app_bin");
    lua_pushstring(L, LAMPSIM_FIRMWARE_DIR "/app.img");
    lua_setfield(L, -2, "app_img");
    lua_pushstring(L, LAMPSIM_FIRMWARE_DIR "/bootloader.bin");
    lua_setfield(L, -2, "bootloader");
    lua_setfield(L, -2, "firmware");
    lua_pushstring(L, sc->tmpdir);
    lua_setfield(L, -2, "tmpdir");
    lua_pop(L, 1);
}
