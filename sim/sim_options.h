/* sim/sim_options.h: the options that make lamps, declared and checked
 * once for `lampsim run`, `lampsim fleet` and `lampsim serve` (struct
 * lamp_options), and the ones a fleet adds (struct fleet_options, fleet
 * and serve).  A command adds the groups it takes to its GOptionContext,
 * parses, then checks them into a struct lamp_config; every error names
 * the option, the value and the way out. */
#ifndef LAMPSIM_SIM_SIM_OPTIONS_H
#define LAMPSIM_SIM_SIM_OPTIONS_H

#include "lamp.h"
#include "light_options.h"
#include "shard.h"

#include <glib.h>
#include <stdbool.h>

enum sim_cmd_kind { SIM_CMD_RUN, SIM_CMD_FLEET, SIM_CMD_SERVE };

struct lamp_options {
    char *state_dir, *fleet_dir, *profile, *firmware_dir, *seed, *log, *cloud, *variant;
    char *ble_socket;
    char **console_input;
    struct light_options room;
    /* set by lamp_options_check, pointed to by the lamp_config */
    struct machine_light_env env;
    char *own_fleet_dir; /* run without --fleet: the state directory's copy */
};

struct fleet_options {
    int count, threads, provision_threads;
    char *ap;             /* SSID:PASSPHRASE */
    char *ap_in_range;    /* serve: SSID:PASSPHRASE, the credentials typed nowhere */
    gboolean console_log;
    struct shard_options shard_opts;
    enum sim_cmd_kind kind; /* set by fleet_options_add */
    /* set by fleet_options_check */
    struct shard shard;   /* the part of the fleet this process runs */
    guint lamps;          /* this shard's lamps of the --count */
};

void lamp_options_init(struct lamp_options *o);
void lamp_options_add(GOptionContext *ctx, struct lamp_options *o, enum sim_cmd_kind kind);
/* Checks the options and fills cfg (which points into o: keep o while cfg
 * is used).  networked: the lamps will reach a network (an access point),
 * which deterministic time (--seed) cannot serve: refused together. */
bool lamp_options_check(struct lamp_options *o, enum sim_cmd_kind kind, bool networked,
                        struct lamp_config *cfg, GError **error);
void lamp_options_clear(struct lamp_options *o);

void fleet_options_init(struct fleet_options *o);
void fleet_options_add(GOptionContext *ctx, struct fleet_options *o, enum sim_cmd_kind kind);
/* Checks them (and the shard: --shard, --shards or the environment,
 * shard.h); with --ap, the access point goes into env and cfg->net_env;
 * --console-log into cfg. */
bool fleet_options_check(struct fleet_options *o, struct lamp_config *cfg, struct net_env *env,
                         GError **error);
void fleet_options_clear(struct fleet_options *o);
/* The lamps have an access point in range (--ap or --ap-in-range): they
 * may reach a network, with the host limits and the realtime that needs. */
bool fleet_options_networked(const struct fleet_options *o);

/* The worker threads a fleet of count lamps gets by default. */
unsigned fleet_options_threads(const struct fleet_options *o);

#endif
