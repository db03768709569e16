/* sim/run_cmd.c: `lampsim run`: boot one lamp with its console on the
 * terminal. */
#include "commands.h"

#define CMD_NAME "run"

#include "checkpoints.h"
#include "config.h"
#include "gdb_server.h"
#include "image.h"
#include "lamp.h"
#include "net_env.h"
#include "medium.h"
#include "bluez_exposure.h"
#include "scheduler.h"
#include "sim_options.h"
#include "sim_error.h"
#include "update_sender.h"
#include "replay_run.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Exit status when the lamp's state could not be saved (--help). */
#define EXIT_CHECKPOINT_FAILED 4
/* Where --external-boot loads an application: slot A's payload address. */
#define EXTERNAL_BOOT_ADDR IMAGE_LOAD_ADDR

struct run {
    GMainLoop *loop;
    struct lamp *lamp;
    struct scheduler *sched;
    GRegex *exit_on;
    int exit_code;
    /* --gdb: where to serve the GDB remote protocol (host NULL: no server) */
    char *gdb_host;
    uint16_t gdb_port;
    bool gdb_wait;
    bool stdin_open;
    bool checkpoint_failed;
};

/* The console transfer's outcome, for the user (what: "update", ...). */
static void report_transfer(const char *what, const char *accepted, enum update_state state,
                            const char *reason)
{
    if (state == UPDATE_STAGED)
        fprintf(stderr, "\nlampsim: %s %s (%s)\n", what, accepted, reason);
    else
        fprintf(stderr, "\nlampsim: %s %s: %s\n", what,
                state == UPDATE_REFUSED ? "refused by the lamp" : "transfer failed", reason);
}

static void on_update_done(struct update_sender *s, enum update_state state,
                           const char *reason, gpointer user_data)
{
    report_transfer("update", "accepted and staged", state, reason);
}

static void on_install_done(struct update_sender *s, enum update_state state,
                            const char *reason, gpointer user_data)
{
    report_transfer("app package", "accepted", state, reason);
}

static void run_finish(struct run *run, int code)
{
    run->exit_code = code;
    g_main_loop_quit(run->loop);
}

static void on_line(struct lamp *lamp, const char *line, gpointer user_data)
{
    struct run *run = user_data;

    if (run->exit_on && g_regex_match(run->exit_on, line, 0, NULL)) {
        fprintf(stderr, "\nlampsim: console matched --exit-on: %s\n", line);
        run_finish(run, 0);
    }
}

static gboolean on_timeout(gpointer user_data)
{
    struct run *run = user_data;

    fprintf(stderr, "\nlampsim: --timeout reached before --exit-on matched\n");
    run_finish(run, 1);
    return G_SOURCE_REMOVE;
}

static gboolean on_signal(gpointer user_data)
{
    run_finish(user_data, 0);
    return G_SOURCE_CONTINUE;
}

/* A checkpoint that cannot be written stops the lamp (checkpoints.h). */
static void on_checkpoint_failed(struct lamp *lamp, const GError *error, gpointer user_data)
{
    struct run *run = user_data;

    if (run->checkpoint_failed)
        return;
    fprintf(stderr, "\nlampsim: lamp stopped: saving its state failed: %s\n", error->message);
    run->checkpoint_failed = true;
    run_finish(run, EXIT_CHECKPOINT_FAILED);
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer user_data)
{
    struct run *run = user_data;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n <= 0) {
        run->stdin_open = false;
        return G_SOURCE_REMOVE;
    }
    lamp_type(run->lamp, buf, (size_t)n);
    scheduler_wake(run->sched);
    return G_SOURCE_CONTINUE;
}

/* Makes the lamp, runs it until --exit-on, --timeout or a signal, saves it. */
/* --record: everything that reaches the lamp from now on goes to path. */
static bool record_start(struct lamp *lamp, const char *path)
{
    g_autoptr(GError) error = NULL;

    if (!machine_record_start(lamp_machine(lamp), path, &error)) {
        fprintf(stderr, "lampsim run: --record: %s\n", error->message);
        return false;
    }
    fprintf(stderr, "lampsim: recording lamp %s into %s\n", lamp_serial(lamp), path);
    return true;
}

static void record_finish(struct lamp *lamp, const char *path)
{
    g_autoptr(GError) error = NULL;
    uint64_t bytes = machine_record_bytes(lamp_machine(lamp));

    if (!machine_record_finish(lamp_machine(lamp), &error))
        fprintf(stderr, "lampsim: --record %s: %s (it replays up to there)\n", path,
                error->message);
    else
        fprintf(stderr, "lampsim: recording %s: %" G_GUINT64_FORMAT " bytes\n", path, bytes);
}

