/* sim/lamp_action.h: what can be done to a running lamp from outside
 * (docs/api.md#actions): the function-level API that `lampsim serve`'s
 * HTTP handlers and a load profile's runner both call.  A request is
 * parsed and checked first, on any thread (lamp_action_parse: every
 * failure names the field, the value and what is allowed), then applied
 * on the lamp's worker (lamp_action_apply, through fleet_call). */
#ifndef LAMPSIM_SIM_LAMP_ACTION_H
#define LAMPSIM_SIM_LAMP_ACTION_H

#include "lamp.h"
#include "machine.h"
#include "twin_table.h"

#include <glib.h>
#include <stdbool.h>

enum lamp_action_kind {
    LAMP_ACT_POWER_ON,    /* {} */
    LAMP_ACT_POWER_OFF,   /* {}: the lamp's state saved, then power removed */
    LAMP_ACT_POWER_CUT,   /* {} now, or {"after_flash_ops": N, "torn": bool} */
    LAMP_ACT_REBOOT,      /* {}: a power cycle (cold boot) */
    LAMP_ACT_CONSOLE,     /* {"line": "..."}: typed at the next prompt */
    LAMP_ACT_ENVIRONMENT, /* {"daylight_lux", "occupied", "ambient_temp_c", "motion"}: any of them */
    LAMP_ACT_SENSOR,      /* {"sensor": "lux|pir|temp", "fault": "none|stuck|noisy|absent"} */
    LAMP_ACT_NET,         /* {"fault": "latency", "ms": N} | {"fault": "drop"|"link_loss"}
                             | {"fault": "refuse"|"stall", "on": bool} */
    LAMP_ACT_UPDATE,      /* {"image": "/path/app.img"}: the console update transfer */
    LAMP_ACT_COMMISSION,  /* {"ssid": "...", "passphrase": "..."}: the console's `wifi` */
    LAMP_ACT_COUNT,
};

struct lamp_action {
    enum lamp_action_kind kind;
    char *text;                 /* console line, image path, or SSID */
    char *passphrase;
    /* environment: the members given */
    bool set_lux, set_occupied, set_temp, motion;
    double lux, temp_c;
    bool occupied;
    enum machine_light_sensor sensor;
    enum machine_light_fault fault;
    enum machine_net_fault net;
    uint32_t arg;               /* latency ms, refuse/stall on, flash op */
    bool torn;
};

/* The action's name in the API ("power_on", ...), and back (-1: none). */
const char *lamp_action_name(enum lamp_action_kind kind);
int lamp_action_from_name(const char *name);

/* Parses the JSON body (NULL or "" is {}) of action name into out; false
 * with SIM_ERROR_ARGS and a message naming the field otherwise. */
bool lamp_action_parse(const char *name, const char *body, struct lamp_action *out,
                       GError **error);
void lamp_action_clear(struct lamp_action *a);

/* On the lamp's worker: does it.  twin (or NULL) counts injected faults.
 * Fails only for what the lamp's state refuses (an update already
 * running, an image that cannot be read). */
bool lamp_action_apply(struct lamp *lamp, struct twin_table *twin, const struct lamp_action *a,
                       GError **error);
/* On the lamp's worker, before it is freed: ends what an action left
 * running on it (an update transfer). */
void lamp_action_forget(struct lamp *lamp);

#endif
