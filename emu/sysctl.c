/* emu/sysctl.c: SYSCTL, chip identity and reset control
 * (docs/hardware.md#sysctl-0x4000_0000). */
#include "link_failure_reasons.h"
#include "periph.h"
#include "sysctl_hw.h"

#include <string.h>

struct sysctl {
    struct machine *m;
    uint32_t resetcause, bootstage;
    /* what the firmware tells its twin (machine_fw_status) */
    uint32_t netstate, commission;
    bool commission_known;
    uint64_t events[SYSCTL_EVENT_COUNT];
    uint64_t failures[LF_REASONS];
    uint64_t dial_started_ns; /* virtual time the connection's dial began */
    uint64_t onlines, online_latency_ns_sum, last_online_latency_ns;
};

static void *sysctl_new(struct machine *m, GError **error)
{
    struct sysctl *s = g_new0(struct sysctl, 1);
    s->m = m;
    return s;
}

/* A connection's dial starts when the state enters DIALING from anything
 * but the dial itself; reaching ONLINE ends it (the connect-to-online
 * latency the twin reports). */
static void set_netstate(struct sysctl *s, uint32_t value)
{
    if (value >= SYSCTL_NETSTATE_COUNT) {
        machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: NETSTATE %u is no state", value);
        return;
    }
    if (value == SYSCTL_NETSTATE_DIALING && s->netstate != SYSCTL_NETSTATE_DIALING)
        s->dial_started_ns = machine_now_ns(s->m);
    if (value == SYSCTL_NETSTATE_ONLINE && s->netstate == SYSCTL_NETSTATE_MQTT) {
        s->last_online_latency_ns = machine_now_ns(s->m) - s->dial_started_ns;
        s->online_latency_ns_sum += s->last_online_latency_ns;
        s->onlines++;
    }
    s->netstate = value;
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
    case SYSCTL_REG_NETSTATE: return s->netstate;
    case SYSCTL_REG_COMMISSION: return s->commission;
    case SYSCTL_REG_EVENT: return 0;
    case SYSCTL_REG_LINKFAIL: return 0;
    }
    machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: read of 0x%03x", offset);
    return 0;
}

static void sysctl_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct sysctl *s = opaque;

    machine_note_change(s->m); /* the firmware tells its state here */
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
    case SYSCTL_REG_NETSTATE:
        set_netstate(s, value);
        return;
    case SYSCTL_REG_EVENT:
        if (value == 0 || value >= SYSCTL_EVENT_COUNT) {
            machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: EVENT %u is no event", value);
            return;
        }
        s->events[value]++;
        return;
    case SYSCTL_REG_COMMISSION:
        s->commission = value;
        s->commission_known = true;
        return;
    case SYSCTL_REG_LINKFAIL:
        if (value >= LF_REASONS) {
            machine_log(s->m, MACHINE_LOG_GUEST_ERROR, "sysctl: LINKFAIL %u is no reason", value);
            return;
        }
        s->failures[value]++;
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
    /* the firmware's own state is gone; the counts are the twin's */
    s->netstate = SYSCTL_NETSTATE_OFF;
    s->commission = 0;
    s->commission_known = false;
}

void machine_get_fw_status(struct machine *m, struct machine_fw_status *out)
{
    const struct sysctl *s = machine_periph_opaque(m, &sysctl_ops);

    *out = (struct machine_fw_status){
        .bootstage = s->bootstage,
        .netstate = s->netstate,
        .commission_known = s->commission_known,
        .commission_n = s->commission & SYSCTL_COMMISSION_N_MASK,
        .has_creds = (s->commission & SYSCTL_COMMISSION_CREDS) != 0,
        .tls_full = s->events[SYSCTL_EVENT_TLS_FULL],
        .tls_resumed = s->events[SYSCTL_EVENT_TLS_RESUMED],
        .tls_failed = s->events[SYSCTL_EVENT_TLS_FAILED],
        .mqtt_rx = s->events[SYSCTL_EVENT_MQTT_RX],
        .mqtt_tx = s->events[SYSCTL_EVENT_MQTT_TX],
        .drops = s->events[SYSCTL_EVENT_DROP],
        .onlines = s->onlines,
        .online_latency_ns_sum = s->online_latency_ns_sum,
        .last_online_latency_ns = s->last_online_latency_ns,
    };
    memcpy(out->failures, s->failures, sizeof(out->failures));
}

const struct periph_ops sysctl_ops = {
    .create = sysctl_new,
    .name = "sysctl", .read = sysctl_read, .write = sysctl_write,
    .reset = sysctl_reset, .free = g_free,
};
