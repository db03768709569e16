/* sim/scenario_cmd.c: `lampsim scenario FILE...`: runs Lua 5.4 scenario
 * scripts, each in its own Lua state and temporary directory, as one TAP
 * stream; exit status 1 if anything failed (docs/scenarios.md). */
#include "commands.h"

#include "scenario.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

static const char scenario_key = 0;

/* Helpers written in Lua itself: byte-level image surgery for the attack
 * scenarios. */
static const char prelude[] =
    "function scenario.read_file(path)\n"
    "  local f = assert(io.open(path, 'rb')); local d = f:read('a'); f:close(); return d\n"
    "end\n"
    "function scenario.write_file(name, data)\n"
    "  local path = name:find('/') and name or (scenario.tmpdir .. '/' .. name)\n"
    "  local f = assert(io.open(path, 'wb')); f:write(data); f:close(); return path\n"
    "end\n"
    "-- data with the byte at 0-based offset XORed with mask (default 1)\n"
    "function scenario.flip_byte(data, offset, mask)\n"
    "  assert(offset >= 0 and offset < #data, 'flip_byte: offset outside the data')\n"
    "  local b = data:byte(offset + 1) ~ (mask or 1)\n"
    "  return data:sub(1, offset) .. string.char(b) .. data:sub(offset + 2)\n"
    "end\n"
    "-- little-endian u32 at 0-based offset\n"
    "function scenario.u32(data, offset) return (string.unpack('<I4', data, offset + 1)) end\n"
    /* docs/scenarios.md#power-cuts */
    "function scenario.power_cut_sweep(t)\n"
    "  local probe = scenario.lamp{serial = t.serial .. '-PROBE', from = t.from}\n"
    "  t.start(probe)\n"
    "  local ops0 = probe:flash_ops()\n"
    "  t.act(probe)\n"
    "  if t.done then t.done(probe) end\n"
    "  local ops = probe:flash_ops() - ops0\n"
    "  ok(ops >= (t.min_ops or 1), t.what .. ' takes ' .. ops .. ' flash operations')\n"
    "  probe:close()\n"
    "  local n = {before = 0, after = 0}\n"
    "  for k = 1, ops do\n"
    "    local lamp = scenario.lamp{serial = t.serial .. '-' .. k, from = t.from}\n"
    "    t.start(lamp)\n"
    "    lamp:cut_power_at(k)\n"
    "    t.act(lamp)\n"
    "    lamp:run_for(t.settle or 2)\n"
    "    local was_cut = lamp:state() == 'off'\n"
    "    local started = t.start(lamp)\n"
    "    local outcome, said = t.outcome(lamp, started)\n"
    "    ok(was_cut and n[outcome] ~= nil, string.format('%s: cut at operation %d of %d: %s', t.what, k,\n"
    "       ops, was_cut and tostring(said) or 'the power was not cut'))\n"
    "    if n[outcome] then n[outcome] = n[outcome] + 1 end\n"
    "    if t.after then t.after(lamp, outcome, k) end\n"
    "    lamp:close()\n"
    "  end\n"
    "  ok(n.before > 0 and n.after > 0, string.format('%s: both outcomes happen (%d before, %d after)',\n"
    "     t.what, n.before, n.after))\n"
    "  return n\n"
    "end\n";

struct scenario *scenario_of(lua_State *L)
{
    struct scenario *sc;

    lua_rawgetp(L, LUA_REGISTRYINDEX, &scenario_key);
    sc = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return sc;
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
    return 1;
}

static bool remove_tree(const char *dir)
{
    const char *argv[] = { "rm", "-rf", "--", dir, NULL };
    gint status;

    return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                        &status, NULL) && g_spawn_check_wait_status(status, NULL);
}

