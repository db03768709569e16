/* sim/checkpoints.h: lamps' flash and OTP saved to their state directories
 * every interval while they run (machine_sync: only those that changed).
 * The interval bounds what a host crash loses while few lamps change at
 * once (each tick spends at most a tenth of it: more changing lamps than
 * fit wait for the next ticks, in turn); each checkpoint is whole
 * (emu/flash_store.h), so the loss looks to the firmware like a power cut
 * that came that much earlier (docs/robustness.md#host-crashes).  A set
 * belongs to one thread: the one whose thread-default GMainContext was
 * current when it was made (a fleet's worker, lampsim run's main thread),
 * and its lamps are that thread's. */
#ifndef LAMPSIM_SIM_CHECKPOINTS_H
#define LAMPSIM_SIM_CHECKPOINTS_H

#include "lamp.h"

#include <glib.h>

/* The default interval, in ms. */
#define CHECKPOINT_INTERVAL_MS 1000u

struct checkpoints;

/* A checkpoint of lamp failed (error says which file and why); called
 * again at every interval until one succeeds.  The handler stops the
 * lamp: one that ran on would drift from what its state directory keeps. */
typedef void (*checkpoint_failed_fn)(struct lamp *lamp, const GError *error, gpointer user_data);

struct checkpoints *checkpoints_new(guint interval_ms, checkpoint_failed_fn failed,
                                    gpointer user_data);
void checkpoints_add(struct checkpoints *c, struct lamp *lamp);
/* Before the lamp is freed (its final save is the caller's). */
void checkpoints_remove(struct checkpoints *c, struct lamp *lamp);
void checkpoints_free(struct checkpoints *c);

/* The handler for lamps in a fleet: a lamp that runs is powered off, the
 * reason on its log (lampsim[SERIAL] info: power off: ...); powered on
 * again (lampsim serve's power_on) before its state could be saved, it is
 * switched off again at the next interval. */
void checkpoints_power_off(struct lamp *lamp, const GError *error, gpointer user_data);

#endif
