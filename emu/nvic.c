/* emu/nvic.c: NVIC registers (ARMv7-M ARM B3.4): enable, pending, active,
 * priority for IRQ_COUNT external interrupts, and STIR. */
#include "machine_internal.h"

#define NVIC_IPR_END (NVIC_REG_IPR + IRQ_COUNT) /* one priority byte per IRQ */


static uint32_t bits(const bool *flags)
{
    uint32_t v = 0;
    for (int i = 0; i < IRQ_COUNT; i++)
        v |= (uint32_t)flags[EXC_IRQ0 + i] << i;
    return v;
}

uint32_t nvic_read(struct machine *m, uint32_t off, bool *handled)
{
    *handled = true;
    if (off == SCS_REG_ICTR)
        return (IRQ_COUNT / 32) - 1;
    if (off == NVIC_REG_ISER || off == NVIC_REG_ICER)
        return bits(m->exc_enabled);
    if (off == NVIC_REG_ISPR || off == NVIC_REG_ICPR)
        return bits(m->exc_pending);
    if (off == NVIC_REG_IABR)
        return bits(m->exc_active);
    if (off >= NVIC_REG_ISER && off < NVIC_REG_IABR + 0x80)
        return 0; /* banks beyond IRQ_COUNT: RAZ */
    if (off >= NVIC_REG_IPR && off < NVIC_IPR_END) {
        int base = EXC_IRQ0 + (off - NVIC_REG_IPR);
        return m->exc_prio[base] | m->exc_prio[base + 1] << 8 |
               m->exc_prio[base + 2] << 16 | (uint32_t)m->exc_prio[base + 3] << 24;
    }
    if (off >= NVIC_IPR_END && off < 0x4F0)
        return 0;
    *handled = false;
    return 0;
}

bool nvic_write(struct machine *m, uint32_t off, uint32_t v)
{
    if (off == NVIC_REG_ISER || off == NVIC_REG_ICER || off == NVIC_REG_ISPR || off == NVIC_REG_ICPR) {
        for (int i = 0; i < IRQ_COUNT; i++) {
            if (!(v & (1u << i)))
                continue;
            int e = EXC_IRQ0 + i;
            if (off == NVIC_REG_ISER)
                m->exc_enabled[e] = true;
            else if (off == NVIC_REG_ICER)
                m->exc_enabled[e] = false;
            else if (off == NVIC_REG_ISPR)
                m->exc_pending[e] = true;
            else
                m->exc_pending[e] = m->irq_level[i] && !m->exc_active[e];
        }
        return true;
    }
    if (off >= NVIC_REG_ISER && off < NVIC_REG_IABR + 0x80)
        return true; /* read-only IABR and absent banks: WI */
    if (off >= NVIC_REG_IPR && off < NVIC_IPR_END) {
        int base = EXC_IRQ0 + (off - NVIC_REG_IPR);
        for (int i = 0; i < 4; i++)
            m->exc_prio[base + i] = (v >> (8 * i)) & 0xF0; /* 4 bits implemented */
        return true;
    }
    if (off >= NVIC_IPR_END && off < 0x4F0)
        return true;
    if (off == NVIC_REG_STIR) {
        if ((v & 0x1FF) < IRQ_COUNT)
            m->exc_pending[EXC_IRQ0 + (v & 0x1FF)] = true;
        return true;
    }
    return false;
}
