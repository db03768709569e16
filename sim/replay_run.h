/* sim/replay_run.h: `lampsim run --replay FILE`: a recorded run, repeated
 * with no peer (docs/debugging.md#record-and-replay). */
#ifndef LAMPSIM_SIM_REPLAY_RUN_H
#define LAMPSIM_SIM_REPLAY_RUN_H

#include "lamp.h"

/* Exit statuses of a replay (lampsim run --help). */
enum {
    REPLAY_EXIT_MATCHED = 0,   /* the run repeated to the recording's end */
    REPLAY_EXIT_CUT_SHORT = 1, /* it repeated up to where the recording stops */
    REPLAY_EXIT_BAD = 2,       /* unusable recording or state directory */
    REPLAY_EXIT_DIVERGED = 3,  /* the run differed: the report says where */
};

/* Lays the recording's starting flash and OTP into cfg->state_dir (which
 * must hold no lamp), makes the lamp with the recorded configuration and
 * replays the recording into it, its console on stdout; the outcome on
 * stderr.  cfg gives the state directory and log mask only. */
int replay_run(const char *path, const struct lamp_config *cfg);

#endif
