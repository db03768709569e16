/* sim/fleet_setup.h: the phases `lampsim fleet` and `lampsim serve` share
 * before their own work: options checked (sim_options.h), the host's
 * limits, the state directory locked, new lamps provisioned, then the
 * fleet made and booted. */
#ifndef LAMPSIM_SIM_FLEET_SETUP_H
#define LAMPSIM_SIM_FLEET_SETUP_H

#include "fleet.h"
#include "fleet_provision.h"
#include "sim_options.h"

struct ble_medium;
struct net_env;
struct state_fleet_lock;

struct fleet_setup {
    struct lamp_options lamp;
    struct fleet_options fleet;
    struct lamp_config cfg;         /* checked; points into lamp and below */
    struct net_env *env;
    struct ble_medium *medium;      /* the lamps' air (freed after them) */
    struct state_fleet_lock *lock;
    struct fleet_provision_report prov;
    double provision_cpu_s;
};

void fleet_setup_init(struct fleet_setup *s);
/* Adds the shared options to ctx (kind: fleet or serve). */
void fleet_setup_add_options(struct fleet_setup *s, GOptionContext *ctx, enum sim_cmd_kind kind);
/* After parsing: checks the options (errors are usage errors, code
 * SIM_ERROR_ARGS) and fills s->cfg. */
bool fleet_setup_check(struct fleet_setup *s, enum sim_cmd_kind kind, GError **error);
/* The host's limits, the lock on the state directory, the BLE socket,
 * and every lamp the state directory lacks provisioned (s->prov). */
bool fleet_setup_prepare(struct fleet_setup *s, GError **error);
/* Makes the fleet on its threads, keeps its twin when twin_ms > 0 (hub:
 * who hears of changes), and boots the lamps, each watched by fn. */
struct fleet *fleet_setup_start(struct fleet_setup *s, guint twin_ms, struct event_hub *hub,
                                lamp_line_fn fn, gpointer user_data, GError **error);
/* Frees what setup holds; the fleet goes first (fleet_free_saving). */
void fleet_setup_clear(struct fleet_setup *s);

/* The process's CPU time (user and system), in seconds. */
double fleet_setup_cpu_seconds(void);

#endif
