/* sim/scenario.h: `lampsim scenario`: Lua 5.4 scripts that drive lamps and
 * assert, with TAP output (docs/scenarios.md).  The pieces: the TAP
 * assertions (scenario_tap.c), the lamp objects (scenario_lamp.c), the
 * factory and image helpers (scenario_factory.c), and the command that runs
 * each file in its own temporary directory (scenario_cmd.c). */
#ifndef LAMPSIM_SIM_SCENARIO_H
#define LAMPSIM_SIM_SCENARIO_H

#include <glib.h>
#include <lua.h>
#include <stdbool.h>
#include <stdint.h>

/* What one running scenario file shares with its Lua bindings. */
struct scenario {
    const char *file;        /* the script, as given */
    char *tmpdir;            /* its private directory, removed afterwards */
    uint64_t seed;           /* lamps are deterministic, seeded from this */
    unsigned lamps_made;
    unsigned images_made;
    /* TAP */
    unsigned *test_number;   /* shared across files: one TAP stream */
    unsigned failed;
    unsigned passed;
};

/* The struct scenario of a Lua state. */
struct scenario *scenario_of(lua_State *L);

/* Registers ok, is, isnt, like, diag, note as globals. */
void scenario_tap_open(lua_State *L);
/* One TAP result line; message may be NULL. */
void scenario_tap_result(struct scenario *sc, bool pass, const char *name, const char *why);
void scenario_tap_diag(const char *text);

/* Registers the `lamp` constructor in the `scenario` table. */
void scenario_lamp_open(lua_State *L);
/* Registers scenario.fleet, new_fleet, sign, firmware paths. */
void scenario_factory_open(lua_State *L);
/* Registers scenario.commission_blob and scenario.lamp_info. */
void scenario_commission_open(lua_State *L);

#endif
