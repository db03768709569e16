/* emu/record.h: the recorder's side of the machine (record.c), for
 * machine.c, rr.c and replay.c.  The public calls are in machine.h. */
#ifndef LAMPSIM_EMU_RECORD_H
#define LAMPSIM_EMU_RECORD_H

#include "machine.h"

#include <glib.h>
#include <stdint.h>

/* A checkpoint is written at the end of the first slice this many
 * instructions after the last one (about 70 ms of a busy CPU). */
#define RECORD_CHECK_INSNS (8u * 1000 * 1000)

void record_input(struct machine *m, uint32_t kind, const void *p, size_t len);
void record_answer(struct machine *m, uint32_t kind, const void *p, size_t len);
/* At the end of a machine_run: a checkpoint when one is due. */
void record_slice_end(struct machine *m);
/* The time jumped (sleep_skipped_ns changed): an RR_TIME input. */
void record_time_jumped(struct machine *m);
/* Realtime: moves the clock up to the host's when it is more than min_ns
 * behind it, recording the jump. */
void record_resync(struct machine *m, uint64_t min_ns);
/* Realtime: a lamp the host runs faster than 120 MHz gets ahead of the
 * host clock; past RECORD_PACE_LEAD_NS it waits, as if asleep, until the
 * host reaches its time (true: stop the slice). */
#define RECORD_PACE_LEAD_NS 10000000ull
bool record_pace(struct machine *m);
/* What a checkpoint holds (PC, time, console), appended to b. */
void record_state(struct machine *m, GByteArray *b);
/* SHA-256 of flash and OTP. */
void record_flash_hash(struct machine *m, uint8_t out[32]);
void record_put_env(GByteArray *b, const struct machine_light_env *env);
/* Drops an unfinished recording (machine_free). */
void record_free(struct machine *m);

#endif
