/* sim/scenario_lamp.h: the scenario lamp object, shared by the files that
 * give it methods (scenario_lamp.c, scenario_ble.c, scenario_light.c). */
#ifndef LAMPSIM_SIM_SCENARIO_LAMP_H
#define LAMPSIM_SIM_SCENARIO_LAMP_H

#include "scenario.h"

#include "lamp.h"
#include "medium.h"
#include "net_env.h"
#include "update_sender.h"

#include <lauxlib.h>

#define LAMP_MT "lampsim.lamp"
#define DEFAULT_TIMEOUT_S 30.0

struct slamp {
    struct lamp *lamp;
    char *dir;
    GPtrArray *lines;       /* every console line, in order */
    guint cursor;           /* expect() searches from here */
    GPtrArray *allowed;     /* GBytes: what slot A may hold when entered */
    unsigned entries, violations;
    uint32_t last_violation_pc;
    struct update_sender *update;
    bool realtime;          /* networked: host time, main loop iterated */
    struct net_env *env;
    struct ble_medium *medium; /* the lamp's own air: scenario centrals are in process */
    GQueue notes;           /* struct ble_note *: notifications not yet taken */
    bool link_lost;         /* the lamp ended the BLE link */
};

/* The lamp argument 1 of a method (an error if closed). */
struct slamp *check_lamp(lua_State *L);

typedef bool (*done_fn)(struct slamp *sl, void *arg);
/* Runs the lamp until done, the virtual timeout, or a state that cannot
 * change by itself.  NULL when done, else why it stopped. */
const char *drive(struct slamp *sl, double timeout_s, done_fn done, void *arg);
/* The last n console lines, for failure messages. */
char *tail_of_console(struct slamp *sl, guint n);

/* scenario_ble.c: the in-process central's methods, added to methods. */
extern const luaL_Reg scenario_ble_methods[];
void scenario_ble_attach(struct slamp *sl);
void scenario_ble_detach(struct slamp *sl);

/* scenario_light.c: the room and the light engine's state, added to methods. */
extern const luaL_Reg scenario_light_methods[];

/* scenario_action.c: lamp:action(name, members), added to methods. */
extern const luaL_Reg scenario_action_methods[];

#endif
