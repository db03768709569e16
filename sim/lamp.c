/* sim/lamp.c: a virtual lamp: machine + state directory + console. */
#include "lamp.h"
#include "medium.h"

#include "provision.h"
#include "otp_layout.h"
#include "periph.h"
#include "sim_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

struct line_watch {
    lamp_line_fn fn;
    gpointer user_data;
};

struct slice_hook {
    lamp_slice_fn fn;
    gpointer user_data;
};

struct lamp {
    struct machine *machine;
    char *state_dir;
    char serial[OTP_SERIAL_SIZE + 1];
    bool factory_fresh;
    FILE *sink;
    char *console_log;      /* appended to, opened for each write; NULL: none */
    GString *line;          /* console bytes since the last newline */
    GArray *watches;        /* struct line_watch */
    GArray *slice_hooks;    /* struct slice_hook */
    GQueue input;           /* char *, lines waiting for a prompt */
    guint prompts;
    guint lines_typed;      /* of the queued input */
    bool prompt_pending;    /* a prompt appeared: type the next line */
    bool stop_at_lines;     /* end the slice at every complete line */
    uint64_t cpu_ns;        /* host CPU spent in this lamp's slices */
    struct ble_medium *ble_medium;
    uint64_t slice_cpu0;    /* thread CPU time when the running slice began */
    bool in_slice;
    bool cr_pending;        /* the last byte was a carriage return */
    uint64_t resets_wdt, resets_lockup; /* resets by these causes (the twin's) */
    void (*wake_fn)(gpointer user_data);
    gpointer wake_data;
    gpointer debugger;      /* lamp_set_debugger */
    GDestroyNotify debugger_free;
};

static void append_console_log(struct lamp *lamp, const char *line);

static void lamp_emit_line(struct lamp *lamp)
{
    /* Serial consoles end lines with CR LF; watchers get the text only. */
    while (lamp->line->len > 0 && lamp->line->str[lamp->line->len - 1] == '\r')
        g_string_truncate(lamp->line, lamp->line->len - 1);
    if (lamp->console_log)
        append_console_log(lamp, lamp->line->str);
    for (guint i = 0; i < lamp->watches->len; i++) {
        struct line_watch *w = &g_array_index(lamp->watches, struct line_watch, i);
        w->fn(lamp, lamp->line->str, w->user_data);
    }
    g_string_truncate(lamp->line, 0);
}

static void lamp_type_next_line(struct lamp *lamp)
{
    char *text = g_queue_pop_head(&lamp->input);

    if (!text)
        return;
    machine_console_input(lamp->machine, (const uint8_t *)text, strlen(text));
    machine_console_input(lamp->machine, (const uint8_t *)"\r", 1);
    lamp->lines_typed++;
    g_free(text);
}

/* One complete line, stamped with the lamp's virtual time (instruction-
 * exact in deterministic mode).  The file is opened for each line: a fleet
 * of thousands holds no descriptor for its logs, and a crash loses nothing
 * written before it. */
