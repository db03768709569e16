/* sim/serve_metrics.c: the /metrics page (serve_metrics.h). */
#include "serve_metrics.h"

#include "crash_format.h"
#include "link_failure_reasons.h"
#include "prom_text.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void sum_totals(struct twin_totals *sum, const struct twin_totals *t)
{
    sum->lamps += t->lamps;
    for (unsigned i = 0; i < G_N_ELEMENTS(t->by_power); i++)
        sum->by_power[i] += t->by_power[i];
    for (unsigned i = 0; i < SYSCTL_NETSTATE_COUNT; i++)
        sum->by_netstate[i] += t->by_netstate[i];
    sum->running += t->running;
    sum->commissioned += t->commissioned;
    sum->link_up += t->link_up;
    sum->lit += t->lit;
    sum->connects += t->connects;
    sum->tls_full += t->tls_full;
    sum->tls_resumed += t->tls_resumed;
    sum->tls_failed += t->tls_failed;
    sum->mqtt_rx += t->mqtt_rx;
    sum->mqtt_tx += t->mqtt_tx;
    sum->drops += t->drops;
    sum->reconnects += t->reconnects;
    for (unsigned i = 0; i < LF_REASONS; i++)
        sum->link_failures[i] += t->link_failures[i];
    for (unsigned i = 0; i < TWIN_LATENCY_BUCKETS; i++)
        sum->latency_buckets[i] += t->latency_buckets[i];
    sum->latency_count += t->latency_count;
    sum->latency_sum_s += t->latency_sum_s;
    sum->resets += t->resets;
    sum->watchdog_resets += t->watchdog_resets;
    sum->lockup_resets += t->lockup_resets;
    sum->cpu_faults += t->cpu_faults;
    for (unsigned i = 0; i < TWIN_INJ_COUNT; i++)
        sum->injected[i] += t->injected[i];
    for (unsigned i = 0; i < G_N_ELEMENTS(t->crash_records_by_type); i++)
        sum->crash_records_by_type[i] += t->crash_records_by_type[i];
    sum->host_lag_us += t->host_lag_us;
    sum->lamp_cpu_ns += t->lamp_cpu_ns;
    sum->bytes_in += t->bytes_in;
    sum->bytes_out += t->bytes_out;
    sum->power_w += t->power_w;
    sum->energy_wh += t->energy_wh;
}

/* A family with one sample and no labels. */
static void one(GString *out, const char *name, const char *type, const char *help, double v)
{
    prom_family(out, name, type, help);
    prom_sample(out, name, NULL, v);
}

static void one_label(GString *out, const char *name, const char *key, const char *value, double v)
{
    const char *labels[] = { key, value, NULL };
    prom_sample(out, name, labels, v);
}

static double process_rss_bytes(void)
{
    g_autofree char *statm = NULL;
    long pages = 0;

    if (g_file_get_contents("/proc/self/statm", &statm, NULL, NULL))
        sscanf(statm, "%*d %ld", &pages);
    return (double)pages * sysconf(_SC_PAGESIZE);
}

static void fleet_section(GString *out, const struct twin_totals *s)
{
    static const char *const power[] = { "off", "runnable", "sleeping", "locked-up", "halted" };
    static const char *const crash_types[] = CRASH_TYPE_NAMES;
    static const char *const link_failure_names[] = LINK_FAILURE_NAMES;

    one(out, "lampsim_lamps", "gauge", "Lamps in the fleet now", s->lamps);
    prom_family(out, "lampsim_lamps_by_power", "gauge", "Lamps by their machine's power state");
    for (unsigned i = 0; i < G_N_ELEMENTS(power); i++)
        one_label(out, "lampsim_lamps_by_power", "power", power[i], s->by_power[i]);
    prom_family(out, "lampsim_lamps_by_network_state", "gauge",
                "Lamps by their firmware's cloud connection state (SYSCTL NETSTATE)");
    for (unsigned i = 0; i < SYSCTL_NETSTATE_COUNT; i++)
        one_label(out, "lampsim_lamps_by_network_state", "state", twin_netstate_name(i),
                  s->by_netstate[i]);
    one(out, "lampsim_lamps_running", "gauge", "Lamps whose application runs its main loop",
        s->running);
    one(out, "lampsim_lamps_commissioned", "gauge", "Lamps that hold WiFi credentials",
        s->commissioned);
    one(out, "lampsim_lamps_wifi_linked", "gauge", "Lamps joined to an access point", s->link_up);
    one(out, "lampsim_lamps_lit", "gauge", "Lamps emitting light", s->lit);
    one(out, "lampsim_connects_total", "counter", "TCP connections the lamps opened", s->connects);
    prom_family(out, "lampsim_tls_handshakes_total", "counter",
                "TLS handshakes of the lamps' cloud connections by result");
    one_label(out, "lampsim_tls_handshakes_total", "result", "full", s->tls_full);
    one_label(out, "lampsim_tls_handshakes_total", "result", "resumed", s->tls_resumed);
    one_label(out, "lampsim_tls_handshakes_total", "result", "failed", s->tls_failed);
    prom_family(out, "lampsim_connect_to_online_seconds", "histogram",
                "Virtual time from a connection's dial (DNS, TCP, TLS) to MQTT online");
    prom_histogram(out, "lampsim_connect_to_online_seconds", NULL, twin_latency_bounds,
                   s->latency_buckets, TWIN_LATENCY_BUCKETS, s->latency_sum_s, s->latency_count);
    prom_family(out, "lampsim_mqtt_messages_total", "counter", "MQTT PUBLISH packets by direction");
    one_label(out, "lampsim_mqtt_messages_total", "direction", "in", s->mqtt_rx);
    one_label(out, "lampsim_mqtt_messages_total", "direction", "out", s->mqtt_tx);
    one(out, "lampsim_connection_drops_total", "counter", "Online cloud connections the lamps lost",
        s->drops);
    one(out, "lampsim_reconnects_total", "counter",
        "Times a lamp came online again after its first time", s->reconnects);
    prom_family(out, "lampsim_link_failures_total", "counter",
                "The lamps' failed server connections by reason (SYSCTL LINKFAIL; "
                "docs/cloud.md#why-a-connection-failed)");
    for (unsigned i = 0; i < LF_REASONS; i++)
        one_label(out, "lampsim_link_failures_total", "reason", link_failure_names[i],
                  s->link_failures[i]);
    prom_family(out, "lampsim_faults_injected_total", "counter", "Faults injected through the API by type");
    for (unsigned i = 0; i < TWIN_INJ_COUNT; i++)
        one_label(out, "lampsim_faults_injected_total", "type", twin_injected_name(i), s->injected[i]);
    prom_family(out, "lampsim_crash_records", "gauge",
                "The lamps' own crash records (resets, not the app VM's faults) by fault type");
    for (unsigned i = 1; i < CRASH_TYPE_COUNT; i++)
        one_label(out, "lampsim_crash_records", "type", crash_types[i], s->crash_records_by_type[i]);
    one(out, "lampsim_cpu_faults_total", "counter", "Fault exceptions the lamps' CPUs took",
        s->cpu_faults);
    one(out, "lampsim_resets_total", "counter", "Resets of the lamps, power-on included", s->resets);
    one(out, "lampsim_watchdog_resets_total", "counter", "Resets the lamps' watchdogs caused",
        s->watchdog_resets);
    one(out, "lampsim_lockup_resets_total", "counter", "Resets after a core lockup", s->lockup_resets);
    one(out, "lampsim_host_lag_seconds_total", "counter",
        "Host time taken off the lamps' clocks because the host could not run them on time",
        s->host_lag_us / 1e6);
    one(out, "lampsim_lamp_cpu_seconds_total", "counter", "Host CPU spent running the lamps' machines",
        s->lamp_cpu_ns / 1e9);
    prom_family(out, "lampsim_network_bytes_total", "counter", "Bytes the lamps' sockets moved");
    one_label(out, "lampsim_network_bytes_total", "direction", "in", s->bytes_in);
    one_label(out, "lampsim_network_bytes_total", "direction", "out", s->bytes_out);
    one(out, "lampsim_light_power_watts", "gauge", "Electrical power of the lamps' LED drivers",
        s->power_w);
    /* in joules: Prometheus wants base units (promtool refuses hours) */
    one(out, "lampsim_light_energy_joules", "gauge",
        "Energy the lamps in the fleet used since their last power-on", s->energy_wh * 3600);
}

