/* sim/fleet_action.h: one lamp action on many lamps (docs/api.md#fleet-wide-actions):
 * which lamps (all, those in a network or power state, a number or a
 * fraction of them chosen at random), then the action (lamp_action.h)
 * applied on each lamp's worker through fleet_call.  POST
 * /api/fleet/actions/NAME and a load profile's storms, campaigns, waves
 * and churn all go through here. */
#ifndef LAMPSIM_SIM_FLEET_ACTION_H
#define LAMPSIM_SIM_FLEET_ACTION_H

#include "fleet.h"
#include "lamp_action.h"

#include <glib.h>
#include <stdbool.h>

/* Which lamps; all zero: every lamp of the fleet. */
struct fleet_pick {
    bool by_network, by_power;
    uint32_t network;          /* SYSCTL_NETSTATE_*, when by_network */
    enum machine_state power;  /* when by_power */
    guint count;               /* at most this many (0: no bound) */
    double fraction;           /* this share, rounded up (0: no bound) */
};

struct fleet_action {
    struct lamp_action action;
    struct fleet_pick pick;
};

/* Parses a request body: the action name's members plus an optional
 * "lamps": {"network", "power", "count" | "fraction"}.  Every failure
 * names its field (lamps.count: ...). */
bool fleet_action_parse(const char *name, const char *body, struct fleet_action *out,
                        GError **error);
void fleet_action_clear(struct fleet_action *fa);

/* The indices of the lamps pick chooses now, in index order; rng picks
 * among them when a count or fraction bounds them (NULL: GLib's global
 * generator).  State filters read the twin as last refreshed, so a lamp
 * without a record yet matches no filter. */
GArray *fleet_pick_lamps(struct fleet *f, const struct fleet_pick *pick, GRand *rng);

struct fleet_action_result {
    guint applied, failed;     /* lamps gone meanwhile count as neither */
    GError *first_error;       /* the first lamp's refusal, with its serial */
};
/* Applies a on every lamp of lamps (guint indices), one after another. */
void fleet_action_apply(struct fleet *f, const GArray *lamps, const struct lamp_action *a,
                        struct fleet_action_result *res);
void fleet_action_result_clear(struct fleet_action_result *res);

#endif
