/* emu/systick.c: SysTick (ARMv7-M ARM B3.3), counted from virtual time by a
 * machine timer, never by counting in a hook. */
#include "machine_internal.h"


static uint64_t tick_ns(struct machine *m)
{
    /* 0: the core clock */
    return (m->syst_csr & SYST_CSR_CLKSOURCE) ? 0 : 1000000000ull / SYST_REF_HZ;
}

static uint64_t ticks_to_ns(struct machine *m, uint64_t ticks)
{
    return tick_ns(m) ? ticks * tick_ns(m) : ticks * 1000000000ull / MACHINE_CPU_HZ;
}

static uint64_t elapsed_ticks(struct machine *m)
{
    uint64_t ns = machine_now_ns(m) - m->syst_start_ns;
    return tick_ns(m) ? ns / tick_ns(m) : ns * MACHINE_CPU_HZ / 1000000000ull;
}

static void systick_arm(struct machine *m)
{
    uint64_t period = (uint64_t)m->syst_rvr + 1;

    if (!(m->syst_csr & SYST_CSR_ENABLE) || m->syst_rvr == 0) {
        machine_timer_cancel(m->systick_timer);
        return;
    }
    uint64_t done = elapsed_ticks(m) / period + 1;
    machine_timer_arm(m->systick_timer, m->syst_start_ns + ticks_to_ns(m, done * period));
}

static void systick_fire(void *opaque)
{
    struct machine *m = opaque;

    m->syst_csr |= SYST_CSR_COUNTFLAG;
    if (m->syst_csr & SYST_CSR_TICKINT)
        exc_set_pending(m, EXC_SYSTICK);
    systick_arm(m);
}

void systick_init(struct machine *m)
{
    m->systick_timer = machine_timer_new(m, systick_fire, m);
}

void systick_reset(struct machine *m)
{
    m->syst_csr = SYST_CSR_CLKSOURCE;
    m->syst_rvr = 0;
    m->syst_start_ns = machine_now_ns(m);
    machine_timer_cancel(m->systick_timer);
}

uint32_t systick_read(struct machine *m, uint32_t off, bool *handled)
{
    *handled = true;
    switch (off) {
    case SYST_REG_CSR: {
        uint32_t v = m->syst_csr;
        m->syst_csr &= ~SYST_CSR_COUNTFLAG;
        return v;
    }
    case SYST_REG_RVR:
        return m->syst_rvr;
    case SYST_REG_CVR:
        if (!(m->syst_csr & SYST_CSR_ENABLE) || m->syst_rvr == 0)
            return 0;
        return m->syst_rvr - (uint32_t)(elapsed_ticks(m) % ((uint64_t)m->syst_rvr + 1));
    case SYST_REG_CALIB:
        return MACHINE_CPU_HZ / 100 - 1; /* TENMS for the core clock */
    }
    *handled = false;
    return 0;
}

bool systick_write(struct machine *m, uint32_t off, uint32_t v)
{
    switch (off) {
    case SYST_REG_CSR:
        if ((v ^ m->syst_csr) & (SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE))
            m->syst_start_ns = machine_now_ns(m);
        m->syst_csr = (m->syst_csr & SYST_CSR_COUNTFLAG) | (v & 7);
        systick_arm(m);
        return true;
    case SYST_REG_RVR:
        m->syst_rvr = v & 0xFFFFFF;
        return true;
    case SYST_REG_CVR:
        /* Any write clears the counter; it reloads on the next tick. */
        m->syst_start_ns = machine_now_ns(m);
        m->syst_csr &= ~SYST_CSR_COUNTFLAG;
        systick_arm(m);
        return true;
    case SYST_REG_CALIB:
        return true;
    }
    return false;
}