static void append_console_log(struct lamp *lamp, const char *line)
{
    uint64_t us = machine_now_ns(lamp->machine) / 1000;
    g_autofree char *text = g_strdup_printf("[%6" G_GUINT64_FORMAT ".%06u] %s\n",
                                            us / 1000000, (unsigned)(us % 1000000), line);
    size_t len = strlen(text);
    int fd = open(lamp->console_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ssize_t n = -1;
    int err;

    if (fd >= 0) {
        n = write(fd, text, len);
        err = errno;
        close(fd);
    } else {
        err = errno;
    }
    if (n == (ssize_t)len)
        return;
    fprintf(stderr, "lampsim: console log %s: %s; the lamp's console is no longer logged\n",
            lamp->console_log, n < 0 ? g_strerror(err) : "short write (disk full?)");
    g_clear_pointer(&lamp->console_log, g_free);
}

static void on_console_tx(void *user, const uint8_t *buf, size_t len)
{
    struct lamp *lamp = user;

    if (lamp->sink) {
        fwrite(buf, 1, len, lamp->sink);
        fflush(lamp->sink);
    }
    for (size_t i = 0; i < len; i++) {
        /* A carriage return not ending a line goes back to column 0: the
         * firmware overwrites its prompt with a message that way. */
        if (lamp->cr_pending && buf[i] != '\n')
            g_string_truncate(lamp->line, 0);
        lamp->cr_pending = buf[i] == '\r';
        if (buf[i] == '\r')
            continue;
        if (buf[i] == '\n') {
            lamp_emit_line(lamp);
            if (lamp->stop_at_lines)
                machine_stop_cpu(lamp->machine);
            continue;
        }
        g_string_append_c(lamp->line, (char)buf[i]);
        if (g_str_has_suffix(lamp->line->str, LAMP_CONSOLE_PROMPT)) {
            lamp->prompts++;
            /* Typed after the slice: the UART is not re-entered from
             * inside its own transmit callback. */
            lamp->prompt_pending = true;
        }
    }
}

static void on_log(void *user, enum machine_log_level level, const char *msg)
{
    struct lamp *lamp = user;
    const char *cls = level == MACHINE_LOG_GUEST_ERROR ? "guest-error"
                      : level == MACHINE_LOG_UNIMP     ? "unimplemented"
                      : level == MACHINE_LOG_INFO      ? "info"
                                                       : "trace";

    fprintf(stderr, "lampsim[%s] %s: %s\n", lamp->serial, cls, msg);
}

static void on_reset(void *user, uint32_t cause)
{
    struct lamp *lamp = user;

    /* Output after a reset starts a new line even if the firmware was
     * cut off in the middle of one. */
    if (lamp->line->len > 0)
        lamp_emit_line(lamp);
    lamp->resets_wdt += (cause & MACHINE_RESET_WDT) != 0;
    lamp->resets_lockup += (cause & MACHINE_RESET_LOCKUP) != 0;
}

static void on_wake(void *user)
{
    struct lamp *lamp = user;

    if (lamp->wake_fn)
        lamp->wake_fn(lamp->wake_data);
}

static void on_power_off(void *user, const char *why)
{
    struct lamp *lamp = user;

    fprintf(stderr, "lampsim[%s] info: power off: %s\n", lamp->serial, why);
}

bool lamp_state_dir_usable(const char *dir, GError **error)
{
    struct stat st;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_STATE_DIR,
                    "state directory %s: cannot create (%s); pick another "
                    "with --state-dir", dir, g_strerror(errno));
        return false;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_STATE_DIR,
                    "state directory %s: not a directory; pick another with "
                    "--state-dir", dir);
        return false;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_STATE_DIR,
                    "state directory %s: not writable (%s); pick another "
                    "with --state-dir", dir, g_strerror(errno));
        return false;
    }
    return true;
}

/* A new lamp gets what the factory gives it: keys, fuses, bootloader and
 * the signed application, through the factory library. */
static bool lamp_provision(struct lamp *lamp, const struct lamp_config *cfg, GError **error)
{
    const char *serial = lamp->serial;

    if (cfg->serial)
        g_strlcpy(lamp->serial, cfg->serial, sizeof(lamp->serial));
    else
        provision_default_serial(cfg, lamp->serial);
    return provision_new_lamps(cfg, &cfg->state_dir, &serial, 1, 1, NULL, NULL, error);
}

static void read_serial(struct lamp *lamp)
{
    char buf[OTP_SERIAL_SIZE] = {0};

    if (!machine_read_phys(lamp->machine, OTP_BASE + OTP_SERIAL_OFFSET, buf,
                           sizeof(buf)) || buf[0] == 0) {
        g_strlcpy(lamp->serial, "unprovisioned", sizeof(lamp->serial));
        return;
    }
    memcpy(lamp->serial, buf, sizeof(buf));
    lamp->serial[OTP_SERIAL_SIZE] = 0;
}

