/* sim/sim_options.c: the options that make lamps (sim_options.h). */
#include "sim_options.h"

#include "commands.h"
#include "config.h"
#include "net_env.h"
#include "sim_error.h"
#include "workers.h"

#include <string.h>

void lamp_options_init(struct lamp_options *o)
{
    memset(o, 0, sizeof(*o));
    light_options_init(&o->room);
}

void lamp_options_add(GOptionContext *ctx, struct lamp_options *o, enum sim_cmd_kind kind)
{
    bool one = kind == SIM_CMD_RUN;
    /* GLib keeps the help texts' pointers: static strings only. */
    GOptionEntry entries[] = {
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->state_dir,
          one ? "Lamp state directory (flash and OTP persist here; a new one is provisioned "
                "from --fleet)"
              : "Directory holding one state directory per lamp (lamp-0000, ...)", "DIR" },
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &o->fleet_dir,
          one ? "Fleet whose trust material and registry a new lamp is provisioned into "
                "(default: a copy of the build's development fleet made in the state "
                "directory, DIR/dev-fleet, so that a run writes nothing into the build tree)"
              : "Fleet whose trust material and registry new lamps are provisioned into "
                "(default: the build's development fleet, " LAMPSIM_DEV_FLEET_DIR
                ", which a local lampcloud --fleet reads)", "DIR" },
        { "profile", 0, 0, G_OPTION_ARG_STRING, &o->profile,
          "Fuses of a new lamp: development (default: debug and boot unlocked) or production "
          "(debug and boot locked)", "PROFILE" },
        { "firmware-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->firmware_dir,
          "Where bootloader.bin and the signed app.img for new lamps are (default: "
          LAMPSIM_FIRMWARE_DIR ")", "DIR" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed,
          one ? "Deterministic run: virtual time follows executed instructions and the RNG is "
                "seeded with N (no network: refused with --ap and --cloud)"
              : "Deterministic run; lamp i is seeded with N+i (no network: refused with --ap "
                "and --cloud)", "N" },
        { "log", 0, 0, G_OPTION_ARG_STRING, &o->log,
          one ? "Emulator log classes to show: guest,unimp,info,trace,all,none (default: "
                "guest,unimp,info)"
              : "Emulator log classes: guest,unimp,info,trace,all,none (default: guest,unimp)",
          "LIST" },
        { "cloud", 0, 0, G_OPTION_ARG_STRING, &o->cloud,
          "The MQTT broker new lamps are provisioned to connect to (default localhost:8883; "
          "an existing lamp keeps the one in its keystore)", "HOST:PORT" },
        { "variant", 0, 0, G_OPTION_ARG_STRING, &o->variant,
          "Hardware of new lamps: crypto (default: with the CRYPTO engine) or basic (every "
          "cryptographic operation in emulated code); an existing lamp must match", "VARIANT" },
        { "ble-socket", 0, 0, G_OPTION_ARG_FILENAME, &o->ble_socket,
          "Serve the virtual BLE medium's central socket here, so that other programs (such "
          "as lampinstall) can scan for lamps, connect and commission them (docs/ble.md)",
          "PATH" },
        { "console-input", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->console_input,
          one ? "A line typed into the console at its next prompt (repeatable, typed in "
                "order); standard input is typed too, unless --no-stdin"
              : "Every lamp types LINE at its console's next prompt (repeatable, in order)",
          "LINE" },
        G_OPTION_ENTRY_NULL,
    };

    g_option_context_add_main_entries(ctx, entries, NULL);
    light_options_add(ctx, &o->room, !one);
}

static bool fail(GError **error, const char *msg)
{
    g_set_error_literal(error, SIM_ERROR, SIM_ERROR_ARGS, msg);
    return false;
}

/* run without --fleet: the build's development fleet, copied once into
 * the state directory (trust material and a registry of its own). */
static bool own_dev_fleet(struct lamp_options *o, GError **error)
{
    g_autofree char *store = g_build_filename(o->state_dir, "lamp.img", NULL);
    const char *argv[] = { "cp", "-a", LAMPSIM_DEV_FLEET_DIR, NULL, NULL };
    gint status;

    o->own_fleet_dir = g_build_filename(o->state_dir, "dev-fleet", NULL);
    /* an existing lamp needs no fleet */
    if (g_file_test(store, G_FILE_TEST_EXISTS) || g_file_test(o->own_fleet_dir, G_FILE_TEST_IS_DIR))
        return true;
    if (!lamp_state_dir_usable(o->state_dir, error))
        return false;
    argv[3] = o->own_fleet_dir;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                      &status, error) ||
        !g_spawn_check_wait_status(status, error)) {
        g_prefix_error(error, "copying the development fleet %s to %s: ", LAMPSIM_DEV_FLEET_DIR,
                       o->own_fleet_dir);
        return false;
    }
    return true;
}

bool lamp_options_check(struct lamp_options *o, enum sim_cmd_kind kind, bool networked,
                        struct lamp_config *cfg, GError **error)
{
    const char *log = o->log ? o->log : kind == SIM_CMD_RUN ? NULL : "guest,unimp";

