/* emu/rtc.c: real-time clock with alarm (docs/hardware.md#rtc).  Battery
 * backed: it keeps running across warm resets. */
#include "periph.h"
#include "rtc_hw.h"
#include "rr.h"

#define DETERMINISTIC_EPOCH 1767225600ull /* 2026-01-01 00:00:00 UTC */

struct rtc {
    struct machine *m;
    uint64_t base_ns;       /* Unix time in ns at virtual time 0 */
    uint32_t alarm, cr, sr, subsec_latch;
    struct machine_timer *timer;
};

static uint64_t unix_ns(struct rtc *r) { return r->base_ns + machine_now_ns(r->m); }

static void rtc_update(struct rtc *r)
{
    machine_irq_set(r->m, IRQ_RTC, (r->cr & RTC_CR_ALARMIE) && (r->sr & RTC_SR_ALARMF));
}

static void rtc_arm(struct rtc *r)
{
    uint64_t at = (uint64_t)r->alarm * 1000000000ull;

    if (!(r->cr & RTC_CR_ALARMEN)) {
        machine_timer_cancel(r->timer);
        return;
    }
    machine_timer_arm(r->timer, at > r->base_ns ? at - r->base_ns : 0);
}

static void rtc_fire(void *opaque)
{
    struct rtc *r = opaque;
    r->sr |= RTC_SR_ALARMF;
    rtc_update(r);
}

static void rtc_set_base(struct rtc *r, uint64_t unix_now_ns)
{
    r->base_ns = unix_now_ns - machine_now_ns(r->m);
}

static void *rtc_new(struct machine *m, GError **error)
{
    struct rtc *r = g_new0(struct rtc, 1);
    r->m = m;
    r->timer = machine_timer_new(m, rtc_fire, r);
    return r;
}

static uint32_t rtc_read(void *opaque, uint32_t offset, unsigned size)
{
    struct rtc *r = opaque;
    uint64_t now = unix_ns(r);

    switch (offset) {
    case RTC_REG_SECONDS:
        r->subsec_latch = (uint32_t)((now % 1000000000ull) * RTC_SUBSEC_HZ / 1000000000ull);
        return (uint32_t)(now / 1000000000ull);
    case RTC_REG_SUBSEC: return r->subsec_latch;
    case RTC_REG_ALARM: return r->alarm;
    case RTC_REG_CR: return r->cr;
    case RTC_REG_SR: return r->sr;
    }
    machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "rtc: read of 0x%03x", offset);
    return 0;
}

static void rtc_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct rtc *r = opaque;

    switch (offset) {
    case RTC_REG_SECONDS: rtc_set_base(r, (uint64_t)value * 1000000000ull); rtc_arm(r); return;
    case RTC_REG_ALARM: r->alarm = value; rtc_arm(r); return;
    case RTC_REG_CR: r->cr = value & 3; rtc_arm(r); rtc_update(r); return;
    case RTC_REG_SR: r->sr &= ~value; rtc_update(r); return;
    }
    machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "rtc: write to 0x%03x", offset);
}

static void rtc_reset(void *opaque, uint32_t cause)
{
    struct rtc *r = opaque;

    if (cause & MACHINE_RESET_POR) {
        if (machine_config(r->m)->time_mode == MACHINE_TIME_DETERMINISTIC)
            rtc_set_base(r, (machine_config(r->m)->wall_clock_s
                                 ? machine_config(r->m)->wall_clock_s
                                 : DETERMINISTIC_EPOCH) * 1000000000ull);
        else
            rtc_set_base(r, rr_host_wall_ns(r->m));
        r->alarm = r->cr = r->sr = 0;
    }
    rtc_arm(r);
    rtc_update(r);
}

static void rtc_free(void *opaque)
{
    struct rtc *r = opaque;
    machine_timer_free(r->timer);
    g_free(r);
}

const struct periph_ops rtc_ops = {
    .create = rtc_new,
    .name = "rtc", .read = rtc_read, .write = rtc_write, .reset = rtc_reset, .free = rtc_free,
};
