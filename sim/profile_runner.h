/* sim/profile_runner.h: a load profile (load_profile.h) run against a
 * served fleet from the main loop: a GLib timeout every
 * PROFILE_RUNNER_TICK_MS works out what is due since the start (a pure
 * function of the time: load_profile_due) and does it through the same
 * calls as the HTTP API: fleet_add for the ramp, lamp actions through
 * fleet_call (fleet_action.h) for churn, storms, campaigns and waves.
 * What it did is counted for /metrics and the summary; progress lines
 * go to the caller's log function. */
#ifndef LAMPSIM_SIM_PROFILE_RUNNER_H
#define LAMPSIM_SIM_PROFILE_RUNNER_H

#include "fleet.h"
#include "load_profile.h"

#include <glib.h>
#include <stdbool.h>

#define PROFILE_RUNNER_TICK_MS 100
#define PROFILE_RUNNER_MAX_ADD 50   /* lamps one tick adds at most: the API stays answered */

/* What the runner counts, per lamp it acted on: lamps the ramp added,
 * lamps churn switched off (churn.off_s > 0) and lamps it power-cycled
 * (back on after off_s, or rebooted at once), the storms' network faults,
 * updates begun, commission actions typed, telemetry periods typed. */
enum profile_act {
    PROFILE_ACT_LAMP_ADDED, PROFILE_ACT_POWER_OFF, PROFILE_ACT_POWER_CYCLE, PROFILE_ACT_NET_DROP,
    PROFILE_ACT_NET_REFUSE_ON, PROFILE_ACT_NET_REFUSE_OFF, PROFILE_ACT_UPDATE,
    PROFILE_ACT_COMMISSION, PROFILE_ACT_TELEMETRY, PROFILE_ACT_COUNT,
};
const char *profile_act_name(enum profile_act a);

struct profile_counts {
    guint64 done[PROFILE_ACT_COUNT], failed[PROFILE_ACT_COUNT];
    guint64 storms, events, cycles;    /* started so far */
    double elapsed_s;
    bool finished;
};

typedef void (*profile_log_fn)(const char *line, gpointer user_data);

struct profile_runner_config {
    struct fleet *fleet;
    bool networked;               /* lamps reach a cloud (host limits of the ramp) */
    guint provision_threads;
    profile_log_fn log;           /* progress lines */
    gpointer log_data;
};

struct profile_runner;

/* What the profile names on this host is there: each OTA event's image
 * is a readable file ("$.events[3].image: ..."). */
bool profile_runner_check_files(const struct load_profile *p, GError **error);

/* Takes the parsed profile (*p is emptied); fails as
 * profile_runner_check_files. */
struct profile_runner *profile_runner_new(struct load_profile *p,
                                          const struct profile_runner_config *cfg,
                                          GError **error);
/* Time 0 is now; runs on the thread-default main context. */
void profile_runner_start(struct profile_runner *r);
void profile_runner_free(struct profile_runner *r);

void profile_runner_counts(struct profile_runner *r, struct profile_counts *out);
/* Its families in Prometheus's text format (docs/profiles.md#metrics). */
void profile_runner_metrics(struct profile_runner *r, GString *page);

#endif
