/* emu/timer.c: TIMER0, a 32-bit 1 MHz down-counter (docs/hardware.md#timer0),
 * computed from virtual time, not ticked. */
#include "periph.h"
#include "timer_hw.h"

struct timer0 {
    struct machine *m;
    uint32_t cr, load, sr;
    uint64_t start_ns;
    struct machine_timer *timer;
};

static void timer_update_irq(struct timer0 *t)
{
    machine_irq_set(t->m, IRQ_TIMER0, (t->cr & TIMER_CR_IE) && (t->sr & TIMER_SR_EXPIRED));
}

static void timer_start(struct timer0 *t)
{
    t->start_ns = machine_now_ns(t->m);
    if ((t->cr & TIMER_CR_EN) && t->load)
        machine_timer_arm(t->timer, t->start_ns + (uint64_t)t->load * TIMER_TICK_NS);
    else
        machine_timer_cancel(t->timer);
}

static void timer_fire(void *opaque)
{
    struct timer0 *t = opaque;

    t->sr |= TIMER_SR_EXPIRED;
    if (t->cr & TIMER_CR_PERIODIC) {
        t->start_ns += (uint64_t)t->load * TIMER_TICK_NS;
        machine_timer_arm(t->timer, t->start_ns + (uint64_t)t->load * TIMER_TICK_NS);
    } else {
        t->cr &= ~TIMER_CR_EN;
    }
    timer_update_irq(t);
}

static void *timer_new(struct machine *m, GError **error)
{
    struct timer0 *t = g_new0(struct timer0, 1);
    t->m = m;
    t->timer = machine_timer_new(m, timer_fire, t);
    return t;
}

static uint32_t timer_read(void *opaque, uint32_t offset, unsigned size)
{
    struct timer0 *t = opaque;

    switch (offset) {
    case TIMER_REG_CR: return t->cr;
    case TIMER_REG_LOAD: return t->load;
    case TIMER_REG_VALUE: {
        if (!(t->cr & TIMER_CR_EN))
            return 0;
        uint64_t ticks = (machine_now_ns(t->m) - t->start_ns) / TIMER_TICK_NS;
        return ticks >= t->load ? 0 : t->load - (uint32_t)ticks;
    }
    case TIMER_REG_SR: return t->sr;
    }
    machine_log(t->m, MACHINE_LOG_GUEST_ERROR, "timer0: read of 0x%03x", offset);
    return 0;
}

static void timer_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct timer0 *t = opaque;

    switch (offset) {
    case TIMER_REG_CR: {
        bool was_on = t->cr & TIMER_CR_EN;
        t->cr = value & 7;
        if ((t->cr & TIMER_CR_EN) && !was_on)
            timer_start(t);
        else if (!(t->cr & TIMER_CR_EN))
            machine_timer_cancel(t->timer);
        timer_update_irq(t);
        return;
    }
    case TIMER_REG_LOAD: t->load = value; timer_start(t); return;
    case TIMER_REG_SR: t->sr &= ~value; timer_update_irq(t); return;
    }
    machine_log(t->m, MACHINE_LOG_GUEST_ERROR, "timer0: write to 0x%03x", offset);
}

static void timer_reset(void *opaque, uint32_t cause)
{
    struct timer0 *t = opaque;
    t->cr = t->load = t->sr = 0;
    machine_timer_cancel(t->timer);
    timer_update_irq(t);
}

static void timer_free(void *opaque)
{
    struct timer0 *t = opaque;
    machine_timer_free(t->timer);
    g_free(t);
}

const struct periph_ops timer_ops = {
    .create = timer_new,
    .name = "timer0", .read = timer_read, .write = timer_write, .reset = timer_reset, .free = timer_free,
};