static int run_lamp(struct run *run, const struct lamp_config *cfg, const char *record_path,
                    const char *external_boot, const char *update_path,
                    const char *install_app_path, const char *bluez,
                    struct ble_medium *medium, GRegex *regex, double timeout_s,
                    double checkpoint_s, bool use_stdin)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    g_autoptr(lamp) lamp = NULL;
    g_autoptr(scheduler) sched = NULL;
    struct checkpoints *saving = NULL;
    struct update_sender *update = NULL;
    const char *state_dir = cfg->state_dir;

    lamp = lamp_new(cfg, &error);
    if (!lamp) {
        fprintf(stderr, "lampsim run: %s\n", error->message);
        return 2;
    }
    if (lamp_was_factory_fresh(lamp))
        fprintf(stderr, "lampsim: new lamp %s (%s profile) provisioned from fleet %s into %s\n",
                lamp_serial(lamp), cfg->profile ? cfg->profile : "development", cfg->fleet_dir,
                state_dir);
    if (external_boot) {
        g_autofree char *bin = NULL;
        gsize len;

        if (!g_file_get_contents(external_boot, &bin, &len, &error) ||
            !machine_external_boot(lamp_machine(lamp), EXTERNAL_BOOT_ADDR, bin, len, &error)) {
            fprintf(stderr, "lampsim run: --external-boot %s: %s\n", external_boot,
                    error->message);
            return 2;
        }
    }
    if (update_path) {
        update = update_sender_start(lamp, update_path, true, on_update_done, run, &error);
        if (!update) {
            fprintf(stderr, "lampsim run: --update: %s\n", error->message);
            return 2;
        }
    } else if (install_app_path) {
        update = update_sender_start_kind(lamp, &TRANSFER_APP_INSTALL, install_app_path, true,
                                          on_install_done, run, &error);
        if (!update) {
            fprintf(stderr, "lampsim run: --install-app: %s\n", error->message);
            return 2;
        }
    }
    lamp_set_console_sink(lamp, stdout);
    if (record_path && !record_start(lamp, record_path)) {
        update_sender_free(update);
        return 2;
    }

    loop = g_main_loop_new(NULL, FALSE);
    sched = scheduler_new(NULL);
    run->loop = loop;
    run->lamp = lamp;
    run->sched = sched;
    run->exit_on = regex;
    lamp_watch_lines(lamp, on_line, run);
    scheduler_add(sched, lamp);

    g_unix_signal_add(SIGINT, on_signal, run);
    g_unix_signal_add(SIGTERM, on_signal, run);
    if (timeout_s > 0)
        g_timeout_add((guint)(timeout_s * 1000), on_timeout, run);
    /* with --console-input too: its lines wait for prompts, the user's
     * keys go straight to the UART */
    if (use_stdin) {
        run->stdin_open = true;
        g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP, on_stdin, run);
    }

    struct bluez_exposure *shown = NULL;
    if (bluez) {
        struct bluez_exposure_config bc = { .adapter = bluez, .count = 1 };
        shown = bluez_exposure_new(medium, &lamp, 1, &bc, &error);
        if (!shown) {
            fprintf(stderr, "lampsim run: --bluez: %s\n", error->message);
            return 2;
        }
    }
    g_autoptr(gdb_server) gdb = NULL;
    /* before power on, so that --gdb-wait holds it at its first instruction */
    if (run->gdb_host && !(gdb = gdb_server_new_announced(run->lamp, run->sched, run->gdb_host,
                                                          run->gdb_port, run->gdb_wait,
                                                          &error))) {
        fprintf(stderr, "lampsim run: --gdb: %s\n", error->message);
        return 2;
    }
    saving = checkpoints_new((guint)(checkpoint_s * 1000), on_checkpoint_failed, run);
    checkpoints_add(saving, lamp);
    machine_power_on(lamp_machine(lamp));
    g_main_loop_run(loop);

    checkpoints_free(saving);
    bluez_exposure_free(shown);
    update_sender_free(update);
    if (record_path)
        record_finish(lamp, record_path);
    if (run->checkpoint_failed)
        return run->exit_code; /* the error is told; the file keeps the last checkpoint */
    if (!machine_sync(lamp_machine(lamp), &error)) {
        fprintf(stderr, "lampsim: saving lamp state to %s: %s\n", state_dir, error->message);
        return EXIT_CHECKPOINT_FAILED;
    }
    return run->exit_code;
}


