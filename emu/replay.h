/* emu/replay.h: replaying a recorded run (docs/debugging.md#record-and-replay).
 * The recording gives the lamp's starting flash and OTP and its
 * configuration; the caller makes a machine from them, attaches it, and
 * steps the replay, which runs the machine exactly to each recorded input
 * and delivers it there, takes host answers back from the recording, and
 * compares every checkpoint and the end. */
#ifndef LAMPSIM_EMU_REPLAY_H
#define LAMPSIM_EMU_REPLAY_H

#include "machine.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct replay;

/* How the recorded lamp started. */
struct replay_start {
    enum machine_time_mode time_mode;
    bool rng_seeded;
    uint64_t seed;
    uint32_t variant;              /* FLASH_STORE_VARIANT_* */
    struct machine_light_env env;
    char *name;
    GBytes *flash, *otp;
    uint8_t hash[32];              /* SHA-256 of flash and OTP */
};

enum replay_state {
    REPLAY_RUNNING,
    REPLAY_DONE,        /* the end was reached and matched */
    REPLAY_CUT_SHORT,   /* the recording stops without its end (the run crashed) */
    REPLAY_DIVERGED,    /* the run differs from the recording (replay_message) */
    REPLAY_BAD_FILE,    /* a corrupted record (replay_message) */
};

/* Opens path and reads its start record. */
struct replay *replay_open(const char *path, GError **error);
const struct replay_start *replay_get_start(const struct replay *rp);
/* m must be new, powered off, made from the start (the recording powers
 * it on). */
bool replay_attach(struct replay *rp, struct machine *m, GError **error);
/* What runs the machine between inputs: machine_run by default; a
 * caller with hooks around each slice (sim's lamp_run: a GDB server
 * watching for the halts it asked for) gives its own. */
typedef enum machine_state (*replay_run_fn)(void *user, uint64_t max_insns);
void replay_set_runner(struct replay *rp, replay_run_fn run, void *user);
/* Replays up to about max_insns instructions; the state after.  A
 * machine halted by its debug port (debug_port.h) stays REPLAY_RUNNING:
 * step again once it is resumed. */
enum replay_state replay_step(struct replay *rp, uint64_t max_insns);
/* What happened: the divergence, with its instruction count, or a
 * summary. */
const char *replay_message(const struct replay *rp);
uint64_t replay_inputs_applied(const struct replay *rp);
void replay_free(struct replay *rp);

#endif
