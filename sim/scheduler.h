/* sim/scheduler.h: runs any number of lamps on one GMainContext, without a
 * thread per lamp.  A runnable lamp gets bounded slices in turn; a sleeping
 * lamp costs nothing until its next timer deadline (realtime mode) or has
 * its virtual clock moved straight to it (deterministic mode). */
#ifndef LAMPSIM_SIM_SCHEDULER_H
#define LAMPSIM_SIM_SCHEDULER_H

#include "lamp.h"

#define SCHEDULER_SLICE_INSNS 50000u

struct scheduler;
typedef struct scheduler scheduler; /* for g_autoptr(scheduler) */

struct scheduler *scheduler_new(GMainContext *ctx);
void scheduler_free(struct scheduler *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(scheduler, scheduler_free)

/* Adds a lamp (not owned); power it on before or after. */
void scheduler_add(struct scheduler *s, struct lamp *lamp);
/* Takes a lamp out (before it is freed). */
void scheduler_remove(struct scheduler *s, struct lamp *lamp);
/* Something outside happened to a lamp (console input, power on): look at
 * every lamp again at the next iteration. */
void scheduler_wake(struct scheduler *s);

#endif