int cmd_run(int argc, char **argv)
{
    struct lamp_options opts;
    g_autofree char *serial = NULL, *exit_on = NULL;
    g_autofree char *update_path = NULL, *external_boot = NULL, *install_app_path = NULL;
    g_auto(GStrv) aps = NULL;
    g_autoptr(net_env) env = NULL;
    g_autoptr(ble_medium) medium = ble_medium_new(); /* freed after the lamp */
    g_autofree char *bluez = NULL, *gdb_spec = NULL, *record_path = NULL, *replay_path = NULL;
    gboolean gdb_wait = FALSE;
    double timeout_s = 0, checkpoint_s = CHECKPOINT_INTERVAL_MS / 1000.0;
    gboolean no_stdin = FALSE;
    GOptionEntry entries[] = {
        { "serial", 0, 0, G_OPTION_ARG_STRING, &serial,
          "Serial to give a new lamp (default: random, or derived from --seed)", "SERIAL" },
        { "exit-on", 0, 0, G_OPTION_ARG_STRING, &exit_on,
          "Exit 0 when a console line matches this regular expression", "REGEX" },
        { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout_s,
          "Exit 1 after this many host seconds", "SECONDS" },
        { "checkpoint-interval", 0, 0, G_OPTION_ARG_DOUBLE, &checkpoint_s,
          "Host seconds between checkpoints of the lamp's flash and OTP to its state directory "
          "(default 1, at least 0.001): what a host crash can lose (docs/robustness.md)",
          "SECONDS" },
        { "update", 0, 0, G_OPTION_ARG_FILENAME, &update_path,
          "Send this signed update image to the lamp over its console (the firmware's `update` "
          "transfer) once it shows its prompt", "IMAGE" },
        { "install-app", 0, 0, G_OPTION_ARG_FILENAME, &install_app_path,
          "Send this signed app package to the lamp over its console (`app install`, the same "
          "transfer) once it shows its prompt", "PACKAGE" },
        { "external-boot", 0, 0, G_OPTION_ARG_FILENAME, &external_boot,
          "Development lamps only: load this raw application binary (linked at 0x00020100) "
          "into slot A as a boot-ROM loader would and start it without the bootloader; "
          "refused when the lamp's BOOT_LOCK fuse is blown", "BIN" },
        { "ap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &aps,
          "A WiFi access point in the lamp's range (repeatable); its WiFi module joins it "
          "with the credentials the lamp holds", "SSID:PASSPHRASE" },
        { "bluez", 0, 0, G_OPTION_ARG_STRING, &bluez,
          "Also show the lamp through this host BlueZ adapter (e.g. hci0), so that a real "
          "phone can commission it (docs/ble.md#bluez); needs bluetoothd", "ADAPTER" },
        { "gdb", 0, 0, G_OPTION_ARG_STRING, &gdb_spec,
          "Serve GDB's remote protocol on [HOST:]PORT (host 127.0.0.1 unless given; port 0: any "
          "free one, printed on stderr) for `target remote`; one debugger at a time.  A lamp "
          "whose DEBUG_LOCK fuse is blown (production profile) refuses every debugger "
          "(docs/debugging.md)", "[HOST:]PORT" },
        { "gdb-wait", 0, 0, G_OPTION_ARG_NONE, &gdb_wait,
          "With --gdb: halt the lamp at its reset vector until a debugger lets it run", NULL },
        { "no-stdin", 0, 0, G_OPTION_ARG_NONE, &no_stdin,
          "Do not type standard input into the console", NULL },
        { "record", 0, 0, G_OPTION_ARG_FILENAME, &record_path,
          "Record everything that reaches the lamp from outside into this file, so that "
          "--replay repeats the run exactly (docs/debugging.md#record-and-replay)", "FILE" },
        { "replay", 0, 0, G_OPTION_ARG_FILENAME, &replay_path,
          "Repeat a recorded run, with no peer, into the empty --state-dir: same console, "
          "same flash; a divergence is reported with its instruction count", "FILE" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- boot one lamp with its console on this terminal");
    g_autoptr(GError) error = NULL;
    struct lamp_config cfg;
    struct run run = { .exit_code = 0 };
    g_autoptr(GRegex) regex = NULL;
    int rc;

    lamp_options_init(&opts);
    lamp_options_add(ctx, &opts, SIM_CMD_RUN);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "Exit status: 0 when --exit-on matched (or on Ctrl-C), 1 when --timeout\n"
        "was reached, 2 for bad arguments, a missing or corrupt firmware file, a\n"
        "refused --external-boot (boot-locked lamp), a failed provisioning,\n"
        "an unusable state directory or a --gdb address that cannot be listened on,\n"
        "4 when the lamp's state could not be saved (disk full, read-only): the lamp\n"
        "stops at once and its state directory keeps the last checkpoint.\n"
        "A lamp whose DEBUG_LOCK fuse is blown runs with --gdb but refuses every\n"
        "debugger; nothing bypasses the fuse.\n"
        "With --replay: 0 when the run repeated to the recording's end (flash\n"
        "hash compared), 1 when the recording stops early (a crashed run) and the\n"
        "replay matched up to there, 2 for an unusable recording, 3 when the run\n"
        "diverged (the report names the instruction count and what differed).\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        rc = usage_error(CMD_NAME, error->message);
        goto done;
    }
    if (argc > 1) {
        rc = usage_error(CMD_NAME, "unexpected argument; see lampsim run --help");
        goto done;
    }
    if (!lamp_options_check(&opts, SIM_CMD_RUN, aps != NULL, &cfg, &error)) {
        rc = usage_error(CMD_NAME, error->message);
        goto done;
    }
    if (replay_path && (aps || update_path || install_app_path || external_boot || bluez ||
                        opts.console_input || opts.ble_socket || record_path || exit_on ||
                        opts.seed || opts.cloud || opts.variant || opts.profile || serial)) {
        rc = usage_error(CMD_NAME, "--replay takes the lamp and every input from the recording: "
                                   "give no --ap, --update, --install-app, --external-boot, "
                                   "--bluez, --console-input, --ble-socket, --record, --exit-on, "
                                   "--seed, --cloud, --variant, --profile or --serial with it");
        goto done;
    }
    if (record_path && external_boot) {
        rc = usage_error(CMD_NAME, "--record does not keep an --external-boot image's boot "
                                   "address: record a lamp that boots its own image");
        goto done;
    }
    if (gdb_wait && !gdb_spec) {
        rc = usage_error(CMD_NAME, "--gdb-wait needs --gdb [HOST:]PORT");
        goto done;
    }
    if (gdb_spec && !gdb_server_parse_address(gdb_spec, &run.gdb_host, &run.gdb_port, &error)) {
        rc = usage_error(CMD_NAME, error->message);
        goto done;
    }
    if (replay_path) {
        struct replay_gdb rg = { .host = run.gdb_host, .port = run.gdb_port, .wait = gdb_wait };
        rc = replay_run(replay_path, &cfg, &rg);
        goto done;
    }
    if (timeout_s < 0) {
        rc = usage_error(CMD_NAME, "--timeout must not be negative");
        goto done;
    }
    if (!(checkpoint_s >= 0.001 && checkpoint_s <= 3600)) {
        rc = usage_error(CMD_NAME, "--checkpoint-interval must be 0.001 to 3600 seconds");
        goto done;
    }
    if (exit_on) {
        regex = g_regex_new(exit_on, 0, 0, &error);
        if (!regex) {
            rc = usage_error(CMD_NAME, error->message);
            goto done;
        }
    }
    cfg.serial = serial;
    env = net_env_new();
    for (char **a = aps; a && *a; a++)
        if (!net_env_add_ap_spec(env, *a, &error)) {
            rc = usage_error(CMD_NAME, error->message);
            goto done;
        }
    cfg.net_env = env;
    cfg.ble_medium = medium;
    if (opts.ble_socket && !ble_medium_listen(medium, opts.ble_socket, &error)) {
        fprintf(stderr, "lampsim run: %s\n", error->message);
        rc = 2;
        goto done;
    }
    run.gdb_wait = gdb_wait;
    if (update_path && install_app_path) {
        rc = usage_error(CMD_NAME, "give --update or --install-app, not both (the console "
                                   "carries one transfer at a time)");
        goto done;
    }
    rc = run_lamp(&run, &cfg, record_path, external_boot, update_path, install_app_path, bluez, medium, regex,
                  timeout_s, checkpoint_s, !no_stdin);
done:
    g_free(run.gdb_host);
    lamp_options_clear(&opts);
    return rc;
}
