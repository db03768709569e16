/* sim/fleet_cmd.c: `lampsim fleet`: boot many lamps in one process, wait
 * until every console shows its prompt (after its --console-input lines,
 * typed and answered: they are setup), then let the fleet idle and report
 * what it cost.  With --ap, every lamp is then given the WiFi credentials
 * and the fleet is measured connecting to its cloud (full TLS handshakes),
 * idling connected, and with --drop, reconnecting after every connection
 * was reset (resumed handshakes).  The load-test building block and the
 * benchmark of bench/boot_fleet.sh and bench/tls_fleet.sh.  New lamps are
 * provisioned first, all at once (fleet_provision.c): bench/provision_fleet.sh. */
#include "commands.h"

#define CMD_NAME "fleet"

#include "bluez_exposure.h"
#include "fleet_setup.h"
#include "lamp.h"

#include <stdio.h>
#include <string.h>

/* What a lamp's machine has spent: at a point, or summed over windows. */
struct hs_cost {
    uint64_t ns, insns, entries, mmio, stores;
    guint n;
};

static struct hs_cost lamp_cost_now(struct lamp *lamp)
{
    struct machine_stats st;

    machine_get_stats(lamp_machine(lamp), &st);
    return (struct hs_cost){ lamp_cpu_ns(lamp), st.instructions, st.cpu_entries,
                             st.mmio_accesses, st.guest_stores, 0 };
}

static void add_window(struct hs_cost *sum, const struct hs_cost *from, const struct hs_cost *to)
{
    sum->ns += to->ns - from->ns;
    sum->insns += to->insns - from->insns;
    sum->entries += to->entries - from->entries;
    sum->mmio += to->mmio - from->mmio;
    sum->stores += to->stores - from->stores;
    sum->n++;
}

/* What the command watches while the fleet runs.  The line watcher runs on
 * the fleet's worker threads at once: counters are atomic, the handshake
 * windows under the lock. */
struct measure {
    GMainLoop *loop;
    struct fleet *fleet;
    guint count;
    guint booted;
    gint64 boot_started_us;
    int exit_code;
    bool idling;
    /* console lines counted over the whole fleet (atomic) */
    guint connected, full, resumed;
    /* CPU of each lamp's machine from "cloud: connecting" to its "tls:"
     * line (TCP connect and TLS handshake), summed per kind */
    GMutex lock;
    GHashTable *connecting_cpu; /* lamp -> struct hs_cost at "cloud: connecting" */
    struct hs_cost hs_full, hs_resumed;
    guint want_connected; /* the phase ends when connected reaches it */
    bool show_lamps;      /* print each lamp's milestones (BLE commissioning) */
    guint commissioned, commission_rejected; /* (atomic) */
};

