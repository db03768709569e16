/* sim/serve_metrics.h: `lampsim serve`'s /metrics page (docs/metrics.md):
 * the fleet's twin totals, summed from each worker's table (no per-lamp
 * labels: a scrape costs the same whatever the fleet's size, beyond the
 * workers' refreshes), the process's CPU and memory, and each worker
 * thread's CPU, lamps and lag. */
#ifndef LAMPSIM_SIM_SERVE_METRICS_H
#define LAMPSIM_SIM_SERVE_METRICS_H

#include "fleet.h"

#include <glib.h>

/* What the service itself counts, for the page. */
struct serve_counters {
    guint64 requests, client_errors, events_sent, events_dropped;
    guint sse_clients;
};

/* The page, in Prometheus's text format. */
GString *serve_metrics_page(struct fleet *f, const struct serve_counters *c);

#endif
