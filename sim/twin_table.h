/* sim/twin_table.h: the twin records of one worker's lamps
 * (docs/twin.md#how-it-is-kept).  Polling every lamp every period would
 * cost more than the idle lamps themselves (a record is read from a dozen
 * cold structures: about 1.4 us a lamp), so the worker refreshes, every
 * period, the lamps whose machine notified a change
 * (machine_set_change_notify: the firmware's SYSCTL registers, light,
 * flash, power, resets, faults, link) and a slice of all of them, so that
 * counters that move without a notification are never older than
 * TWIN_SWEEP_MS.  Records and their sums are updated under a lock: a
 * reader on another thread copies what it needs under it and never waits
 * for a lamp, nor a lamp for it.  Watchers on the event hub hear of
 * records that changed, when somebody listens. */
#ifndef LAMPSIM_SIM_TWIN_TABLE_H
#define LAMPSIM_SIM_TWIN_TABLE_H

#include "event_hub.h"
#include "twin.h"

#include "sysctl_hw.h"

/* Buckets of the connect-to-online latency histogram, in seconds. */
#define TWIN_LATENCY_BUCKETS 11
/* Every lamp's record is read at least this often (ms). */
#define TWIN_SWEEP_MS 30000
extern const double twin_latency_bounds[TWIN_LATENCY_BUCKETS];

/* A worker's lamps summed.  Counters include lamps removed since. */
struct twin_totals {
    guint lamps;
    guint by_power[MACHINE_HALTED + 1];     /* enum machine_state */
    guint by_netstate[SYSCTL_NETSTATE_COUNT];
    guint running, commissioned, link_up, lit;
    uint64_t connects, tls_full, tls_resumed, tls_failed, mqtt_rx, mqtt_tx, drops;
    uint64_t reconnects;                    /* times online again after the first */
    uint64_t link_failures[LF_REASONS];     /* SYSCTL LINKFAIL, by reason */
    uint64_t latency_buckets[TWIN_LATENCY_BUCKETS]; /* cumulative by bound, as Prometheus */
    uint64_t latency_count;
    double latency_sum_s;
    uint64_t resets, watchdog_resets, lockup_resets, cpu_faults;
    uint64_t injected[TWIN_INJ_COUNT];
    guint crash_records_by_type[8];         /* in the lamps' logs now */
    uint64_t host_lag_us, lamp_cpu_ns, instructions, bytes_in, bytes_out;
    double power_w, energy_wh;
    uint64_t refreshes;
    uint64_t refresh_ns;                    /* host time the refreshes took */
};

struct twin_table;

/* worker: the index records carry; hub (or NULL): who hears of changes. */
struct twin_table *twin_table_new(unsigned worker, struct event_hub *hub);
void twin_table_free(struct twin_table *t);

/* On the worker's thread: */
/* Starts refreshing every period_ms on the thread's default context. */
void twin_table_start(struct twin_table *t, guint period_ms);
/* Stops refreshing and hears no more of the lamps' changes (before the
 * lamps are freed). */
void twin_table_stop(struct twin_table *t);
void twin_table_add(struct twin_table *t, struct lamp *lamp, guint index);
void twin_table_remove(struct twin_table *t, struct lamp *lamp);
void twin_table_refresh(struct twin_table *t);
/* Counts a fault injected into the lamp (the twin's faults.injected). */
void twin_table_count_injected(struct twin_table *t, struct lamp *lamp, enum twin_injected what);

/* Any thread: */
/* Appends copies of every record to out (a GArray of struct twin_record). */
void twin_table_copy(struct twin_table *t, GArray *out);
/* The record of lamp index; false when the table has no such lamp. */
bool twin_table_get(struct twin_table *t, guint index, struct twin_record *out);
void twin_table_totals(struct twin_table *t, struct twin_totals *out);

#endif
