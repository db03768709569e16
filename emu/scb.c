/* emu/scb.c: System Control Block (ARMv7-M ARM B3.2): CPUID, ICSR, VTOR,
 * AIRCR, SCR, CCR, SHPR, SHCSR, fault status and address registers, CPACR,
 * ACTLR. */
#include "machine_internal.h"


/* SHCSR active/pended bit positions per exception (B3.2.13). */
static const struct { int exc; int active; int pended; } shcsr_map[] = {
    { EXC_MEMMANAGE, 0, 13 }, { EXC_BUSFAULT, 1, 14 }, { EXC_USAGEFAULT, 3, 12 },
    { EXC_SVCALL, 7, 15 }, { EXC_DEBUGMON, 8, -1 }, { EXC_PENDSV, 10, -1 },
    { EXC_SYSTICK, 11, -1 },
};

static uint32_t icsr_read(struct machine *m)
{
    uint32_t ipsr = cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    bool isr_pending = false;
    int pending = exc_highest_pending(m), nactive = 0;

    for (int e = 2; e < EXC_COUNT; e++) {
        nactive += m->exc_active[e];
        if (e >= EXC_IRQ0 && m->exc_pending[e])
            isr_pending = true;
    }
    return ipsr | (nactive <= 1 ? 1u << 11 : 0) | (uint32_t)pending << 12 |
           (isr_pending ? 1u << 22 : 0) | (m->exc_pending[EXC_SYSTICK] ? ICSR_PENDSTSET : 0) |
           (m->exc_pending[EXC_PENDSV] ? 1u << 28 : 0) | (m->exc_pending[EXC_NMI] ? 1u << 31 : 0);
}

uint32_t scb_read(struct machine *m, uint32_t off, bool *handled)
{
    uint32_t v = 0;

    *handled = true;
    switch (off) {
    case SCB_REG_ACTLR: return m->actlr;
    case SCB_REG_CPUID: return 0x410FC241; /* Cortex-M4 r0p1 */
    case SCB_REG_ICSR: return icsr_read(m);
    case SCB_REG_VTOR: return m->vtor;
    case SCB_REG_AIRCR: return 0xFA050000u | m->aircr_prigroup << 8;
    case SCB_REG_SCR: return m->scr;
    case SCB_REG_CCR: return m->ccr;
    case SCB_REG_SHPR1: case SCB_REG_SHPR2: case SCB_REG_SHPR3: {
        int base = 4 + 4 * (int)((off - SCB_REG_SHPR1) / 4);
        return m->exc_prio[base] | m->exc_prio[base + 1] << 8 |
               m->exc_prio[base + 2] << 16 | (uint32_t)m->exc_prio[base + 3] << 24;
    }
    case SCB_REG_SHCSR:
        for (size_t i = 0; i < G_N_ELEMENTS(shcsr_map); i++) {
            v |= (uint32_t)m->exc_active[shcsr_map[i].exc] << shcsr_map[i].active;
            if (shcsr_map[i].pended >= 0)
                v |= (uint32_t)m->exc_pending[shcsr_map[i].exc] << shcsr_map[i].pended;
        }
        return v | m->shcsr_en;
    case SCB_REG_CFSR: return m->cfsr;
    case SCB_REG_HFSR: return m->hfsr;
    case SCB_REG_DFSR: return 0;
    case SCB_REG_MMFAR: return m->mmfar;
    case SCB_REG_BFAR: return m->bfar;
    case SCB_REG_AFSR: return 0;
    case SCB_REG_CPACR: return m->cpacr;
    }
    *handled = false;
    return 0;
}

bool scb_write(struct machine *m, uint32_t off, uint32_t v)
{
    switch (off) {
    case SCB_REG_ACTLR:
        m->actlr = v & 0x307;
        return true;
    case SCB_REG_CPUID:
        return true;
    case SCB_REG_ICSR:
        if (v & (1u << 31)) exc_set_pending(m, EXC_NMI);
        if (v & (1u << 28)) exc_set_pending(m, EXC_PENDSV);
        if (v & (1u << 27)) m->exc_pending[EXC_PENDSV] = false;
        if (v & ICSR_PENDSTSET) exc_set_pending(m, EXC_SYSTICK);
        if (v & ICSR_PENDSTCLR) m->exc_pending[EXC_SYSTICK] = false;
        return true;
    case SCB_REG_VTOR:
        m->vtor = v & 0xFFFFFF80u;
        return true;
    case SCB_REG_AIRCR:
        if ((v >> AIRCR_VECTKEY_SHIFT) != AIRCR_VECTKEY) {
            machine_log(m, MACHINE_LOG_GUEST_ERROR, "AIRCR write 0x%08x without VECTKEY: ignored", v);
            return true;
        }
        m->aircr_prigroup = (v >> 8) & 7;
        if (v & 3)
            machine_log(m, MACHINE_LOG_GUEST_ERROR,
                        "AIRCR VECTRESET/VECTCLRACTIVE written outside debug state: ignored");
        if (v & AIRCR_SYSRESETREQ)
            machine_request_reset(m, MACHINE_RESET_SYSRESETREQ);
        return true;
    case SCB_REG_SCR:
        if (v & (1u << 4))
            machine_log(m, MACHINE_LOG_UNIMP, "SCR.SEVONPEND: WFE wakes on any pending interrupt anyway");
        m->scr = v & 0x16;
        return true;
    case SCB_REG_CCR:
        if (v & (1u << 3))
            machine_log(m, MACHINE_LOG_UNIMP, "CCR.UNALIGN_TRP: unaligned word accesses are not trapped");
        m->ccr = (v & 0x31B) | (1u << 9);
        return true;
    case SCB_REG_SHPR1: case SCB_REG_SHPR2: case SCB_REG_SHPR3: {
        int base = 4 + 4 * (int)((off - SCB_REG_SHPR1) / 4);
        for (int i = 0; i < 4; i++)
            m->exc_prio[base + i] = (v >> (8 * i)) & 0xF0;
        return true;
    }
    case SCB_REG_SHCSR:
        m->shcsr_en = v & SHCSR_FAULTS_ENA;
        for (size_t i = 0; i < G_N_ELEMENTS(shcsr_map); i++) {
            m->exc_active[shcsr_map[i].exc] = (v >> shcsr_map[i].active) & 1;
            if (shcsr_map[i].pended >= 0)
                m->exc_pending[shcsr_map[i].exc] = (v >> shcsr_map[i].pended) & 1;
        }
        return true;
    case SCB_REG_CFSR:
        m->cfsr &= ~v;
        return true;
    case SCB_REG_HFSR:
        m->hfsr &= ~v;
        return true;
    case SCB_REG_DFSR: case SCB_REG_AFSR:
        return true;
    case SCB_REG_MMFAR:
        m->mmfar = v;
        return true;
    case SCB_REG_BFAR:
        m->bfar = v;
        return true;
    case SCB_REG_CPACR:
        if (v & (0xFu << 20))
            machine_log(m, MACHINE_LOG_UNIMP,
                        "CPACR enables CP10/CP11: FP instructions run, but FP context is not stacked on exceptions");
        m->cpacr = v & (0xFu << 20);
        return true;
    }
    return false;
}
