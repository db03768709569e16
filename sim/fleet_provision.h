/* sim/fleet_provision.h: `lampsim fleet`'s first phase: every lamp
 * directory of the fleet that holds no lamp yet is provisioned, all of
 * them at once on a few threads, before any machine is made. */
#ifndef LAMPSIM_SIM_FLEET_PROVISION_H
#define LAMPSIM_SIM_FLEET_PROVISION_H

#include "lamp.h"
#include "shard.h"

#include <glib.h>
#include <stdbool.h>

/* STATE_DIR/lamp-NNNN, lamp i's directory. */
char *fleet_lamp_dir(const char *state_dir, guint i);

struct fleet_provision_report {
    guint new_lamps; /* provisioned in this run */
    guint threads;
    double wall_s;
};

/* Provisions the lamps of shard (NULL: every lamp) of a fleet of
 * fleet_size whose directories hold none yet.  Lamp i's serial is the
 * one seed cfg->seed + i gives when cfg->seeded; in a sharded fleet
 * without a seed, the one the fleet's device CA certificate and i give
 * (the same in every shard, so no two shards share a serial); otherwise
 * random and unused in the fleet's registry.  A serial already in the
 * registry is re-provisioned in the first two cases (it is that lamp's).
 * Progress and each failing lamp go to standard error; lamps made before
 * a failure stay made (the next run boots them). */
bool fleet_provision(const struct lamp_config *cfg, const char *state_dir,
                     const struct shard *shard, guint fleet_size, guint threads,
                     struct fleet_provision_report *out, GError **error);

#endif