static void worker_section(GString *out, struct fleet *f, const struct twin_totals *per)
{
    unsigned n = fleet_threads(f);
    char w[16];

    prom_family(out, "lampsim_worker_cpu_seconds_total", "counter", "Host CPU of each worker thread");
    for (unsigned i = 0; i < n; i++) {
        g_snprintf(w, sizeof(w), "%u", i);
        one_label(out, "lampsim_worker_cpu_seconds_total", "worker", w,
                  fleet_worker_cpu_ns(f, i) / 1e9);
    }
    prom_family(out, "lampsim_worker_lamps", "gauge", "Lamps on each worker thread");
    for (unsigned i = 0; i < n; i++) {
        g_snprintf(w, sizeof(w), "%u", i);
        one_label(out, "lampsim_worker_lamps", "worker", w, per[i].lamps);
    }
    prom_family(out, "lampsim_worker_host_lag_seconds_total", "counter",
                "Host lag of each worker thread's lamps");
    for (unsigned i = 0; i < n; i++) {
        g_snprintf(w, sizeof(w), "%u", i);
        one_label(out, "lampsim_worker_host_lag_seconds_total", "worker", w,
                  per[i].host_lag_us / 1e6);
    }
    prom_family(out, "lampsim_worker_twin_refresh_seconds_total", "counter",
                "Host CPU each worker spent refreshing its lamps' twin records");
    for (unsigned i = 0; i < n; i++) {
        g_snprintf(w, sizeof(w), "%u", i);
        one_label(out, "lampsim_worker_twin_refresh_seconds_total", "worker", w,
                  per[i].refresh_ns / 1e9);
    }
}

GString *serve_metrics_page(struct fleet *f, const struct serve_counters *c)
{
    unsigned n = fleet_threads(f);
    g_autofree struct twin_totals *per = g_new0(struct twin_totals, n);
    struct twin_totals sum = { 0 };
    GString *out = g_string_sized_new(8192);
    struct rusage ru;

    for (unsigned i = 0; i < n; i++) {
        fleet_twin_totals(f, i, &per[i]);
        sum_totals(&sum, &per[i]);
    }
    fleet_section(out, &sum);
    worker_section(out, f, per);
    getrusage(RUSAGE_SELF, &ru);
    one(out, "process_cpu_seconds_total", "counter", "CPU time of the lampsim process",
        ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    one(out, "process_resident_memory_bytes", "gauge", "Resident memory of the lampsim process",
        process_rss_bytes());
    one(out, "lampsim_api_requests_total", "counter", "HTTP requests the service answered",
        c->requests);
    one(out, "lampsim_api_client_errors_total", "counter", "Requests answered with a 4xx status",
        c->client_errors);
    one(out, "lampsim_events_sent_total", "counter", "Events written to event-stream clients",
        c->events_sent);
    one(out, "lampsim_events_dropped_total", "counter",
        "Events dropped because the queue or a slow client was full", c->events_dropped);
    one(out, "lampsim_event_stream_clients", "gauge", "Event-stream clients connected", c->sse_clients);
    return out;
}
