/* tests/unit/periph/periph_harness.c */
#include "periph_harness.h"

#include <glib/gstdio.h>

static char last_log[512];

static void on_log(void *user, enum machine_log_level level, const char *msg)
{
    g_strlcpy(last_log, msg, sizeof(last_log));
}

const char *bench_last_log(void) { return last_log; }

struct machine *bench_machine_new_net(const char *dir, uint64_t seed, struct net_env *env,
                                      GError **error)
{
    struct machine_config cfg = {
        .name = "test", .state_dir = dir, .time_mode = MACHINE_TIME_DETERMINISTIC,
        .rng_seeded = true, .seed = seed,
        .log_mask = MACHINE_LOG_GUEST_ERROR | MACHINE_LOG_UNIMP | MACHINE_LOG_INFO,
        .hooks = { .log = on_log },
        .net_env = env,
    };
    return machine_new(&cfg, error);
}

struct machine *bench_machine_new(const char *dir, uint64_t seed, GError **error)
{
    return bench_machine_new_net(dir, seed, NULL, error);
}

struct machine *bench_machine_new_variant(const char *dir, uint64_t seed, uint32_t variant,
                                         GError **error)
{
    g_autofree uint8_t *flash = g_malloc(FLASH_SIZE), *otp = g_malloc0(OTP_SIZE);

    memset(flash, 0xFF, FLASH_SIZE);
    if (!flash_store_create(dir, flash, FLASH_SIZE, otp, OTP_SIZE, variant, error))
        return NULL;
    return bench_machine_new(dir, seed, error);
}

char *bench_tmpdir(void)
{
    return g_dir_make_tmp("lampsim-periph-XXXXXX", NULL);
}

void bench_rmdir(const char *dir)
{
    const char *names[] = { "lamp.img", "lamp.img.tmp", "lamp.lock" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *p = g_build_filename(dir, names[i], NULL);
        g_unlink(p);
    }
    g_rmdir(dir);
}

static struct periph_slot *slot_at(struct machine *m, uint32_t addr)
{
    for (unsigned i = 0; i < m->nperiphs; i++)
        if (addr >= m->periphs[i].base && addr < m->periphs[i].base + PERIPH_WINDOW)
            return &m->periphs[i];
    g_error("no peripheral at 0x%08x", addr);
}

uint32_t reg_read(struct machine *m, uint32_t addr)
{
    struct periph_slot *s = slot_at(m, addr);
    return s->ops->read(s->opaque, addr - s->base, 4);
}

void reg_write(struct machine *m, uint32_t addr, uint32_t v)
{
    struct periph_slot *s = slot_at(m, addr);
    s->ops->write(s->opaque, addr - s->base, v, 4);
}
