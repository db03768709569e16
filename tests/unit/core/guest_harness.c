/* tests/unit/core/guest_harness.c */
#include "guest_harness.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#define LOG_BASE 0x20000100u

void guest_on_log(void *user, enum machine_log_level level, const char *msg)
{
    if (g_getenv("GUEST_TRACE"))
        fprintf(stderr, "guest: %s\n", msg);
}

struct guest *guest_new_config(const char *name, const struct machine_config *base)
{
    g_autofree char *path = g_strdup_printf("%s/%s.bin", GUEST_DIR, name);
    g_autofree char *code = NULL;
    g_autoptr(GError) error = NULL;
    struct guest *g = g_new0(struct guest, 1);
    struct machine_config cfg = *base;
    gsize len;

    cfg.name = name;
    g->dir = g_dir_make_tmp("lampsim-test-XXXXXX", &error);
    if (!g->dir || !g_file_get_contents(path, &code, &len, &error)) {
        fprintf(stderr, "guest %s: %s\n", name, error->message);
        goto fail;
    }
    cfg.state_dir = g->dir;
    g->m = machine_new(&cfg, &error);
    if (!g->m || !machine_factory_write(g->m, 0, code, len, &error)) {
        fprintf(stderr, "guest %s: %s\n", name, error->message);
        goto fail;
    }
    machine_power_on(g->m);
    return g;
fail:
    guest_free(g);
    return NULL;
}

static struct guest *guest_create(const char *name, bool count_stores,
                                   struct machine_core *core)
{
    struct machine_config cfg = {
        .time_mode = MACHINE_TIME_DETERMINISTIC, .rng_seeded = true,
        .seed = 1, .log_mask = MACHINE_LOG_GUEST_ERROR | MACHINE_LOG_UNIMP | MACHINE_LOG_INFO |
                               MACHINE_LOG_TRACE,
        .hooks = { .log = guest_on_log },
        .count_stores = count_stores,
        .core = core,
    };

    return guest_new_config(name, &cfg);
}

struct guest *guest_new(const char *name)
{
    return guest_create(name, false, NULL);
}

struct guest *guest_new_counting_stores(const char *name)
{
    return guest_create(name, true, NULL);
}

struct guest *guest_new_on_core(const char *name, struct machine_core *core)
{
    return guest_create(name, false, core);
}

bool guest_run(struct guest *g, uint64_t max_insns)
{
    uint64_t start = g->m->icount;

    while (g->m->icount - start < max_insns) {
        enum machine_state st = machine_run(g->m, 10000);
        if (st == MACHINE_SLEEPING) {
            if (machine_next_deadline_ns(g->m) == UINT64_MAX)
                return true;
            machine_skip_to_next_deadline(g->m);
        } else if (st == MACHINE_OFF || st == MACHINE_LOCKED_UP) {
            return true;
        }
    }
    return false;
}

uint32_t guest_ram32(struct guest *g, uint32_t addr)
{
    uint32_t v = 0xDEADBEEF;
    machine_read_phys(g->m, addr, &v, 4);
    return v;
}

uint32_t guest_log(struct guest *g, unsigned i)
{
    return guest_ram32(g, LOG_BASE + 4 * i);
}

void guest_free(struct guest *g)
{
    if (!g)
        return;
    machine_free(g->m);
    if (g->dir) {
        g_autofree char *img = g_build_filename(g->dir, "lamp.img", NULL);
        g_autofree char *lock = g_build_filename(g->dir, "lamp.lock", NULL);
        g_unlink(img);
        g_unlink(lock);
        g_rmdir(g->dir);
        g_free(g->dir);
    }
    g_free(g);
}