struct lamp *lamp_new(const struct lamp_config *cfg, GError **error)
{
    g_autoptr(lamp) lamp = g_new0(struct lamp, 1);
    g_autofree char *store = NULL;
    struct machine_config mc = {
        .state_dir = cfg->state_dir,
        .time_mode = cfg->time_mode,
        .seed = cfg->seed,
        .rng_seeded = cfg->seeded,
        .wall_clock_s = cfg->wall_clock_s,
        .log_mask = cfg->log_mask,
        .hooks = {
            .console_tx = on_console_tx,
            .log = on_log,
            .reset = on_reset,
            .power_off = on_power_off,
            .wake = on_wake,
        },
        .net_env = cfg->net_env,
        .count_stores = cfg->count_stores,
        .ble_ops = cfg->ble_medium ? &ble_medium_radio_ops : NULL,
        .ble_medium = cfg->ble_medium,
        .core = cfg->core,
    };

    lamp->line = g_string_new(NULL);
    lamp->watches = g_array_new(FALSE, FALSE, sizeof(struct line_watch));
    lamp->slice_hooks = g_array_new(FALSE, FALSE, sizeof(struct slice_hook));
    g_queue_init(&lamp->input);
    g_strlcpy(lamp->serial, "new", sizeof(lamp->serial));
    lamp->state_dir = g_strdup(cfg->state_dir);
    lamp->ble_medium = cfg->ble_medium;
    if (!lamp_state_dir_usable(cfg->state_dir, error))
        return NULL;

    store = g_build_filename(cfg->state_dir, "lamp.img", NULL);
    if (!g_file_test(store, G_FILE_TEST_EXISTS)) {
        if (!lamp_provision(lamp, cfg, error))
            return NULL;
        lamp->factory_fresh = true;
    }
    mc.name = cfg->state_dir;
    mc.hooks.user = lamp;
    lamp->machine = machine_new(&mc, error);
    if (!lamp->machine)
        return NULL;
    if (cfg->variant && strcmp(cfg->variant, lamp_variant(lamp)) != 0) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "the lamp in %s is the %s variant; it cannot become %s (remove the "
                    "state directory to make a new lamp)", cfg->state_dir, lamp_variant(lamp),
                    cfg->variant);
        return NULL;
    }
    read_serial(lamp);
    if (cfg->light_env && !machine_light_set_env(lamp->machine, cfg->light_env, error))
        return NULL;
    if (cfg->console_log)
        lamp->console_log = g_build_filename(cfg->state_dir, cfg->console_log, NULL);
    for (const char *const *l = cfg->console_input; l && *l; l++)
        lamp_queue_input_line(lamp, *l);
    return g_steal_pointer(&lamp);
}

void lamp_set_wake(struct lamp *lamp, void (*fn)(gpointer), gpointer user_data)
{
    lamp->wake_fn = fn;
    lamp->wake_data = user_data;
}

void lamp_free(struct lamp *lamp)
{
    if (!lamp)
        return;
    /* first: a debugger's server holds the lamp's port and slice hook */
    lamp_set_debugger(lamp, NULL, NULL);
    if (lamp->ble_medium && lamp->machine)
        ble_medium_forget(lamp->ble_medium, machine_ble_radio(lamp->machine));
    if (lamp->machine)
        machine_free(lamp->machine);
    g_queue_clear_full(&lamp->input, g_free);
    g_array_unref(lamp->watches);
    g_array_unref(lamp->slice_hooks);
    g_string_free(lamp->line, TRUE);
    g_free(lamp->console_log);
    g_free(lamp->state_dir);
    g_free(lamp);
}

void lamp_set_debugger(struct lamp *lamp, gpointer debugger, GDestroyNotify free_fn)
{
    gpointer old = lamp->debugger;
    GDestroyNotify old_free = lamp->debugger_free;

    lamp->debugger = debugger;
    lamp->debugger_free = free_fn;
    if (old && old_free)
        old_free(old);
}

gpointer lamp_debugger(struct lamp *lamp) { return lamp->debugger; }

struct machine *lamp_machine(struct lamp *lamp) { return lamp->machine; }
const char *lamp_serial(struct lamp *lamp) { return lamp->serial; }
bool lamp_was_factory_fresh(struct lamp *lamp) { return lamp->factory_fresh; }

bool lamp_variant_valid(const char *name)
{
    return !strcmp(name, "crypto") || !strcmp(name, "basic");
}

