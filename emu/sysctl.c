/* emu/sysctl.c: SYSCTL, chip identity and reset control
 * (docs/hardware.md#sysctl-0x4000_0000). */
#include "periph.h"
#include "sysctl_hw.h"

struct sysctl {
    struct machine *m;
    uint32_t resetcause, bootstage;
};

static void *sysctl_new(struct machine *m, GError **error)
{
    struct sysctl *s = g_new0(struct sysctl, 1);
    s->m = m;
    return s;
}

static uint32_t sysctl_read(void *opaque, uint32_t offset, unsigned size)
{
    struct sysctl *s = opaque;

    switch (offset) {
    case SYSCTL_REG_CHIPID: return SYSCTL_CHIPID_VALUE;
    case SYSCTL_REG_REVISION: return SYSCTL_REVISION_VALUE;
    case SYSCTL_REG_RESETCAUSE: return s->resetcause;
    case SYSCTL_REG_FEATURES:
        return SYSCTL_FEATURE_FPU | SYSCTL_FEATURE_MPU | SYSCTL_FEATURE_NET |
               (machine_has_crypto_engine(s->m) ? SYSCTL_FEATURE_CRYPTO : 0);
    case SYSCTL_REG_RESETREQ: return 0;
    case SYSCTL_REG_CPUFREQ: return MACHINE_CPU_HZ;
    case SYSCTL_REG_BOOTSTAGE: return s->bootstage;
    }
    machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: read of 0x%03x", offset);
    return 0;
}

static void sysctl_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct sysctl *s = opaque;

    switch (offset) {
    case SYSCTL_REG_RESETCAUSE:
        s->resetcause &= ~value;
        return;
    case SYSCTL_REG_RESETREQ:
        if (value == SYSCTL_RESETREQ_KEY)
            machine_request_reset(s->m, MACHINE_RESET_SOFT);
        else
            machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: RESETREQ 0x%08x without key", value);
        return;
    case SYSCTL_REG_BOOTSTAGE:
        s->bootstage = value;
        return;
    }
    machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: write 0x%08x to read-only or unknown 0x%03x",
                value, offset);
}

static void sysctl_reset(void *opaque, uint32_t cause)
{
    struct sysctl *s = opaque;
    /* The cause of this reset, accumulated until software clears it. */
    s->resetcause = (cause & MACHINE_RESET_POR) ? cause : s->resetcause | cause;
    s->bootstage = 0;
}

const struct periph_ops sysctl_ops = {
    .create = sysctl_new,
    .name = "sysctl", .read = sysctl_read, .write = sysctl_write,
    .reset = sysctl_reset, .free = g_free,
};
