/* sim/workers.h: the threads a fleet runs on.  Each worker is a thread with
 * its own GMainContext, lamp scheduler and CPU cores (machine_core); a lamp
 * is made on a worker and stays there for its whole life, so nothing of a
 * lamp is ever touched by two threads.  Other threads reach a worker's
 * lamps only through worker_call (docs/emulator.md#threads). */
#ifndef LAMPSIM_SIM_WORKERS_H
#define LAMPSIM_SIM_WORKERS_H

#include "scheduler.h"

#include <glib.h>

struct workers;
struct worker;
typedef struct workers workers; /* for g_autoptr(workers) */

/* Starts n worker threads (n >= 1). */
struct workers *workers_new(unsigned n, GError **error);
/* Stops and joins the threads; their lamps must be gone (worker_call). */
void workers_free(struct workers *ws);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(workers, workers_free)

unsigned workers_count(const struct workers *ws);
struct worker *workers_get(struct workers *ws, unsigned i);
unsigned worker_index(const struct worker *w);

typedef void (*worker_fn)(struct worker *w, gpointer data);
/* Runs fn(w, data) on w's thread and returns when it has. */
void worker_call(struct worker *w, worker_fn fn, gpointer data);
/* The same on every worker at once; returns when all have. */
void workers_call_all(struct workers *ws, worker_fn fn, gpointer data);

/* On the worker's thread only: */
struct scheduler *worker_scheduler(struct worker *w);
/* A core with room for one more lamp, made when the last one is full. */
struct machine_core *worker_core(struct worker *w, GError **error);
/* Host CPU time this worker's thread has used, in ns. */
uint64_t worker_cpu_ns(struct worker *w);

/* The number of host CPUs this process may run on (the default thread
 * count). */
unsigned workers_default_count(void);

#endif
