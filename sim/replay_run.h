/* sim/replay_run.h: `lampsim run --replay FILE`: a recorded run, repeated
 * with no peer (docs/debugging.md#record-and-replay). */
#ifndef LAMPSIM_SIM_REPLAY_RUN_H
#define LAMPSIM_SIM_REPLAY_RUN_H

#include "lamp.h"

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses of a replay (lampsim run --help). */
enum {
    REPLAY_EXIT_MATCHED = 0,   /* the run repeated to the recording's end */
    REPLAY_EXIT_CUT_SHORT = 1, /* it repeated up to where the recording stops */
    REPLAY_EXIT_BAD = 2,       /* unusable recording or state directory */
    REPLAY_EXIT_DIVERGED = 3,  /* the run differed: the report says where */
};

/* --gdb with --replay: where to serve GDB (host NULL: no server). */
struct replay_gdb {
    const char *host;
    uint16_t port;
    bool wait;      /* --gdb-wait: halted at the reset vector until GDB continues */
};

/* Lays the recording's starting flash and OTP into cfg->state_dir (which
 * must hold no lamp), makes the lamp with the recorded configuration and
 * replays the recording into it, its console on stdout, under GDB when
 * gdb->host is set; the outcome on stderr.  cfg gives the state directory
 * and log mask only. */
int replay_run(const char *path, const struct lamp_config *cfg, const struct replay_gdb *gdb);

#endif
