/* emu/rng.c: the hardware RNG (docs/hardware.md#rng).  Host entropy from
 * getrandom(), or a per-lamp xoshiro256** stream seeded from --seed for
 * reproducible runs; an injected health-test failure sets SECS. */
#include "periph.h"
#include "rng_hw.h"
#include "rr.h"

#include <sys/random.h>

struct rng {
    struct machine *m;
    uint32_t cr;
    bool failed;        /* injected health-test failure, until EN toggles */
    bool fault_injected;
    uint64_t s[4];
    uint32_t pool[64];
    unsigned pool_left;
};

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t xoshiro(struct rng *r)
{
    uint64_t result = rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;
    r->s[2] ^= r->s[0]; r->s[3] ^= r->s[1]; r->s[1] ^= r->s[2]; r->s[0] ^= r->s[3];
    r->s[2] ^= t; r->s[3] = rotl(r->s[3], 45);
    return result;
}

static uint32_t rng_next(struct rng *r)
{
    if (machine_config(r->m)->rng_seeded)
        return (uint32_t)(xoshiro(r) >> 32);
    if (r->pool_left == 0) {
        if (!rr_host_entropy(r->m, r->pool, sizeof(r->pool))) {
            machine_log(r->m, MACHINE_LOG_INFO, "rng: host getrandom failed: reporting SECS");
            r->failed = true;
            return 0;
        }
        r->pool_left = G_N_ELEMENTS(r->pool);
    }
    return r->pool[--r->pool_left];
}

static void *rng_new(struct machine *m, GError **error)
{
    struct rng *r = g_new0(struct rng, 1);
    r->m = m;
    for (int i = 0; i < 4; i++)
        r->s[i] = machine_seeded_u64(m);
    return r;
}

void rng_inject_failure(void *opaque)
{
    struct rng *r = opaque;
    machine_log(r->m, MACHINE_LOG_INFO, "rng: health test failure injected");
    r->failed = true;
    r->fault_injected = true;
}

static bool ready(struct rng *r) { return (r->cr & RNG_CR_EN) && !r->failed; }

static uint32_t rng_read(void *opaque, uint32_t offset, unsigned size)
{
    struct rng *r = opaque;

    switch (offset) {
    case RNG_REG_CR: return r->cr;
    case RNG_REG_SR: return (ready(r) ? RNG_SR_DRDY : 0) | (r->failed ? RNG_SR_SECS : 0);
    case RNG_REG_DR:
        if (!ready(r)) {
            machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "rng: DR read while not ready");
            return 0;
        }
        return rng_next(r);
    }
    machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "rng: read of 0x%03x", offset);
    return 0;
}

static void rng_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct rng *r = opaque;

    if (offset != RNG_REG_CR) {
        machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "rng: write to 0x%03x", offset);
        return;
    }
    /* An injected fault persists until reset; a transient host failure is
     * cleared by turning the RNG off and on. */
    if (!(value & RNG_CR_EN) && !r->fault_injected)
        r->failed = false;
    r->cr = value & (RNG_CR_EN | RNG_CR_IE);
    machine_irq_set(r->m, IRQ_RNG, (r->cr & RNG_CR_IE) && ready(r));
}

static void rng_reset(void *opaque, uint32_t cause)
{
    struct rng *r = opaque;
    r->cr = 0;
    r->failed = r->fault_injected = false;
    machine_irq_set(r->m, IRQ_RNG, false);
}

const struct periph_ops rng_ops = {
    .create = rng_new,
    .name = "rng", .read = rng_read, .write = rng_write, .reset = rng_reset, .free = g_free,
};
