/* sim/lamp.h: one virtual lamp as lampsim sees it: a machine, its state
 * directory, and its console (line assembly, prompt-driven input). */
#ifndef LAMPSIM_SIM_LAMP_H
#define LAMPSIM_SIM_LAMP_H

#include "machine.h"

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

/* The firmware's console prompt (docs/firmware.md); queued input lines are
 * typed one at a time, each when the prompt appears. */
#define LAMP_CONSOLE_PROMPT "lamp> "

struct lamp;
typedef struct lamp lamp; /* for g_autoptr(lamp) */

struct ble_medium; /* blebridge/medium.h */

struct lamp_config {
    const char *state_dir;
    /* A state directory without a lamp is provisioned like a factory would
     * (sim/provision.h): */
    const char *firmware_dir;  /* bootloader.bin and app.img (signed) */
    const char *fleet_dir;     /* trust material and registry */
    const char *profile;       /* "development" (default) or "production" */
    const char *serial;        /* NULL: derived from seed, or random */
    enum machine_time_mode time_mode;
    bool seeded;
    uint64_t seed;
    uint64_t wall_clock_s;     /* machine_config.wall_clock_s (deterministic mode) */
    unsigned log_mask;
    struct net_env *net_env;   /* access points in range (shared), or NULL */
    const char *cloud;         /* broker "host:port" provisioned into new lamps, or NULL */
    /* hardware of a new lamp: "crypto" (with the CRYPTO engine) or "basic";
     * NULL: the factory's default.  An existing lamp of another variant is
     * refused (hardware does not change). */
    const char *variant;
    bool count_stores;         /* machine_config.count_stores (diagnostic) */
    struct ble_medium *ble_medium; /* the air the lamp's BLE radio is on, or NULL */
    struct machine_core *core; /* the core to run on (machine_config.core), or NULL */
    /* the room the lamp is in (its LIGHT sensors' environment), or NULL:
     * the machine's default (dark, empty, 25 degC) */
    const struct machine_light_env *light_env;
    /* Lines typed at the console's prompts, in order (NULL-terminated), or NULL. */
    const char *const *console_input;
    /* A file in the state directory each console line is appended to,
     * stamped with the lamp's virtual time (e.g. "console.log"), or NULL. */
    const char *console_log;
};

/* A complete console line (no newline) or a lamp event for watchers. */
typedef void (*lamp_line_fn)(struct lamp *lamp, const char *line,
                             gpointer user_data);

struct lamp *lamp_new(const struct lamp_config *cfg, GError **error);
/* Creates dir if needed and checks that it is a writable directory; the
 * error names it and says to pick another with --state-dir. */
bool lamp_state_dir_usable(const char *dir, GError **error);
void lamp_free(struct lamp *lamp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(lamp, lamp_free)

struct machine *lamp_machine(struct lamp *lamp);
const char *lamp_serial(struct lamp *lamp);
/* "crypto" (with the CRYPTO engine) or "basic". */
const char *lamp_variant(struct lamp *lamp);
/* name is one of the variants lamp_variant returns. */
bool lamp_variant_valid(const char *name);
/* True when lamp_new provisioned a new lamp into the state directory. */
bool lamp_was_factory_fresh(struct lamp *lamp);

/* Where raw console output goes (NULL: nowhere), e.g. stdout for `run`. */
void lamp_set_console_sink(struct lamp *lamp, FILE *sink);
/* Ends each slice right after a complete console line, so whoever watches
 * lines sees the machine exactly as it was when the line was printed
 * (scenarios); costs a slice per line. */
void lamp_set_stop_at_lines(struct lamp *lamp, bool on);
/* Called for each complete console line. */
void lamp_watch_lines(struct lamp *lamp, lamp_line_fn fn, gpointer user_data);
void lamp_unwatch_lines(struct lamp *lamp, lamp_line_fn fn, gpointer user_data);
/* Called after every slice, outside the machine's callbacks: the place to
 * type input decided while watching lines. */
typedef void (*lamp_slice_fn)(struct lamp *lamp, gpointer user_data);
void lamp_on_slice_end(struct lamp *lamp, lamp_slice_fn fn, gpointer user_data);
void lamp_remove_slice_end(struct lamp *lamp, lamp_slice_fn fn, gpointer user_data);
/* Queue a line to type at the next prompt. */
void lamp_queue_input_line(struct lamp *lamp, const char *line);
/* Outside a slice (not from a line watcher): types the next queued line
 * now if the console already shows its prompt, instead of after the
 * lamp's next slice (a sleeping lamp may not run one for a while). */
void lamp_flush_input(struct lamp *lamp);
/* Runs the lamp's machine for one slice, then types any queued line whose
 * prompt appeared during it. */
enum machine_state lamp_run(struct lamp *lamp, uint64_t max_insns);
/* Type raw bytes now (interactive terminal input). */
void lamp_type(struct lamp *lamp, const char *buf, size_t len);
guint lamp_prompts_seen(struct lamp *lamp);
/* The console shows its prompt and every queued input line has been typed
 * and answered (the prompt after it is back). */
bool lamp_console_ready(struct lamp *lamp);
/* Resets the watchdog, and a core lockup, caused since the lamp was made. */
uint64_t lamp_watchdog_resets(struct lamp *lamp);
uint64_t lamp_lockup_resets(struct lamp *lamp);
/* Host CPU time (thread clock) spent running this lamp's machine, the
 * running slice included: what a phase of its life cost, measured from
 * console lines (lampsim fleet). */
uint64_t lamp_cpu_ns(struct lamp *lamp);
/* Called when host I/O (the network) changed the lamp's machine outside
 * a slice: its scheduler must look at it again. */
void lamp_set_wake(struct lamp *lamp, void (*fn)(gpointer user_data), gpointer user_data);
/* The debugger's server a fleet lamp carries (sim/fleet_gdb.c): one at
 * most, freed with free_fn when replaced (NULL: none) or when the lamp is
 * freed, on the lamp's own thread, before anything else of the lamp. */
void lamp_set_debugger(struct lamp *lamp, gpointer debugger, GDestroyNotify free_fn);
gpointer lamp_debugger(struct lamp *lamp);

#endif
