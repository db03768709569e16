/* sim/fleet.h: many lamps in one process, spread over worker threads
 * (workers.h): lamp i lives on worker i mod the thread count, on one of
 * its CPU cores.  Everything done to a lamp from outside goes through the
 * lamp's own worker, so the caller needs no locking; line watchers run on
 * the workers, concurrently (docs/emulator.md#threads). */
#ifndef LAMPSIM_SIM_FLEET_H
#define LAMPSIM_SIM_FLEET_H

#include "event_hub.h"
#include "lamp.h"
#include "shard.h"
#include "twin_table.h"
#include "workers.h"

struct fleet;
typedef struct fleet fleet; /* for g_autoptr(fleet) */

struct fleet *fleet_new(unsigned threads, GError **error);
/* Saves every lamp (machine_sync), frees them on their workers, stops the
 * workers.  The first failure to save is in *error if error is given. */
bool fleet_free_saving(struct fleet *f, GError **error);
static inline void fleet_free(struct fleet *f) { fleet_free_saving(f, NULL); }
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fleet, fleet_free)

/* Keeps a twin record of every lamp (twin_table.h), refreshed every
 * period_ms on the lamps' workers; changes go to hub (or nowhere).  Call
 * before fleet_boot. */
void fleet_keep_twin(struct fleet *f, guint period_ms, struct event_hub *hub);

/* Makes the lamps of shard (NULL: all) of a fleet of fleet_size in
 * state_dir/lamp-NNNN (NNNN the lamp's number in the whole fleet; lamp i
 * seeded with seed + i) on the workers, in parallel, each watched by fn,
 * and powers them on.  The shard's lamps are this fleet's lamps 0 ..
 * shard_lamp_count - 1 (fleet_lamp).  cfg is copied; its state_dir, seed
 * and core are set per lamp; the fleet keeps cfg for fleet_add, so it
 * must live as long as the fleet.  On failure the lamps made stay
 * (fleet_free frees them). */
bool fleet_boot(struct fleet *f, const struct lamp_config *cfg, const char *state_dir,
                const struct shard *shard, guint fleet_size, uint64_t seed, lamp_line_fn fn,
                gpointer user_data, GError **error);

/* Provisions and boots n more lamps (indices fleet_count.. on, *first the
 * first of them) the way fleet_boot made the others; blocks until they
 * are powered on. */
bool fleet_add(struct fleet *f, guint n, guint provision_threads, guint *first, GError **error);
/* Saves lamp index and frees it; its index is not used again. */
bool fleet_remove(struct fleet *f, guint index, GError **error);

/* Lamp indices made so far (removed lamps' included) and lamps there now. */
guint fleet_count(const struct fleet *f);
guint fleet_live(const struct fleet *f);
unsigned fleet_threads(const struct fleet *f);
/* The lamp, to read what is safe from any thread (its serial); NULL once
 * removed. */
struct lamp *fleet_lamp(struct fleet *f, guint i);
/* The index of the lamp with this serial, or -1 (the thread that adds and
 * removes lamps only). */
gint fleet_find(struct fleet *f, const char *serial);

/* Runs fn on lamp index's worker (twin: the worker's twin table, or NULL)
 * and waits; then its scheduler looks at its lamps again.  False when
 * there is no such lamp. */
typedef void (*fleet_call_fn)(struct lamp *lamp, struct twin_table *twin, gpointer data);
bool fleet_call(struct fleet *f, guint index, fleet_call_fn fn, gpointer data);
/* The same for what needs the lamp's worker itself (its scheduler, its
 * main context: a GDB server for the lamp). */
typedef void (*fleet_worker_fn)(struct worker *w, struct lamp *lamp, gpointer data);
bool fleet_call_worker(struct fleet *f, guint index, fleet_worker_fn fn, gpointer data);

/* Calls fn(lamp, data) for every lamp, each on its worker (workers run at
 * once), then has the schedulers look at every lamp again. */
typedef void (*fleet_lamp_fn)(struct lamp *lamp, gpointer data);
void fleet_each(struct fleet *f, fleet_lamp_fn fn, gpointer data);

/* What the lamps' machines have done so far, summed over the fleet. */
struct fleet_totals {
    uint64_t instructions, slice_ns, bytes_in, bytes_out, resets, host_lag_us;
    uint64_t tlb_fills, core_switches, cpu_entries, mmio_accesses;
    guint prompts_seen;     /* lamps at their prompt, their --console-input typed and answered */
};
void fleet_totals(struct fleet *f, struct fleet_totals *out);
/* Host CPU the workers' threads have used, in ns (all, or one). */
uint64_t fleet_workers_cpu_ns(struct fleet *f);
uint64_t fleet_worker_cpu_ns(struct fleet *f, unsigned worker);

/* The twin (fleet_keep_twin), from any thread, as last refreshed: every
 * record (a new GArray of struct twin_record, by worker), one lamp's, and
 * a worker's totals. */
GArray *fleet_twin_all(struct fleet *f);
bool fleet_twin_get(struct fleet *f, guint index, struct twin_record *out);
void fleet_twin_totals(struct fleet *f, unsigned worker, struct twin_totals *out);

#endif
