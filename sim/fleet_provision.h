/* sim/fleet_provision.h: `lampsim fleet`'s first phase: every lamp
 * directory of the fleet that holds no lamp yet is provisioned, all of
 * them at once on a few threads, before any machine is made. */
#ifndef LAMPSIM_SIM_FLEET_PROVISION_H
#define LAMPSIM_SIM_FLEET_PROVISION_H

#include "lamp.h"

#include <glib.h>
#include <stdbool.h>

/* STATE_DIR/lamp-NNNN, lamp i's directory. */
char *fleet_lamp_dir(const char *state_dir, guint i);

struct fleet_provision_report {
    guint new_lamps; /* provisioned in this run */
    guint threads;
    double wall_s;
};

/* Lamp i is seeded with cfg->seed + i when cfg->seeded; unseeded lamps
 * get random serials unused in the fleet's registry.  Progress and each
 * failing lamp go to standard error; lamps made before a failure stay
 * made (the next run boots them). */
bool fleet_provision(const struct lamp_config *cfg, const char *state_dir, guint count,
                     guint threads, struct fleet_provision_report *out, GError **error);

#endif
