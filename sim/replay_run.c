/* sim/replay_run.c: `lampsim run --replay FILE` (replay_run.h). */
#include "replay_run.h"

#include "flash_store.h"
#include "gdb_server.h"
#include "replay.h"

#include <glib-unix.h>
#include <inttypes.h>
#include <stdio.h>

/* Instructions replayed between looks at the main loop (Ctrl-C). */
#define REPLAY_STEP_INSNS (4u * 1000 * 1000)

struct replay_loop {
    GMainLoop *loop;
    struct replay *replay;
    struct lamp *lamp;
    enum replay_state state;
    guint step_source;      /* 0 while a debugger holds the lamp halted */
};

static gboolean on_step(gpointer user_data)
{
    struct replay_loop *rl = user_data;

    rl->state = replay_step(rl->replay, REPLAY_STEP_INSNS);
    if (rl->state == REPLAY_RUNNING && machine_state(lamp_machine(rl->lamp)) == MACHINE_HALTED) {
        rl->step_source = 0; /* on_wake brings it back */
        return G_SOURCE_REMOVE;
    }
    if (rl->state == REPLAY_RUNNING)
        return G_SOURCE_CONTINUE;
    rl->step_source = 0;
    g_main_loop_quit(rl->loop);
    return G_SOURCE_REMOVE;
}

/* The debug port resumed or stepped the lamp. */
static void on_wake(gpointer user_data)
{
    struct replay_loop *rl = user_data;

    if (!rl->step_source && rl->state == REPLAY_RUNNING)
        rl->step_source = g_idle_add(on_step, rl);
}

/* Slices through lamp_run, so that a GDB server sees the halts it asked for. */
static enum machine_state run_lamp_slice(void *user, uint64_t max_insns)
{
    return lamp_run(user, max_insns);
}

static gboolean on_signal(gpointer user_data)
{
    g_main_loop_quit(((struct replay_loop *)user_data)->loop);
    return G_SOURCE_CONTINUE;
}

/* The recording's start, as a new lamp in dir. */
static bool lay_start(const struct replay_start *s, const char *dir, GError **error)
{
    g_autofree char *store = g_build_filename(dir, "lamp.img", NULL);
    gsize flash_len, otp_len;
    const uint8_t *flash = g_bytes_get_data(s->flash, &flash_len);
    const uint8_t *otp = g_bytes_get_data(s->otp, &otp_len);

    if (!lamp_state_dir_usable(dir, error))
        return false;
    if (g_file_test(store, G_FILE_TEST_EXISTS)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "state directory %s already holds a lamp; a replay starts from the "
                    "recording's own flash: give an empty --state-dir", dir);
        return false;
    }
    return flash_store_create(dir, flash, flash_len, otp, otp_len, s->variant, error);
}

static int report(enum replay_state st, struct replay *replay)
{
    fprintf(stderr, "\nlampsim: replay: %s\n", replay_message(replay));
    switch (st) {
    case REPLAY_DONE: return REPLAY_EXIT_MATCHED;
    case REPLAY_CUT_SHORT: return REPLAY_EXIT_CUT_SHORT;
    case REPLAY_DIVERGED: return REPLAY_EXIT_DIVERGED;
    default: return REPLAY_EXIT_BAD;
    }
}

int replay_run(const char *path, const struct lamp_config *cfg, const struct replay_gdb *gdb)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    struct replay *replay = replay_open(path, &error);
    struct lamp *lamp = NULL;
    struct gdb_server *srv = NULL;
    struct replay_loop rl = { .state = REPLAY_RUNNING };
    struct lamp_config lc;
    const struct replay_start *s;
    int rc = REPLAY_EXIT_BAD;

    if (!replay) {
        fprintf(stderr, "lampsim run: --replay %s: %s\n", path, error->message);
        return REPLAY_EXIT_BAD;
    }
    s = replay_get_start(replay);
    /* Everything but where it lives comes from the recording. */
    lc = (struct lamp_config){
        .state_dir = cfg->state_dir, .log_mask = cfg->log_mask, .time_mode = s->time_mode,
        .seeded = s->rng_seeded, .seed = s->seed, .light_env = &s->env,
    };
    if (!lay_start(s, cfg->state_dir, &error) || !(lamp = lamp_new(&lc, &error)) ||
        !replay_attach(replay, lamp_machine(lamp), &error)) {
        fprintf(stderr, "lampsim run: --replay %s: %s\n", path, error->message);
        goto out;
    }
    fprintf(stderr, "lampsim: replaying %s (lamp %s, %s time) in %s, no peer\n", path,
            lamp_serial(lamp), s->time_mode == MACHINE_TIME_DETERMINISTIC ? "deterministic"
                                                                          : "recorded realtime",
            cfg->state_dir);
    lamp_set_console_sink(lamp, stdout);
    loop = g_main_loop_new(NULL, FALSE);
    rl.loop = loop;
    rl.replay = replay;
    rl.lamp = lamp;
    replay_set_runner(replay, run_lamp_slice, lamp);
    lamp_set_wake(lamp, on_wake, &rl);
    /* before the recording powers the lamp on, so --gdb-wait halts it at
     * its first instruction */
    if (gdb->host) {
        srv = gdb_server_new_announced(lamp, NULL, gdb->host, gdb->port, gdb->wait, &error);
        if (!srv) {
            fprintf(stderr, "lampsim run: --gdb: %s\n", error->message);
            goto out;
        }
    }
    rl.step_source = g_idle_add(on_step, &rl);
    g_unix_signal_add(SIGINT, on_signal, &rl);
    g_unix_signal_add(SIGTERM, on_signal, &rl);
    g_main_loop_run(loop);
    if (rl.state == REPLAY_RUNNING) {
        struct machine_stats stats;
        machine_get_stats(lamp_machine(lamp), &stats);
        fprintf(stderr, "\nlampsim: replay interrupted at instruction %" PRIu64 "\n",
                stats.instructions);
        rc = REPLAY_EXIT_CUT_SHORT;
    } else {
        rc = report(rl.state, replay);
    }
    if (srv)
        gdb_server_exited(srv, (unsigned)rc);
    if (!machine_sync(lamp_machine(lamp), &error))
        fprintf(stderr, "lampsim: saving the replayed lamp to %s: %s\n", cfg->state_dir,
                error->message);
out:
    /* The server holds the lamp's port; the replay points at the machine. */
    gdb_server_free(srv);
    if (rl.step_source)
        g_source_remove(rl.step_source);
    replay_free(replay);
    lamp_free(lamp);
    return rc;
}
