/* emu/rr.h: record and replay as the machine and its models see them
 * (docs/debugging.md#record-and-replay).  Whatever reaches a machine from
 * outside goes through here: an input (console bytes, the room, a fault
 * injected, a socket becoming ready) is noted against the instruction
 * count it arrives at; an answer (what the host returned to a model while
 * the lamp ran: entropy, the wall clock, a socket call's result) is noted
 * in order, and on replay the model takes it back instead of asking the
 * host.  record.c writes, replay.c reads; neither is active on most
 * machines, and then these calls cost a test. */
#ifndef LAMPSIM_EMU_RR_H
#define LAMPSIM_EMU_RR_H

#include "replay_log.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

bool rr_recording(const struct machine *m);
bool rr_replaying(const struct machine *m);
/* Recording: an input that reached m from outside, now. */
void rr_note_input(struct machine *m, uint32_t kind, const void *p, size_t len);
/* Recording: what the host answered a model. */
void rr_note_answer(struct machine *m, uint32_t kind, const void *p, size_t len);
/* Replaying: the next recorded answer, which must be of this kind; NULL
 * when the recording has none there (the divergence is reported and the
 * machine stops). */
const uint8_t *rr_take_answer(struct machine *m, uint32_t kind, size_t *len);

/* Replaying: the run differs from the recording (what, at this
 * instruction count): reported, and the machine stops. */
void rr_diverged(struct machine *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Host answers every model takes through here. */
/* Entropy from the host (getrandom); false when the host has none. */
bool rr_host_entropy(struct machine *m, void *buf, size_t len);
/* Host wall-clock time, ns since the Unix epoch. */
uint64_t rr_host_wall_ns(struct machine *m);
/* A number of width bytes (1..8) the host gave (kind says which),
 * recorded or taken back: live asks the host when not replaying. */
uint64_t rr_host_number(struct machine *m, uint32_t kind, unsigned width,
                        uint64_t (*live)(void *), void *arg);

#endif