    *cfg = (struct lamp_config){ .time_mode = MACHINE_TIME_REALTIME };
    if (!o->state_dir)
        return fail(error, "--state-dir DIR is required");
    if (!parse_log_mask(log, &cfg->log_mask, error))
        return false;
    if (o->seed && !parse_seed(o->seed, cfg))
        return fail(error, "--seed: not a decimal number");
    if (o->seed && (networked || o->cloud))
        return fail(error, "--seed makes time deterministic (it follows executed instructions "
                           "and jumps while a lamp sleeps), so a real network peer could never "
                           "answer in time: every TLS handshake would time out; drop --seed "
                           "to connect to a cloud, or drop --ap and --cloud for a reproducible "
                           "run");
    if (!light_options_env(&o->room, &o->env, error))
        return false;
    if (o->profile && strcmp(o->profile, "development") && strcmp(o->profile, "production"))
        return fail(error, "--profile must be development or production");
    if (o->variant && !lamp_variant_valid(o->variant))
        return fail(error, "--variant must be crypto or basic");
    if (kind == SIM_CMD_RUN && !o->fleet_dir && !own_dev_fleet(o, error))
        return false;
    cfg->light_env = &o->env;
    cfg->state_dir = o->state_dir;
    cfg->firmware_dir = o->firmware_dir ? o->firmware_dir : LAMPSIM_FIRMWARE_DIR;
    cfg->fleet_dir = o->fleet_dir ? o->fleet_dir
                     : o->own_fleet_dir ? o->own_fleet_dir : LAMPSIM_DEV_FLEET_DIR;
    cfg->profile = o->profile;
    cfg->cloud = o->cloud;
    cfg->variant = o->variant;
    cfg->console_input = (const char *const *)o->console_input;
    return true;
}

void lamp_options_clear(struct lamp_options *o)
{
    g_free(o->state_dir);
    g_free(o->fleet_dir);
    g_free(o->profile);
    g_free(o->firmware_dir);
    g_free(o->seed);
    g_free(o->log);
    g_free(o->cloud);
    g_free(o->variant);
    g_free(o->ble_socket);
    g_strfreev(o->console_input);
    g_free(o->own_fleet_dir);
    memset(o, 0, sizeof(*o));
}

void fleet_options_init(struct fleet_options *o)
{
    *o = (struct fleet_options){ .count = 10 };
}

void fleet_options_add(GOptionContext *ctx, struct fleet_options *o, enum sim_cmd_kind kind)
{
    GOptionEntry entries[] = {
        { "count", 0, 0, G_OPTION_ARG_INT, &o->count,
          kind == SIM_CMD_SERVE
              ? "Lamps to start with (default 10; POST /api/lamps adds more); with --shard, of "
                "the whole fleet"
              : "Number of lamps (default 10); with --shard, of the whole fleet", "N" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &o->threads,
          "Worker threads the lamps run on (default: one per core this process may use); "
          "lamp i runs on thread i mod N", "N" },
        { "provision-threads", 0, 0, G_OPTION_ARG_INT, &o->provision_threads,
          "Threads that provision the new lamps before the fleet boots (default: one per "
          "core)", "N" },
        { "ap", 0, 0, G_OPTION_ARG_STRING, &o->ap,
          kind == SIM_CMD_SERVE
              ? "An access point in every lamp's range; once booted, every lamp is given its "
                "credentials at the console and connects to its cloud"
              : "After booting, every lamp joins this access point and connects to its cloud; "
                "the report then covers connecting, idling connected and (--drop) reconnecting",
          "SSID:PASSPHRASE" },
        { "console-log", 0, 0, G_OPTION_ARG_NONE, &o->console_log,
          "Append each lamp's console lines, stamped with its virtual time, to console.log in "
          "its state directory", NULL },
        G_OPTION_ENTRY_NULL,
    };

    /* serve only: lampsim fleet commissions with --ap and --commission */
    GOptionEntry serve_entries[] = {
        { "ap-in-range", 0, 0, G_OPTION_ARG_STRING, &o->ap_in_range,
          "An access point in every lamp's range whose credentials no lamp is given: a lamp "
          "joins it once commissioned (the commission action, a load profile's commission "
          "wave); not with --ap", "SSID:PASSPHRASE" },
        G_OPTION_ENTRY_NULL,
    };

    o->kind = kind;
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (kind == SIM_CMD_SERVE)
        g_option_context_add_main_entries(ctx, serve_entries, NULL);
    shard_options_add(ctx, &o->shard_opts);
}

bool fleet_options_check(struct fleet_options *o, struct lamp_config *cfg, struct net_env *env,
                         GError **error)
{
    int least = o->kind == SIM_CMD_SERVE ? 0 : 1;

    if (o->count < least || o->count > 100000)
        return fail(error, least ? "--count must be between 1 and 100000"
                                 : "--count must be between 0 and 100000");
    if (o->count > 0 && !shard_options_resolve(&o->shard_opts, (guint)o->count, &o->shard, error))
        return false;
    if (o->count == 0)
        o->shard = (struct shard){ .index = 0, .count = 1 };
    o->lamps = shard_lamp_count(&o->shard, (guint)o->count);
    if (o->threads < 0 || o->threads > 1024)
        return fail(error, "--threads must be between 1 and 1024");
    if (o->provision_threads < 0 || o->provision_threads > 1024)
        return fail(error, "--provision-threads must be between 1 and 1024");
    if (o->ap && o->ap_in_range)
        return fail(error, "--ap and --ap-in-range exclude each other: --ap places the access "
                    "point and types its credentials, --ap-in-range only places it");
    if (o->ap || o->ap_in_range) {
        if (!net_env_add_ap_spec(env, o->ap ? o->ap : o->ap_in_range, error))
            return false;
        cfg->net_env = env;
    }
    cfg->console_log = o->console_log ? "console.log" : NULL;
    return true;
}

void fleet_options_clear(struct fleet_options *o)
{
    g_free(o->ap);
    o->ap = NULL;
    g_clear_pointer(&o->ap_in_range, g_free);
    shard_options_clear(&o->shard_opts);
}

bool fleet_options_networked(const struct fleet_options *o)
{
    return o->ap || o->ap_in_range;
}

unsigned fleet_options_threads(const struct fleet_options *o)
{
    if (o->threads)
        return (unsigned)o->threads;
    return MAX(1u, MIN(workers_default_count(), MAX(o->lamps, 1u)));
}
