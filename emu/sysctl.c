/* emu/sysctl.c: SYSCTL, chip identity and reset control
 * (docs/hardware.md#sysctl-0x4000_0000). */
#include "periph.h"

enum { SYSCTL_CHIPID = 0x00, SYSCTL_REVISION = 0x04, SYSCTL_RESETCAUSE = 0x08,
       SYSCTL_FEATURES = 0x0C, SYSCTL_RESETREQ = 0x10, SYSCTL_CPUFREQ = 0x14,
       SYSCTL_BOOTSTAGE = 0x18 };
#define RESETREQ_KEY 0x5EC0DE01u
#define FEATURE_FPU 1u
#define FEATURE_MPU 2u
#define FEATURE_CRYPTO 4u
#define FEATURE_NET 8u

struct sysctl {
    struct machine *m;
    uint32_t resetcause, bootstage;
};

void *sysctl_new(struct machine *m, GError **error)
{
    struct sysctl *s = g_new0(struct sysctl, 1);
    s->m = m;
    return s;
}

static uint32_t sysctl_read(void *opaque, uint32_t offset, unsigned size)
{
    struct sysctl *s = opaque;

    switch (offset) {
    case SYSCTL_CHIPID: return 0x4C4D5031; /* "LMP1" */
    case SYSCTL_REVISION: return 0x00010000;
    case SYSCTL_RESETCAUSE: return s->resetcause;
    case SYSCTL_FEATURES:
        return FEATURE_FPU | FEATURE_MPU | FEATURE_NET |
               (machine_has_crypto_engine(s->m) ? FEATURE_CRYPTO : 0);
    case SYSCTL_RESETREQ: return 0;
    case SYSCTL_CPUFREQ: return MACHINE_CPU_HZ;
    case SYSCTL_BOOTSTAGE: return s->bootstage;
    }
    machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: read of 0x%03x", offset);
    return 0;
}

static void sysctl_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct sysctl *s = opaque;

    switch (offset) {
    case SYSCTL_RESETCAUSE:
        s->resetcause &= ~value;
        return;
    case SYSCTL_RESETREQ:
        if (value == RESETREQ_KEY)
            machine_request_reset(s->m, MACHINE_RESET_SOFT);
        else
            machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: RESETREQ 0x%08x without key", value);
        return;
    case SYSCTL_BOOTSTAGE:
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
    .name = "sysctl", .read = sysctl_read, .write = sysctl_write,
    .reset = sysctl_reset, .free = g_free,
};