const char *lamp_variant(struct lamp *lamp)
{
    return machine_has_crypto_engine(lamp->machine) ? "crypto" : "basic";
}
void lamp_set_console_sink(struct lamp *lamp, FILE *sink) { lamp->sink = sink; }
void lamp_set_stop_at_lines(struct lamp *lamp, bool on) { lamp->stop_at_lines = on; }
guint lamp_prompts_seen(struct lamp *lamp) { return lamp->prompts; }

bool lamp_console_ready(struct lamp *lamp)
{
    /* a typed line is done when the prompt after it shows */
    return g_queue_is_empty(&lamp->input) && lamp->prompts > lamp->lines_typed;
}
uint64_t lamp_watchdog_resets(struct lamp *lamp) { return lamp->resets_wdt; }
uint64_t lamp_lockup_resets(struct lamp *lamp) { return lamp->resets_lockup; }

void lamp_watch_lines(struct lamp *lamp, lamp_line_fn fn, gpointer user_data)
{
    struct line_watch w = { fn, user_data };

    g_array_append_val(lamp->watches, w);
}

void lamp_unwatch_lines(struct lamp *lamp, lamp_line_fn fn, gpointer user_data)
{
    for (guint i = 0; i < lamp->watches->len; i++) {
        struct line_watch *w = &g_array_index(lamp->watches, struct line_watch, i);
        if (w->fn == fn && w->user_data == user_data) {
            g_array_remove_index(lamp->watches, i);
            return;
        }
    }
}

void lamp_on_slice_end(struct lamp *lamp, lamp_slice_fn fn, gpointer user_data)
{
    struct slice_hook h = { fn, user_data };

    g_array_append_val(lamp->slice_hooks, h);
}

void lamp_remove_slice_end(struct lamp *lamp, lamp_slice_fn fn, gpointer user_data)
{
    for (guint i = 0; i < lamp->slice_hooks->len; i++) {
        struct slice_hook *h = &g_array_index(lamp->slice_hooks, struct slice_hook, i);
        if (h->fn == fn && h->user_data == user_data) {
            g_array_remove_index(lamp->slice_hooks, i);
            return;
        }
    }
}

void lamp_queue_input_line(struct lamp *lamp, const char *line)
{
    g_queue_push_tail(&lamp->input, g_strdup(line));
    /* Already sitting at a prompt: type it after the next slice. */
    if (g_str_has_suffix(lamp->line->str, LAMP_CONSOLE_PROMPT))
        lamp->prompt_pending = true;
}

void lamp_flush_input(struct lamp *lamp)
{
    if (lamp->prompt_pending && !lamp->in_slice) {
        lamp->prompt_pending = false;
        lamp_type_next_line(lamp);
    }
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t lamp_cpu_ns(struct lamp *lamp)
{
    return lamp->cpu_ns + (lamp->in_slice ? thread_cpu_ns() - lamp->slice_cpu0 : 0);
}

enum machine_state lamp_run(struct lamp *lamp, uint64_t max_insns)
{
    lamp->slice_cpu0 = thread_cpu_ns();
    lamp->in_slice = true;
    enum machine_state st = machine_run(lamp->machine, max_insns);
    lamp->in_slice = false;
    lamp->cpu_ns += thread_cpu_ns() - lamp->slice_cpu0;

    /* Not into a core its debugger holds: the line the prompt asks for
     * waits for the run to go on, as it would have without the halt (a
     * fault halted in its handler's entry would otherwise take the line
     * into the reset that follows). */
    if (lamp->prompt_pending && st != MACHINE_HALTED) {
        lamp->prompt_pending = false;
        lamp_type_next_line(lamp);
        st = machine_state(lamp->machine);
    }
    /* A hook may remove itself: walk a copy. */
    if (lamp->slice_hooks->len) {
        g_autoptr(GArray) hooks = g_array_copy(lamp->slice_hooks);
        for (guint i = 0; i < hooks->len; i++) {
            struct slice_hook *h = &g_array_index(hooks, struct slice_hook, i);
            h->fn(lamp, h->user_data);
        }
        st = machine_state(lamp->machine);
    }
    return st;
}

void lamp_type(struct lamp *lamp, const char *buf, size_t len)
{
    machine_console_input(lamp->machine, (const uint8_t *)buf, len);
}
