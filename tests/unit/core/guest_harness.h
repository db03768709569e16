/* tests/unit/core/guest_harness.h: boot a tiny guest program in a fresh
 * machine (deterministic time, temporary state directory) and look at it. */
#ifndef LAMPSIM_TEST_GUEST_HARNESS_H
#define LAMPSIM_TEST_GUEST_HARNESS_H

#include "machine_internal.h"

struct guest {
    struct machine *m;
    char *dir;
};

/* Loads GUEST_DIR/name.bin at address 0; NULL on failure (printed). */
struct guest *guest_new(const char *name);
/* The same, with machine_config.count_stores set. */
struct guest *guest_new_counting_stores(const char *name);
/* The same, on a core shared with other machines (NULL: its own). */
struct guest *guest_new_on_core(const char *name, struct machine_core *core);
/* The same with a configuration of the caller's (its hooks, time mode,
 * core); the name and state directory are the harness's. */
struct guest *guest_new_config(const char *name, const struct machine_config *cfg);
/* The harness's log hook: lines on stderr when GUEST_TRACE is set. */
void guest_on_log(void *user, enum machine_log_level level, const char *msg);
/* Runs until the guest sleeps with no timer armed, skipping idle time;
 * false if it is still running after max_insns. */
bool guest_run(struct guest *g, uint64_t max_insns);
uint32_t guest_ram32(struct guest *g, uint32_t addr);
/* LOG[0] is the count, LOG[1..] the entries (guest/common.inc). */
uint32_t guest_log(struct guest *g, unsigned i);
void guest_free(struct guest *g);

#endif