/* Resident set size in KiB, from /proc/self/status. */
static long rss_kib(void)
{
    g_autofree char *status = NULL;
    const char *p;

    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return -1;
    p = strstr(status, "VmRSS:");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

/* Memory mappings of the process (vm.max_map_count bounds them). */
static long map_count(void)
{
    g_autofree char *maps = NULL;
    long n = 0;

    if (!g_file_get_contents("/proc/self/maps", &maps, NULL, NULL))
        return -1;
    for (const char *p = maps; *p; p++)
        n += *p == '\n';
    return n;
}

static void on_line(struct lamp *lamp, const char *line, gpointer user_data)
{
    struct measure *f = user_data;
    struct hs_cost *start;

    if (g_str_has_prefix(line, "commission: accepted")) {
        g_atomic_int_inc(&f->commissioned);
    } else if (g_str_has_prefix(line, "commission: rejected")) {
        g_atomic_int_inc(&f->commission_rejected);
    }
    if (f->show_lamps && (g_str_has_prefix(line, "commission: ") || g_str_has_prefix(line, "net: joined") ||
                          g_str_has_prefix(line, "net: join failed") || g_str_has_prefix(line, "tls: ") ||
                          g_str_has_prefix(line, "mqtt: ") || g_str_has_prefix(line, "cloud: ") ||
                          g_str_has_prefix(line, "reset cause: ") || g_str_has_prefix(line, "crash")))
        fprintf(stderr, "  %-14s %s\n", lamp_serial(lamp), line);
    if (g_str_has_prefix(line, "mqtt: connected as ")) {
        g_atomic_int_inc(&f->connected);
    } else if (g_str_has_prefix(line, "cloud: connecting to ")) {
        struct hs_cost *at = g_new(struct hs_cost, 1);
        *at = lamp_cost_now(lamp);
        g_mutex_lock(&f->lock);
        g_hash_table_replace(f->connecting_cpu, lamp, at);
        g_mutex_unlock(&f->lock);
    } else if (g_str_has_prefix(line, "tls: full handshake") ||
               g_str_has_prefix(line, "tls: session resumed")) {
        bool full = line[5] == 'f';
        struct hs_cost now = lamp_cost_now(lamp);
        g_atomic_int_inc(full ? &f->full : &f->resumed);
        g_mutex_lock(&f->lock);
        start = g_hash_table_lookup(f->connecting_cpu, lamp);
        if (start) {
            add_window(full ? &f->hs_full : &f->hs_resumed, start, &now);
            g_hash_table_remove(f->connecting_cpu, lamp);
        }
        g_mutex_unlock(&f->lock);
    }
}

static gboolean on_deadline(gpointer user_data);

static gboolean check_connected(gpointer user_data)
{
    struct measure *f = user_data;
    static guint last;
    guint base = f->want_connected - f->count; /* connections of earlier phases */
    guint connected = g_atomic_int_get(&f->connected);

    if (connected != last) {
        last = connected;
        fprintf(stderr, "lampsim fleet: %u/%u connections up\n", connected - base, f->count);
    }
    if (connected >= f->want_connected) {
        g_main_loop_quit(f->loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* A phase of a connected fleet's life: something is done to every lamp,
 * then the loop runs until each has connected once more (or the timeout).
 * What it cost: */
struct phase {
    double cpu_s, wall_s; /* the process's CPU, and wall time */
    uint64_t insns;       /* guest instructions, whole fleet */
    guint full, resumed;  /* handshake lines seen */
};

static uint64_t fleet_instructions(struct measure *f);

static void type_line(struct lamp *lamp, gpointer line)
{
    lamp_type(lamp, line, strlen(line));
}

static void drop_connections(struct lamp *lamp, gpointer unused)
{
    machine_net_fault(lamp_machine(lamp), MACHINE_NET_DROP, 0);
}

/* act (on every lamp, on its worker) may be NULL: the phase waits for
 * what others do (a central commissioning the lamps). */
static bool run_phase(struct measure *f, fleet_lamp_fn act, gpointer arg, double timeout_s,
                      struct phase *out)
{
    gint64 t0 = g_get_monotonic_time();
    uint64_t insns0 = fleet_instructions(f);
    guint full0 = g_atomic_int_get(&f->full), resumed0 = g_atomic_int_get(&f->resumed);
    guint want = g_atomic_int_get(&f->connected) + f->count, t;
    double cpu0 = fleet_setup_cpu_seconds();

    if (act)
        fleet_each(f->fleet, act, arg);
    f->want_connected = want;
    f->idling = false;
    g_timeout_add(100, check_connected, f);
    t = g_timeout_add((guint)(timeout_s * 1000), on_deadline, f);
    g_main_loop_run(f->loop);
    if (f->exit_code) {
        fprintf(stderr, "lampsim fleet: only %u of %u connections came up\n",
                f->connected, want);
        return false;
    }
    g_source_remove(t);
    *out = (struct phase){
        .cpu_s = fleet_setup_cpu_seconds() - cpu0,
        .wall_s = (g_get_monotonic_time() - t0) / 1e6,
        .insns = fleet_instructions(f) - insns0,
        .full = g_atomic_int_get(&f->full) - full0,
        .resumed = g_atomic_int_get(&f->resumed) - resumed0,
    };
    return true;
}

/* The lamps' own CPU from "cloud: connecting" to their "tls:" lines in
 * the phase just run (TCP connect and TLS handshake, emulated code and
 * models; not the rest of the fleet, not the MQTT session after it). */
static void report_window(const char *phase, const char *kind, const struct hs_cost *c)
{
    if (!c->n)
        return;
    printf("%s_tls_%s_handshakes: %u\n", phase, kind, c->n);
    printf("%s_tls_%s_handshake_cpu_ms: %.3f\n", phase, kind, c->ns / 1e6 / c->n);
    printf("%s_tls_%s_handshakes_per_cpu_s: %.3f\n", phase, kind, c->n / (c->ns / 1e9));
    printf("%s_tls_%s_handshake_guest_kinsn: %.1f\n", phase, kind, c->insns / 1e3 / c->n);
    printf("%s_tls_%s_handshake_cpu_entries: %.1f\n", phase, kind, (double)c->entries / c->n);
    printf("%s_tls_%s_handshake_mmio_accesses: %.1f\n", phase, kind, (double)c->mmio / c->n);
    if (c->stores)
        printf("%s_tls_%s_handshake_guest_stores: %.1f\n", phase, kind, (double)c->stores / c->n);
}

static void report_handshakes(struct measure *f, const char *phase)
{
    g_mutex_lock(&f->lock);
    report_window(phase, "full", &f->hs_full);
    report_window(phase, "resumed", &f->hs_resumed);
    f->hs_full = f->hs_resumed = (struct hs_cost){ 0 };
    g_mutex_unlock(&f->lock);
}

static uint64_t fleet_instructions(struct measure *f)
{
    struct fleet_totals t;
    fleet_totals(f->fleet, &t);
    return t.instructions;
}

static void report_net(struct measure *f, const char *phase)
{
    struct fleet_totals t;

    fleet_totals(f->fleet, &t);
    printf("%s_bytes_in_per_lamp: %.0f\n", phase, (double)t.bytes_in / f->count);
    printf("%s_bytes_out_per_lamp: %.0f\n", phase, (double)t.bytes_out / f->count);
}

/* What each lamp's light engine does, read on its worker. */
struct light_job {
    GMutex lock;
    GHashTable *state; /* struct lamp * -> struct machine_light_state * */
};

static void light_on_worker(struct lamp *lamp, gpointer data)
{
    struct light_job *job = data;
    struct machine_light_state *st = g_new(struct machine_light_state, 1);

    machine_light_state(lamp_machine(lamp), st);
    g_mutex_lock(&job->lock);
    g_hash_table_insert(job->state, lamp, st);
    g_mutex_unlock(&job->lock);
}

/* The fleet's light: lamps lit, total power and energy; with per_lamp a
 * line for each lamp too. */
static void report_light(struct measure *f, bool per_lamp)
{
    struct light_job job = { .state = g_hash_table_new_full(NULL, NULL, NULL, g_free) };
    double watts = 0, energy = 0;
    guint lit = 0;

    g_mutex_init(&job.lock);
    fleet_each(f->fleet, light_on_worker, &job);
    g_mutex_clear(&job.lock);
    for (guint i = 0; i < f->count; i++) {
        struct lamp *lamp = fleet_lamp(f->fleet, i);
        const struct machine_light_state *st = g_hash_table_lookup(job.state, lamp);
        if (!st)
            continue;
        lit += st->on;
        watts += st->watts;
        energy += st->energy_wh;
        if (per_lamp)
            printf("lamp_light: %s %s %.1f %% %.0f K %.2f W\n", lamp_serial(lamp),
                   st->on ? "on" : "off", st->level_pct, st->cct_k, st->watts);
    }
    printf("light_lamps_on: %u\n", lit);
    printf("light_power_w_total: %.2f\n", watts);
    printf("light_energy_wh_total: %.3f\n", energy);
    g_hash_table_destroy(job.state);
}

static gboolean check_booted(gpointer user_data)
{
    struct measure *f = user_data;
    struct fleet_totals t;
    guint booted;

    fleet_totals(f->fleet, &t);
    booted = t.prompts_seen;
    if (booted != f->booted) {
        f->booted = booted;
        fprintf(stderr, "lampsim fleet: %u/%u lamps at the console prompt\n",
                booted, f->count);
    }
    if (booted == f->count) {
        g_main_loop_quit(f->loop);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_deadline(gpointer user_data)
{
    struct measure *f = user_data;

    if (!f->idling) {
        fprintf(stderr, "lampsim fleet: --timeout reached with %u/%u lamps booted\n",
                f->booted, f->count);
        f->exit_code = 1;
    }
    g_main_loop_quit(f->loop);
    return G_SOURCE_REMOVE;
}

/* The options of the benchmark itself (the shared ones: fleet_setup.h). */
struct bench_options {
    gboolean drop, reconnect, count_stores, provision_only, lamp_lines;
    char *commission, *bluez, *bluez_serials;
    int bluez_lamps;
    double bluez_rotate, idle_s, settle_s, timeout_s;
    bool by_ble;
};

static void bench_options_add(GOptionContext *ctx, struct bench_options *b)
{
    GOptionEntry entries[] = {
        { "idle", 0, 0, G_OPTION_ARG_DOUBLE, &b->idle_s,
          "Seconds to let the booted fleet idle while measuring its CPU (default 10)", "SECONDS" },
        { "settle", 0, 0, G_OPTION_ARG_DOUBLE, &b->settle_s,
          "Seconds the booted fleet runs before the idle measurement starts, so that what "
          "boot and --console-input set going (a first sensor reading, an app's first "
          "event) is over (default 0)", "SECONDS" },
        { "drop", 0, 0, G_OPTION_ARG_NONE, &b->drop,
          "With --ap: after idling, reset every connection and measure the reconnection "
          "(resumed TLS sessions)", NULL },
        { "reconnect", 0, 0, G_OPTION_ARG_NONE, &b->reconnect,
          "With --ap: after idling, every lamp reconnects twice from its console (`net "
          "reconnect full`, then `net reconnect`): full and resumed handshakes with warm "
          "translation caches", NULL },
        { "commission", 0, 0, G_OPTION_ARG_STRING, &b->commission,
          "With --ap, how lamps get the WiFi credentials: console (default: typed into each "
          "lamp's console, a development stand-in) or ble (the fleet waits while a central, "
          "such as lampinstall on --ble-socket, commissions them; each lamp's progress is "
          "printed)", "HOW" },
        { "bluez", 0, 0, G_OPTION_ARG_STRING, &b->bluez,
          "Also show lamps through this host BlueZ adapter (e.g. hci0) for real phones "
          "(docs/ble.md#bluez); an adapter runs a few advertisements at once", "ADAPTER" },
        { "bluez-serials", 0, 0, G_OPTION_ARG_STRING, &b->bluez_serials,
          "With --bluez: only these lamps (comma-separated serials)", "LIST" },
        { "bluez-lamps", 0, 0, G_OPTION_ARG_INT, &b->bluez_lamps,
          "With --bluez: lamps shown at once (default: the adapter's advertisement slots)", "N" },
        { "bluez-rotate", 0, 0, G_OPTION_ARG_DOUBLE, &b->bluez_rotate,
          "With --bluez: every this many seconds the lamp shown longest gives way to the next",
          "SECONDS" },
        { "count-stores", 0, 0, G_OPTION_ARG_NONE, &b->count_stores,
          "Also count the guest's memory stores in each handshake (a diagnostic: every store "
          "then calls a hook, so CPU figures are not representative)", NULL },
        { "provision-only", 0, 0, G_OPTION_ARG_NONE, &b->provision_only,
          "Provision the lamps the state directory lacks, report what it cost, and exit "
          "without booting", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &b->timeout_s,
          "Exit 1 if the fleet has not booted after this many seconds (default 600)", "SECONDS" },
        { "lamp-lines", 0, 0, G_OPTION_ARG_NONE, &b->lamp_lines,
          "Also report each lamp's light (lamp_light: SERIAL on|off LEVEL % CCT K POWER W)", NULL },
        G_OPTION_ENTRY_NULL,
    };

    g_option_context_add_main_entries(ctx, entries, NULL);
}

static bool bench_options_check(struct bench_options *b, const struct fleet_setup *s,
                                const char **why)
{
    b->by_ble = b->commission && !strcmp(b->commission, "ble");
    *why = b->idle_s < 0 || b->settle_s < 0 || b->timeout_s <= 0
               ? "--idle and --settle must not be negative, --timeout must be positive"
         : (b->drop || b->reconnect) && !s->fleet.ap ? "--drop and --reconnect need --ap"
         : b->commission && !b->by_ble && strcmp(b->commission, "console")
             ? "--commission must be console or ble"
         : b->commission && !s->fleet.ap
             ? "--commission needs --ap (the network the lamps join)"
         : (b->bluez_serials || b->bluez_lamps || b->bluez_rotate > 0) && !b->bluez
             ? "--bluez-serials, --bluez-lamps and --bluez-rotate need --bluez"
         : b->bluez_lamps < 0 || b->bluez_rotate < 0
             ? "--bluez-lamps and --bluez-rotate cannot be negative"
         : b->by_ble && !s->lamp.ble_socket && !b->bluez
             ? "--commission ble needs --ble-socket or --bluez for the installer"
         : NULL;
    return *why == NULL;
}

static void bench_options_clear(struct bench_options *b)
{
    g_free(b->commission);
    g_free(b->bluez);
    g_free(b->bluez_serials);
}

static void report_provision(const struct fleet_setup *s)
{
    const struct fleet_provision_report *p = &s->prov;

    if (!p->new_lamps)
        return;
    printf("provisioned_lamps: %u\n", p->new_lamps);
    printf("provision_threads: %u\n", MIN(p->threads, p->new_lamps));
    printf("provision_wall_s: %.3f\n", p->wall_s);
    printf("provision_cpu_s: %.3f\n", s->provision_cpu_s);
    printf("provision_wall_ms_per_lamp: %.3f\n", p->wall_s * 1000 / p->new_lamps);
    printf("provision_cpu_ms_per_lamp: %.3f\n", s->provision_cpu_s * 1000 / p->new_lamps);
}

/* What booting cost, measured by boot_phase. */
struct boot_cost {
    long rss_before, rss_after, maps_before, maps_after;
    double cpu0, cpu1, wall_s;
};

/* Boots the fleet (shown on BlueZ with --bluez) and waits until every
 * console shows its prompt. */
static bool boot_phase(struct measure *f, struct fleet_setup *s, const struct bench_options *b,
                       struct bluez_exposure **shown, struct boot_cost *c)
{
    g_autoptr(GError) error = NULL;
    guint t;

    c->rss_before = rss_kib();
    c->maps_before = map_count();
    c->cpu0 = fleet_setup_cpu_seconds();
    f->boot_started_us = g_get_monotonic_time();
    f->fleet = fleet_setup_start(s, 0, NULL, on_line, f, &error);
    if (!f->fleet) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        f->exit_code = 2;
        return false;
    }
    if (b->bluez) {
        struct bluez_exposure_config bc = { b->bluez, b->bluez_serials, (guint)b->bluez_lamps,
                                            b->bluez_rotate };
        g_autofree struct lamp **lamps = g_new(struct lamp *, f->count);
        for (guint i = 0; i < f->count; i++)
            lamps[i] = fleet_lamp(f->fleet, i);
        *shown = bluez_exposure_new(s->medium, lamps, f->count, &bc, &error);
        if (!*shown) {
            fprintf(stderr, "lampsim fleet: --bluez: %s\n", error->message);
            f->exit_code = 2;
            return false;
        }
    }
    g_timeout_add(100, check_booted, f);
    t = g_timeout_add((guint)(b->timeout_s * 1000), on_deadline, f);
    g_main_loop_run(f->loop);
    g_source_remove(t);
    if (f->exit_code)
        return false;
    c->cpu1 = fleet_setup_cpu_seconds();
    c->wall_s = (g_get_monotonic_time() - f->boot_started_us) / 1e6;
    c->rss_after = rss_kib();
    c->maps_after = map_count();
    return true;
}

/* With --ap: every lamp gets the credentials (at its console, or from a
 * central over BLE) and the loop runs until each is connected. */
static bool connect_phase(struct measure *f, const struct fleet_setup *s,
                          const struct bench_options *b, struct boot_cost *c, struct phase *out)
{
    const char *sock = s->lamp.ble_socket;

    if (b->by_ble) {
        fprintf(stderr, "lampsim fleet: all booted and advertising; waiting for a central on %s%s%s "
                "to commission them\n", sock ? sock : "", sock && b->bluez ? " or " : "",
                b->bluez ? b->bluez : "");
        f->show_lamps = true;
        if (!run_phase(f, NULL, NULL, b->timeout_s, out))
            return false;
        f->show_lamps = false;
    } else {
        g_auto(GStrv) ap = g_strsplit(s->fleet.ap, ":", 2);
        g_autofree char *line = g_strdup_printf("wifi %s %s\r", ap[0], ap[1]);
        fprintf(stderr, "lampsim fleet: all booted; connecting to the cloud\n");
        if (!run_phase(f, type_line, line, b->timeout_s, out))
            return false;
    }
    c->rss_after = rss_kib();
    c->cpu1 = fleet_setup_cpu_seconds();
    return true;
}

/* Lets the fleet idle for --idle seconds and reports what booting and
 * idling cost. */
static void idle_phase(struct measure *f, const struct fleet_setup *s, const struct bench_options *b,
                       const struct boot_cost *c)
{
    struct fleet_totals idle0, idle1;
    double idle_s = b->idle_s, cpu1 = c->cpu1, cpu2;
    uint64_t idle_insns, idle_slice_ns;

    f->idling = true;
    if (b->settle_s > 0) {
        fprintf(stderr, "lampsim fleet: settling %.1f s\n", b->settle_s);
        g_timeout_add((guint)(b->settle_s * 1000), on_deadline, f);
        g_main_loop_run(f->loop);
        cpu1 = fleet_setup_cpu_seconds();
    }
    fprintf(stderr, "lampsim fleet: idling %.1f s\n", idle_s);
    fleet_totals(f->fleet, &idle0);
    g_timeout_add((guint)(idle_s * 1000), on_deadline, f);
    g_main_loop_run(f->loop);
    cpu2 = fleet_setup_cpu_seconds();
    fleet_totals(f->fleet, &idle1);
    idle_insns = idle1.instructions - idle0.instructions;
    idle_slice_ns = idle1.slice_ns - idle0.slice_ns;

    if (s->fleet.shard.sharded) {
        printf("shard: %u/%u\n", s->fleet.shard.index, s->fleet.shard.count);
        printf("fleet_lamps: %d\n", s->fleet.count);
    }
    printf("lamps: %u\n", f->count);
    printf("threads: %u\n", fleet_threads(f->fleet));
    printf("boot_wall_s: %.3f\n", c->wall_s);
    printf("boot_cpu_ms_per_lamp: %.3f\n", (c->cpu1 - c->cpu0) * 1000 / f->count);
    printf("rss_kib_per_lamp: %.0f\n", (double)(c->rss_after - c->rss_before) / f->count);
    printf("rss_kib_total: %ld\n", c->rss_after);
    /* FLEET_MAPS_PER_LAMP (fleet_limits.h) is this figure with a margin */
    printf("maps_per_lamp: %.2f\n", (double)(c->maps_after - c->maps_before) / f->count);
    printf("idle_s: %.1f\n", idle_s);
    printf("idle_cpu_percent_of_core: %.3f\n", idle_s > 0 ? (cpu2 - cpu1) * 100 / idle_s : 0.0);
    printf("idle_guest_kinsn_per_lamp_s: %.3f\n",
           idle_s > 0 ? idle_insns / 1e3 / f->count / idle_s : 0.0);
    /* The rest of the idle CPU is the main loop's: host I/O, scheduling. */
    printf("idle_lamp_slices_percent_of_core: %.3f\n",
           idle_s > 0 ? idle_slice_ns / 1e7 / idle_s : 0.0);
    if (idle_s > 0) {
        /* where an idle lamp's CPU goes, per lamp-second */
        double ls = f->count * idle_s;
        printf("idle_cpu_entries_per_lamp_s: %.2f\n", (idle1.cpu_entries - idle0.cpu_entries) / ls);
        printf("idle_core_switches_per_lamp_s: %.2f\n", (idle1.core_switches - idle0.core_switches) / ls);
        printf("idle_tlb_fills_per_lamp_s: %.2f\n", (idle1.tlb_fills - idle0.tlb_fills) / ls);
        printf("idle_mmio_accesses_per_lamp_s: %.2f\n", (idle1.mmio_accesses - idle0.mmio_accesses) / ls);
        printf("idle_slice_us_per_lamp_s: %.2f\n", idle_slice_ns / 1e3 / ls);
    }
}

static void report_connect(struct measure *f, const struct phase *connect)
{
    printf("connect_wall_s: %.3f\n", connect->wall_s);
    printf("connect_cpu_ms_per_lamp: %.3f\n", connect->cpu_s * 1000 / f->count);
    printf("full_handshakes: %u\n", connect->full);
    printf("full_handshakes_per_cpu_s: %.3f\n",
           connect->cpu_s > 0 ? connect->full / connect->cpu_s : 0.0);
    printf("connect_guest_minsn_per_lamp: %.3f\n", connect->insns / 1e6 / f->count);
    printf("commissioned_over_ble: %u\n", g_atomic_int_get(&f->commissioned));
    printf("commission_blobs_rejected: %u\n", g_atomic_int_get(&f->commission_rejected));
    report_handshakes(f, "connect");
    report_net(f, "connect");
}

/* --reconnect: every lamp reconnects from its console, with a full
 * handshake, then resuming its session. */
static bool reconnect_phases(struct measure *f, const struct bench_options *b)
{
    static const char *const cmds[] = { "net reconnect full\r", "net reconnect\r" };
    static const char *const names[] = { "warm_full", "warm_resumed" };

    for (int r = 0; r < 2; r++) {
        struct phase p;
        fprintf(stderr, "lampsim fleet: every lamp types `%.*s`\n", (int)strlen(cmds[r]) - 1,
                cmds[r]);
        if (!run_phase(f, type_line, (gpointer)cmds[r], b->timeout_s, &p))
            return false;
        guint got = r == 0 ? p.full : p.resumed;
        printf("%s_handshakes: %u\n", names[r], got);
        printf("%s_cpu_ms_per_lamp: %.3f\n", names[r], p.cpu_s * 1000 / f->count);
        printf("%s_guest_minsn_per_lamp: %.3f\n", names[r], p.insns / 1e6 / f->count);
        printf("%s_handshakes_per_cpu_s: %.3f\n", names[r], p.cpu_s > 0 ? got / p.cpu_s : 0.0);
        report_handshakes(f, names[r]);
    }
    return true;
}

/* --drop: every connection is reset; the lamps resume their sessions. */
static bool drop_phase(struct measure *f, const struct bench_options *b)
{
    struct phase p;

    fprintf(stderr, "lampsim fleet: resetting every connection\n");
    if (!run_phase(f, drop_connections, NULL, b->timeout_s, &p))
        return false;
    printf("reconnect_wall_s: %.3f\n", p.wall_s);
    printf("reconnect_cpu_ms_per_lamp: %.3f\n", p.cpu_s * 1000 / f->count);
    printf("reconnect_guest_minsn_per_lamp: %.3f\n", p.insns / 1e6 / f->count);
    printf("resumed_handshakes: %u\n", p.resumed);
    printf("full_handshakes_on_reconnect: %u\n", p.full);
    printf("resumed_handshakes_per_cpu_s: %.3f\n", p.cpu_s > 0 ? p.resumed / p.cpu_s : 0.0);
    report_handshakes(f, "reconnect");
    return true;
}

static void report_end(struct measure *f, const struct bench_options *b)
{
    struct fleet_totals tt;

    /* A healthy fleet resets once (power on) per lamp; more means
     * watchdogs or faults fired. */
    fleet_totals(f->fleet, &tt);
    printf("extra_resets: %llu\n", (unsigned long long)(tt.resets - f->count));
    printf("host_lag_ms_per_lamp: %.1f\n", tt.host_lag_us / 1000.0 / f->count);
    report_light(f, b->lamp_lines);
}

/* Boots, measures and reports; f->exit_code says how it ended. */
static void measure_fleet(struct measure *f, struct fleet_setup *s, const struct bench_options *b)
{
    struct bluez_exposure *shown = NULL;
    struct boot_cost cost = { 0 };
    struct phase connect = { 0 };

    if (!boot_phase(f, s, b, &shown, &cost) ||
        (s->fleet.ap && !connect_phase(f, s, b, &cost, &connect)))
        goto out;
    idle_phase(f, s, b, &cost);
    if (s->fleet.ap)
        report_connect(f, &connect);
    if ((b->reconnect && !reconnect_phases(f, b)) || (b->drop && !drop_phase(f, b)))
        goto out;
    report_end(f, b);
out:
    bluez_exposure_free(shown);
}

int cmd_fleet(int argc, char **argv)
{
    struct fleet_setup s;
    struct bench_options b = { .idle_s = 10, .timeout_s = 600 };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- boot a fleet of lamps in one process and report its cost");
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    struct measure f = { .loop = loop };
    const char *why;

    fleet_setup_init(&s);
    fleet_setup_add_options(&s, ctx, SIM_CMD_FLEET);
    bench_options_add(ctx, &b);
    g_option_context_set_description(ctx,
        "Prints a report (one 'key: value' a line) on standard output; progress\n"
        "goes to standard error. Exit status: 0 booted and measured, 1 timeout,\n"
        "2 bad arguments or an unusable lamp. `lampsim serve` keeps a fleet\n"
        "running as a service instead.\n"
        "Environment: " SHARD_INDEX_ENV " (set in each pod of a Kubernetes Indexed\n"
        "Job) and " SHARD_COUNT_ENV " (the shard count, unless --shards) choose the\n"
        "shard when --shard is not given (docs/scale.md).\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        f.exit_code = usage_error(CMD_NAME, error->message);
    else if (argc > 1)
        f.exit_code = usage_error(CMD_NAME, "unexpected argument; see lampsim fleet --help");
    else if (!fleet_setup_check(&s, SIM_CMD_FLEET, &error))
        f.exit_code = usage_error(CMD_NAME, error->message);
    else if (!bench_options_check(&b, &s, &why))
        f.exit_code = usage_error(CMD_NAME, why);
    if (f.exit_code)
        goto done;
    s.cfg.count_stores = b.count_stores;
    if (!fleet_setup_prepare(&s, &error)) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        f.exit_code = 2;
        goto done;
    }
    report_provision(&s);
    if (b.provision_only)
        goto done;

    f.connecting_cpu = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_mutex_init(&f.lock);
    f.count = s.fleet.lamps;
    measure_fleet(&f, &s, &b);
    g_clear_error(&error);
    if (f.fleet && !fleet_free_saving(f.fleet, &error) && f.exit_code == 0) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        f.exit_code = 2;
    }
    g_hash_table_destroy(f.connecting_cpu);
    g_mutex_clear(&f.lock);
done:
    fleet_setup_clear(&s);
    bench_options_clear(&b);
    return f.exit_code;
}
