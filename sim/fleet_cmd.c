/* sim/fleet_cmd.c: `lampsim fleet`: boot many lamps in one process, wait
 * until every console shows its prompt, then let the fleet idle and report
 * what it cost.  With --ap, every lamp is then given the WiFi credentials
 * and the fleet is measured connecting to its cloud (full TLS handshakes),
 * idling connected, and with --drop, reconnecting after every connection
 * was reset (resumed handshakes).  The load-test building block and the
 * benchmark of bench/boot_fleet.sh and bench/tls_fleet.sh.  New lamps are
 * provisioned first, all at once (fleet_provision.c): bench/provision_fleet.sh. */
#include "commands.h"

#define CMD_NAME "fleet"

#include "config.h"
#include "fleet.h"
#include "fleet_limits.h"
#include "fleet_provision.h"
#include "lamp.h"
#include "light_options.h"
#include "medium.h"
#include "bluez_exposure.h"
#include "net_env.h"
#include "shard.h"
#include "state_lock.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

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

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

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
    double cpu0 = cpu_seconds();

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
        .cpu_s = cpu_seconds() - cpu0,
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

int cmd_fleet(int argc, char **argv)
{
    g_autofree char *fleet_dir = NULL, *profile = NULL;
    g_autofree char *state_dir = NULL, *firmware_dir = NULL, *seed_str = NULL;
    g_autofree char *log_spec = NULL, *ap = NULL, *cloud = NULL, *variant = NULL;
    gboolean drop = FALSE, reconnect = FALSE, count_stores = FALSE, provision_only = FALSE;
    gboolean console_log = FALSE, lamp_lines = FALSE;
    g_auto(GStrv) console_input = NULL;
    int provision_threads = 0;
    g_autofree char *ble_socket = NULL, *commission = NULL, *bluez = NULL, *bluez_serials = NULL;
    int bluez_lamps = 0;
    double bluez_rotate = 0;
    struct bluez_exposure *shown = NULL;
    int count = 10, threads = 0;
    double idle_s = 10, timeout_s = 600;
    struct light_options room;
    struct machine_light_env light_env;
    g_auto(shard_options) shard_opts = { 0 };
    struct shard shard;
    GOptionEntry entries[] = {
        { "count", 0, 0, G_OPTION_ARG_INT, &count,
          "Number of lamps (default 10); with --shard, of the whole fleet", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
          "Worker threads the lamps run on (default: one per core this process may use); "
          "lamp i runs on thread i mod N", "N" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
          "Directory holding one state directory per lamp (lamp-0000, ...)", "DIR" },
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet_dir,
          "Fleet whose trust material a new lamp is provisioned with (default: the build's "
          "development fleet, " LAMPSIM_DEV_FLEET_DIR ")", "DIR" },
        { "profile", 0, 0, G_OPTION_ARG_STRING, &profile,
          "Fuses of a new lamp: development (default: debug and boot unlocked) or production "
          "(debug and boot locked)", "PROFILE" },
        { "firmware-dir", 0, 0, G_OPTION_ARG_FILENAME, &firmware_dir,
          "bootloader.bin and the signed app.img for new lamps (default: " LAMPSIM_FIRMWARE_DIR ")", "DIR" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_str,
          "Deterministic run; lamp i is seeded with N+i", "N" },
        { "idle", 0, 0, G_OPTION_ARG_DOUBLE, &idle_s,
          "Seconds to let the booted fleet idle while measuring its CPU (default 10)", "SECONDS" },
        { "ap", 0, 0, G_OPTION_ARG_STRING, &ap,
          "After booting, every lamp joins this access point and connects to its cloud; the "
          "report then covers connecting, idling connected and (--drop) reconnecting",
          "SSID:PASSPHRASE" },
        { "cloud", 0, 0, G_OPTION_ARG_STRING, &cloud,
          "The broker new lamps are provisioned for (default localhost:8883)", "HOST:PORT" },
        { "variant", 0, 0, G_OPTION_ARG_STRING, &variant,
          "Hardware of new lamps: crypto (default, with the CRYPTO engine) or basic", "VARIANT" },
        { "drop", 0, 0, G_OPTION_ARG_NONE, &drop,
          "With --ap: after idling, reset every connection and measure the reconnection "
          "(resumed TLS sessions)", NULL },
        { "reconnect", 0, 0, G_OPTION_ARG_NONE, &reconnect,
          "With --ap: after idling, every lamp reconnects twice from its console (`net "
          "reconnect full`, then `net reconnect`): full and resumed handshakes with warm "
          "translation caches", NULL },
        { "commission", 0, 0, G_OPTION_ARG_STRING, &commission,
          "With --ap, how lamps get the WiFi credentials: console (default: typed into each "
          "lamp's console, a development stand-in) or ble (the fleet waits while a central, "
          "such as lampinstall on --ble-socket, commissions them; each lamp's progress is "
          "printed)", "HOW" },
        { "ble-socket", 0, 0, G_OPTION_ARG_FILENAME, &ble_socket,
          "Serve the virtual BLE medium's central socket here (docs/ble.md)", "PATH" },
        { "bluez", 0, 0, G_OPTION_ARG_STRING, &bluez,
          "Also show lamps through this host BlueZ adapter (e.g. hci0) for real phones "
          "(docs/ble.md#bluez); an adapter runs a few advertisements at once", "ADAPTER" },
        { "bluez-serials", 0, 0, G_OPTION_ARG_STRING, &bluez_serials,
          "With --bluez: only these lamps (comma-separated serials)", "LIST" },
        { "bluez-lamps", 0, 0, G_OPTION_ARG_INT, &bluez_lamps,
          "With --bluez: lamps shown at once (default: the adapter's advertisement slots)", "N" },
        { "bluez-rotate", 0, 0, G_OPTION_ARG_DOUBLE, &bluez_rotate,
          "With --bluez: every this many seconds the lamp shown longest gives way to the next",
          "SECONDS" },
        { "count-stores", 0, 0, G_OPTION_ARG_NONE, &count_stores,
          "Also count the guest's memory stores in each handshake (a diagnostic: every store "
          "then calls a hook, so CPU figures are not representative)", NULL },
        { "provision-threads", 0, 0, G_OPTION_ARG_INT, &provision_threads,
          "Threads that provision the new lamps before the fleet boots (default: one per "
          "core)", "N" },
        { "provision-only", 0, 0, G_OPTION_ARG_NONE, &provision_only,
          "Provision the lamps the state directory lacks, report what it cost, and exit "
          "without booting", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout_s,
          "Exit 1 if the fleet has not booted after this many seconds (default 600)", "SECONDS" },
        { "log", 0, 0, G_OPTION_ARG_STRING, &log_spec,
          "Emulator log classes: guest,unimp,info,trace,all,none (default: guest,unimp)", "LIST" },
        { "console-input", 0, 0, G_OPTION_ARG_STRING_ARRAY, &console_input,
          "Every lamp types LINE at its console's next prompt (repeatable, in order)", "LINE" },
        { "lamp-lines", 0, 0, G_OPTION_ARG_NONE, &lamp_lines,
          "Also report each lamp's light (lamp_light: SERIAL on|off LEVEL % CCT K POWER W)", NULL },
        { "console-log", 0, 0, G_OPTION_ARG_NONE, &console_log,
          "Append each lamp's console lines, stamped with its virtual time, to console.log in "
          "its state directory", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- boot a fleet of lamps in one process and report its cost");
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    struct measure f = { 0 };
    struct lamp_config cfg = { .time_mode = MACHINE_TIME_REALTIME };
    guint64 seed = 0;
    long rss_before, rss_after, maps_before, maps_after;
    double cpu0, cpu1, cpu2, boot_wall, boot_cpu, provision_cpu;
    struct fleet_provision_report prov;
    g_autoptr(state_fleet_lock) fleet_lock = NULL;
    guint t;

    light_options_init(&room);
    g_option_context_add_main_entries(ctx, entries, NULL);
    light_options_add(ctx, &room, true);
    shard_options_add(ctx, &shard_opts);
    g_option_context_set_description(ctx,
        "Prints a report (one 'key: value' a line) on standard output; progress\n"
        "goes to standard error. Exit status: 0 booted and measured, 1 timeout,\n"
        "2 bad arguments or an unusable lamp.\n"
        "Environment: " SHARD_INDEX_ENV " (set in each pod of a Kubernetes Indexed\n"
        "Job) and " SHARD_COUNT_ENV " (the shard count, unless --shards) choose the\n"
        "shard when --shard is not given (docs/scale.md).\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        return usage_error("fleet", error->message);
    if (argc > 1)
        return usage_error("fleet", "unexpected argument; see lampsim fleet --help");
    if (!state_dir)
        return usage_error("fleet", "--state-dir DIR is required");
    if (count < 1 || count > 100000)
        return usage_error("fleet", "--count must be between 1 and 100000");
    if (!shard_options_resolve(&shard_opts, (guint)count, &shard, &error))
        return usage_error(CMD_NAME, error->message);
    if (idle_s < 0 || timeout_s <= 0)
        return usage_error("fleet", "--idle and --timeout must be positive");
    if (threads < 0 || threads > 1024)
        return usage_error(CMD_NAME, "--threads must be between 1 and 1024");
    if (provision_threads < 0 || provision_threads > 1024)
        return usage_error(CMD_NAME, "--provision-threads must be between 1 and 1024");
    if (!log_spec)
        log_spec = g_strdup("guest,unimp");
    if (!parse_log_mask(log_spec, &cfg.log_mask, &error))
        return usage_error("fleet", error->message);
    if (seed_str && !parse_seed(seed_str, &cfg))
        return usage_error("fleet", "--seed: not a decimal number");
    if (!light_options_env(&room, &light_env, &error))
        return usage_error(CMD_NAME, error->message);
    cfg.light_env = &light_env;
    seed = cfg.seed;
    cfg.firmware_dir = firmware_dir ? firmware_dir : LAMPSIM_FIRMWARE_DIR;
    cfg.fleet_dir = fleet_dir ? fleet_dir : LAMPSIM_DEV_FLEET_DIR;
    cfg.profile = profile;
    if (profile && strcmp(profile, "development") && strcmp(profile, "production"))
        return usage_error(CMD_NAME, "--profile must be development or production");
    if (variant && !lamp_variant_valid(variant))
        return usage_error(CMD_NAME, "--variant must be crypto or basic");
    if ((drop || reconnect) && !ap)
        return usage_error(CMD_NAME, "--drop and --reconnect need --ap");
    cfg.variant = variant;
    cfg.cloud = cloud;
    cfg.console_input = (const char *const *)console_input;
    cfg.console_log = console_log ? "console.log" : NULL;
    cfg.count_stores = count_stores;
    g_autoptr(net_env) env = net_env_new();
    g_autoptr(ble_medium) medium = ble_medium_new(); /* freed after the lamps */
    g_auto(GStrv) ap_parts = NULL;
    bool by_ble = commission && !strcmp(commission, "ble");
    if (commission && !by_ble && strcmp(commission, "console"))
        return usage_error(CMD_NAME, "--commission must be console or ble");
    if (commission && !ap)
        return usage_error(CMD_NAME, "--commission needs --ap (the network the lamps join)");
    if ((bluez_serials || bluez_lamps || bluez_rotate > 0) && !bluez)
        return usage_error(CMD_NAME, "--bluez-serials, --bluez-lamps and --bluez-rotate need --bluez");
    if (bluez_lamps < 0 || bluez_rotate < 0)
        return usage_error(CMD_NAME, "--bluez-lamps and --bluez-rotate cannot be negative");
    if (by_ble && !ble_socket && !bluez)
        return usage_error(CMD_NAME, "--commission ble needs --ble-socket or --bluez for the installer");
    cfg.ble_medium = medium;
    if (ble_socket && !ble_medium_listen(medium, ble_socket, &error)) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        return 2;
    }
    if (ap) {
        if (!net_env_add_ap_spec(env, ap, &error))
            return usage_error(CMD_NAME, error->message);
        ap_parts = g_strsplit(ap, ":", 2);
        cfg.net_env = env;
    }

    /* One lock for the whole fleet: its lamps hold no descriptor each. */
    if (!fleet_check_limits(shard_lamp_count(&shard, (guint)count), ap != NULL, &error) ||
        !lamp_state_dir_usable(state_dir, &error) ||
        !(fleet_lock = state_lock_fleet(state_dir, &error))) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        return 2;
    }
    cpu0 = cpu_seconds();
    if (!fleet_provision(&cfg, state_dir, &shard, (guint)count, (guint)provision_threads, &prov,
                         &error)) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        return 2;
    }
    provision_cpu = cpu_seconds() - cpu0;
    if (prov.new_lamps) {
        printf("provisioned_lamps: %u\n", prov.new_lamps);
        printf("provision_threads: %u\n", MIN(prov.threads, prov.new_lamps));
        printf("provision_wall_s: %.3f\n", prov.wall_s);
        printf("provision_cpu_s: %.3f\n", provision_cpu);
        printf("provision_wall_ms_per_lamp: %.3f\n", prov.wall_s * 1000 / prov.new_lamps);
        printf("provision_cpu_ms_per_lamp: %.3f\n", provision_cpu * 1000 / prov.new_lamps);
    }
    if (provision_only)
        return 0;

    loop = g_main_loop_new(NULL, FALSE);
    f.loop = loop;
    f.connecting_cpu = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_mutex_init(&f.lock);
    f.count = shard_lamp_count(&shard, (guint)count);
    if (!threads)
        threads = (int)MIN(workers_default_count(), f.count);
    f.fleet = fleet_new((unsigned)threads, &error);
    if (!f.fleet) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        return 2;
    }
    rss_before = rss_kib();
    maps_before = map_count();
    cpu0 = cpu_seconds();
    f.boot_started_us = g_get_monotonic_time();
    if (!fleet_boot(f.fleet, &cfg, state_dir, &shard, (guint)count, seed, on_line, &f, &error)) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        f.exit_code = 2;
        goto out;
    }
    if (bluez) {
        struct bluez_exposure_config bc = { bluez, bluez_serials, (guint)bluez_lamps, bluez_rotate };
        g_autofree struct lamp **lamps = g_new(struct lamp *, f.count);
        for (guint i = 0; i < f.count; i++)
            lamps[i] = fleet_lamp(f.fleet, i);
        shown = bluez_exposure_new(medium, lamps, f.count, &bc, &error);
        if (!shown) {
            fprintf(stderr, "lampsim fleet: --bluez: %s\n", error->message);
            f.exit_code = 2;
            goto out;
        }
    }
    g_timeout_add(100, check_booted, &f);
    t = g_timeout_add((guint)(timeout_s * 1000), on_deadline, &f);
    g_main_loop_run(loop);
    g_source_remove(t);
    if (f.exit_code)
        goto out;
    cpu1 = cpu_seconds();
    boot_cpu = cpu1 - cpu0;
    boot_wall = (g_get_monotonic_time() - f.boot_started_us) / 1e6;
    rss_after = rss_kib();
    maps_after = map_count();

    struct phase connect = { 0 };
    if (ap && by_ble) {
        fprintf(stderr, "lampsim fleet: all booted and advertising; waiting for a central on %s%s%s "
                "to commission them\n", ble_socket ? ble_socket : "", ble_socket && bluez ? " or " : "",
                bluez ? bluez : "");
        f.show_lamps = true;
        if (!run_phase(&f, NULL, NULL, timeout_s, &connect))
            goto out;
        f.show_lamps = false;
        rss_after = rss_kib();
        cpu1 = cpu_seconds();
    } else if (ap) {
        g_autofree char *line = g_strdup_printf("wifi %s %s\r", ap_parts[0], ap_parts[1]);
        fprintf(stderr, "lampsim fleet: all booted; connecting to the cloud\n");
        if (!run_phase(&f, type_line, line, timeout_s, &connect))
            goto out;
        rss_after = rss_kib();
        cpu1 = cpu_seconds();
    }
    fprintf(stderr, "lampsim fleet: idling %.1f s\n", idle_s);
    f.idling = true;
    struct fleet_totals idle0, idle1;
    fleet_totals(f.fleet, &idle0);
    uint64_t idle_insns = idle0.instructions, idle_slice_ns = idle0.slice_ns;
    g_timeout_add((guint)(idle_s * 1000), on_deadline, &f);
    g_main_loop_run(loop);
    cpu2 = cpu_seconds();
    fleet_totals(f.fleet, &idle1);
    idle_insns = idle1.instructions - idle_insns;
    idle_slice_ns = idle1.slice_ns - idle_slice_ns;

    if (shard.sharded) {
        printf("shard: %u/%u\n", shard.index, shard.count);
        printf("fleet_lamps: %d\n", count);
    }
    printf("lamps: %u\n", f.count);
    printf("threads: %u\n", fleet_threads(f.fleet));
    printf("boot_wall_s: %.3f\n", boot_wall);
    printf("boot_cpu_ms_per_lamp: %.3f\n", boot_cpu * 1000 / f.count);
    printf("rss_kib_per_lamp: %.0f\n", (double)(rss_after - rss_before) / f.count);
    printf("rss_kib_total: %ld\n", rss_after);
    /* FLEET_MAPS_PER_LAMP (fleet_limits.h) is this figure with a margin */
    printf("maps_per_lamp: %.2f\n", (double)(maps_after - maps_before) / f.count);
    printf("idle_s: %.1f\n", idle_s);
    printf("idle_cpu_percent_of_core: %.3f\n", idle_s > 0 ? (cpu2 - cpu1) * 100 / idle_s : 0.0);
    printf("idle_guest_kinsn_per_lamp_s: %.3f\n",
           idle_s > 0 ? idle_insns / 1e3 / f.count / idle_s : 0.0);
    /* The rest of the idle CPU is the main loop's: host I/O, scheduling. */
    printf("idle_lamp_slices_percent_of_core: %.3f\n",
           idle_s > 0 ? idle_slice_ns / 1e7 / idle_s : 0.0);
    if (idle_s > 0) {
        /* where an idle lamp's CPU goes, per lamp-second */
        double ls = f.count * idle_s;
        printf("idle_cpu_entries_per_lamp_s: %.2f\n", (idle1.cpu_entries - idle0.cpu_entries) / ls);
        printf("idle_core_switches_per_lamp_s: %.2f\n", (idle1.core_switches - idle0.core_switches) / ls);
        printf("idle_tlb_fills_per_lamp_s: %.2f\n", (idle1.tlb_fills - idle0.tlb_fills) / ls);
        printf("idle_mmio_accesses_per_lamp_s: %.2f\n", (idle1.mmio_accesses - idle0.mmio_accesses) / ls);
        printf("idle_slice_us_per_lamp_s: %.2f\n", idle_slice_ns / 1e3 / ls);
    }
    if (ap) {
        printf("connect_wall_s: %.3f\n", connect.wall_s);
        printf("connect_cpu_ms_per_lamp: %.3f\n", connect.cpu_s * 1000 / f.count);
        printf("full_handshakes: %u\n", connect.full);
        printf("full_handshakes_per_cpu_s: %.3f\n",
               connect.cpu_s > 0 ? connect.full / connect.cpu_s : 0.0);
        printf("connect_guest_minsn_per_lamp: %.3f\n", connect.insns / 1e6 / f.count);
        printf("commissioned_over_ble: %u\n", g_atomic_int_get(&f.commissioned));
        printf("commission_blobs_rejected: %u\n", g_atomic_int_get(&f.commission_rejected));
        report_handshakes(&f, "connect");
        report_net(&f, "connect");
    }
    if (reconnect) {
        static const char *const cmds[] = { "net reconnect full\r", "net reconnect\r" };
        static const char *const names[] = { "warm_full", "warm_resumed" };
        for (int r = 0; r < 2; r++) {
            struct phase p;
            fprintf(stderr, "lampsim fleet: every lamp types `%.*s`\n",
                    (int)strlen(cmds[r]) - 1, cmds[r]);
            if (!run_phase(&f, type_line, (gpointer)cmds[r], timeout_s, &p))
                goto out;
            guint got = r == 0 ? p.full : p.resumed;
            printf("%s_handshakes: %u\n", names[r], got);
            printf("%s_cpu_ms_per_lamp: %.3f\n", names[r], p.cpu_s * 1000 / f.count);
            printf("%s_guest_minsn_per_lamp: %.3f\n", names[r], p.insns / 1e6 / f.count);
            printf("%s_handshakes_per_cpu_s: %.3f\n", names[r], p.cpu_s > 0 ? got / p.cpu_s : 0.0);
            report_handshakes(&f, names[r]);
        }
    }
    if (drop) {
        struct phase p;
        fprintf(stderr, "lampsim fleet: resetting every connection\n");
        if (!run_phase(&f, drop_connections, NULL, timeout_s, &p))
            goto out;
        printf("reconnect_wall_s: %.3f\n", p.wall_s);
        printf("reconnect_cpu_ms_per_lamp: %.3f\n", p.cpu_s * 1000 / f.count);
        printf("reconnect_guest_minsn_per_lamp: %.3f\n", p.insns / 1e6 / f.count);
        printf("resumed_handshakes: %u\n", p.resumed);
        printf("full_handshakes_on_reconnect: %u\n", p.full);
        printf("resumed_handshakes_per_cpu_s: %.3f\n", p.cpu_s > 0 ? p.resumed / p.cpu_s : 0.0);
        report_handshakes(&f, "reconnect");
    }
    {
        /* A healthy fleet resets once (power on) per lamp; more means
         * watchdogs or faults fired. */
        struct fleet_totals tt;
        fleet_totals(f.fleet, &tt);
        printf("extra_resets: %llu\n", (unsigned long long)(tt.resets - f.count));
        printf("host_lag_ms_per_lamp: %.1f\n", tt.host_lag_us / 1000.0 / f.count);
    }
    report_light(&f, lamp_lines);

out:
    bluez_exposure_free(shown);
    g_clear_error(&error);
    if (!fleet_free_saving(f.fleet, &error) && f.exit_code == 0) {
        fprintf(stderr, "lampsim fleet: %s\n", error->message);
        f.exit_code = 2;
    }
    g_hash_table_destroy(f.connecting_cpu);
    g_mutex_clear(&f.lock);
    return f.exit_code;
}