static void run_file(const char *file, uint64_t seed, bool keep, unsigned *test_number,
                     unsigned *failed_files)
{
    struct scenario sc = { .file = file, .seed = seed, .test_number = test_number };
    g_autoptr(GError) error = NULL;
    lua_State *L;
    int rc;

    printf("# scenario %s\n", file);
    fflush(stdout);
    sc.tmpdir = g_dir_make_tmp("lampsim-scenario-XXXXXX", &error);
    if (!sc.tmpdir) {
        scenario_tap_result(&sc, false, file, error->message);
        (*failed_files)++;
        return;
    }
    L = luaL_newstate();
    luaL_openlibs(L);
    lua_pushlightuserdata(L, &sc);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &scenario_key);
    lua_newtable(L);
    lua_pushstring(L, file);
    lua_setfield(L, -2, "file");
    lua_setglobal(L, "scenario");
    scenario_tap_open(L);
    scenario_lamp_open(L);
    scenario_factory_open(L);
    scenario_commission_open(L);
    if (luaL_dostring(L, prelude) != LUA_OK) {
        fprintf(stderr, "lampsim scenario: internal prelude: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }

    lua_pushcfunction(L, traceback);
    rc = luaL_loadfile(L, file);
    if (rc == LUA_OK)
        rc = lua_pcall(L, 0, 0, -2);
    if (rc != LUA_OK) {
        g_autofree char *name = g_strdup_printf("%s ran to its end", file);
        scenario_tap_result(&sc, false, name, lua_tostring(L, -1));
    } else if (sc.passed + sc.failed == 0) {
        scenario_tap_result(&sc, false, file, "the scenario made no assertions");
    }
    lua_close(L); /* closes its lamps, saving their state */

    if (sc.failed)
        (*failed_files)++;
    if (keep || sc.failed) {
        printf("# %s: %u passed, %u failed; its lamps and images are kept in %s\n", file,
               sc.passed, sc.failed, sc.tmpdir);
    } else {
        printf("# %s: %u passed\n", file, sc.passed);
        if (!remove_tree(sc.tmpdir))
            fprintf(stderr, "lampsim scenario: could not remove %s\n", sc.tmpdir);
    }
    fflush(stdout);
    g_free(sc.tmpdir);
}

int cmd_scenario(int argc, char **argv)
{
    g_autofree char *seed_str = NULL;
    gboolean keep = FALSE;
    GOptionEntry entries[] = {
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_str,
          "Base seed of the lamps' RNGs (default 1): same seed, same run", "N" },
        { "keep", 0, 0, G_OPTION_ARG_NONE, &keep,
          "Keep each scenario's temporary directory (always kept when it failed)", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("FILE... - run Lua scenario scripts, report TAP");
    g_autoptr(GError) error = NULL;
    unsigned test_number = 0, failed_files = 0;
    uint64_t seed = 1;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "Each FILE runs in its own Lua 5.4 state and temporary directory; lamps\n"
        "run in deterministic time. The API (scenario.lamp, ok, is, like, ...) is\n"
        "in docs/scenarios.md. Output is TAP on standard output.\n\n"
        "Exit status: 0 when every assertion passed, 1 when any failed or a\n"
        "script stopped with an error, 2 for bad arguments.\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        return usage_error("scenario", error->message);
    if (argc < 2)
        return usage_error("scenario", "give at least one scenario FILE");
    if (seed_str) {
        char *end;
        seed = g_ascii_strtoull(seed_str, &end, 10);
        if (!*seed_str || *end)
            return usage_error("scenario", "--seed: not a decimal number");
    }
    for (int i = 1; i < argc; i++)
        if (!g_file_test(argv[i], G_FILE_TEST_IS_REGULAR)) {
            g_autofree char *msg = g_strdup_printf("%s: no such scenario file", argv[i]);
            return usage_error("scenario", msg);
        }

    printf("TAP version 13\n");
    for (int i = 1; i < argc; i++)
        run_file(argv[i], seed, keep, &test_number, &failed_files);
    printf("1..%u\n", test_number);
    if (failed_files)
        printf("# %u of %d scenario files failed\n", failed_files, argc - 1);
    return failed_files ? 1 : 0;
}
