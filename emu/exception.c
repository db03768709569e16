/* emu/exception.c: ARMv7-M exception model (ARMv7-M ARM B1.5): priorities,
 * preemption, entry with stacking, return through EXC_RETURN, fault
 * escalation and lockup.  Unicorn does none of this: it only reports SVC and
 * the branch to EXC_RETURN, and the run loop calls in here between
 * instructions. */
#include "machine_internal.h"

#include <string.h>

#define XPSR_T (1u << 24)
#define XPSR_ALIGN (1u << 9)
/* Cortex-M4 exception entry latency, charged to virtual time. */
#define ENTRY_CYCLES 12

/* The first six words of an exception frame (B1.5.6); then PC, xPSR. */
static const int frame_regs[6] = { UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                                   UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR };

/* Group priority of a programmed priority byte under PRIGROUP (B1.5.4). */
static int group_prio(struct machine *m, int exc)
{
    if (exc == EXC_RESET)
        return -3;
    if (exc == EXC_NMI)
        return -2;
    if (exc == EXC_HARDFAULT)
        return -1;
    uint32_t mask = (0xFFu << (m->aircr_prigroup + 1)) & 0xFF;
    return m->exc_prio[exc] & 0xF0 & mask;
}

static int raw_execution_priority(struct machine *m, bool ignore_primask)
{
    int prio = 256;
    uint32_t basepri = cpu_reg(m, UC_ARM_REG_BASEPRI) & 0xF0;

    for (int e = 1; e < EXC_COUNT; e++)
        if (m->exc_active[e] && group_prio(m, e) < prio)
            prio = group_prio(m, e);
    if (basepri) {
        uint32_t mask = (0xFFu << (m->aircr_prigroup + 1)) & 0xFF;
        if ((int)(basepri & mask) < prio)
            prio = basepri & mask;
    }
    if (!ignore_primask && (cpu_reg(m, UC_ARM_REG_PRIMASK) & 1) && prio > 0)
        prio = 0;
    if (cpu_reg(m, UC_ARM_REG_FAULTMASK) & 1)
        prio = -1;
    return prio;
}

int exc_execution_priority(struct machine *m)
{
    return raw_execution_priority(m, false);
}

static int best_pending(struct machine *m, int below)
{
    int best = 0, best_prio = below;

    for (int e = 2; e < EXC_COUNT; e++) {
        if (!m->exc_pending[e])
            continue;
        if (e >= EXC_IRQ0 && !m->exc_enabled[e])
            continue;
        /* Lower group priority wins; among equals the lower number
         * (sub-priority is ignored by this model: logged nowhere because
         * with 4 bits and PRIGROUP <= 3 there is none). */
        int p = group_prio(m, e);
        if (p < best_prio) {
            best = e;
            best_prio = p;
        }
    }
    return best;
}

int exc_pending_to_take(struct machine *m)
{
    return best_pending(m, exc_execution_priority(m));
}

/* WFI wakes for an exception that would preempt were PRIMASK clear. */
bool exc_wakeup_pending(struct machine *m)
{
    return best_pending(m, raw_execution_priority(m, true)) != 0;
}

void exc_set_pending(struct machine *m, int exc)
{
    m->exc_pending[exc] = true;
}

static uint32_t sram_word(struct machine *m, uint32_t addr)
{
    uint32_t v;
    memcpy(&v, m->sram + (addr - SRAM_BASE), 4);
    return v;
}

static void set_sram_word(struct machine *m, uint32_t addr, uint32_t v)
{
    memcpy(m->sram + (addr - SRAM_BASE), &v, 4);
}

static bool frame_in_sram(uint32_t sp)
{
    return sp >= SRAM_BASE && sp <= SRAM_BASE + SRAM_SIZE - 32;
}

/* Both stack pointers.  Unicorn reads MSP and PSP as zero while the core
 * is unprivileged (as MRS would), so look from handler mode: QEMU re-banks
 * SP when IPSR is written, and there both read back as they are. */
static void read_stack_pointers(struct machine *m, uint32_t *msp, uint32_t *psp)
{
    uint32_t ipsr = cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF;

    if (ipsr == 0)
        cpu_set_reg(m, UC_ARM_REG_IPSR, 3);
    *msp = cpu_reg(m, UC_ARM_REG_MSP);
    *psp = cpu_reg(m, UC_ARM_REG_PSP);
    if (ipsr == 0)
        cpu_set_reg(m, UC_ARM_REG_IPSR, 0);
}

void cpu_set_mode(struct machine *m, uint32_t ipsr, bool spsel, bool npriv,
                  uint32_t msp, uint32_t psp)
{
    /* QEMU banks SP by mode (re-banking on IPSR writes) and refuses
     * CONTROL writes from unprivileged thread mode and SPSEL writes in
     * handler mode, so go through a privileged thread state to set SPSEL,
     * then set both stack pointers explicitly in the final mode. */
    uint32_t nzcv = cpu_reg(m, UC_ARM_REG_APSR_NZCV);

    cpu_set_reg(m, UC_ARM_REG_IPSR, 3);
    cpu_set_reg(m, UC_ARM_REG_CONTROL, 0);
    cpu_set_reg(m, UC_ARM_REG_IPSR, 0);
    cpu_set_reg(m, UC_ARM_REG_CONTROL, spsel ? 2 : 0);
    cpu_set_reg(m, UC_ARM_REG_IPSR, ipsr);
    cpu_set_reg(m, UC_ARM_REG_MSP, msp);
    cpu_set_reg(m, UC_ARM_REG_PSP, psp);
    cpu_set_reg(m, UC_ARM_REG_CONTROL, (spsel ? 2 : 0) | (npriv ? 1 : 0));
    /* Rebuild QEMU's cached mode flags, or EXC_RETURN goes unnoticed. */
    cpu_set_reg(m, UC_ARM_REG_APSR_NZCV, nzcv);
}

static void lockup(struct machine *m, const char *why, uint32_t pc)
{
    machine_log(m, MACHINE_LOG_GUEST_ERROR,
                "core lockup at pc 0x%08x: %s; resetting (reset on lockup)", pc, why);
    m->in_lockup = true;
    machine_request_reset(m, MACHINE_RESET_LOCKUP);
}

void exc_take(struct machine *m, int exc, uint32_t return_pc)
{
    uint32_t ipsr = cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    uint32_t control = cpu_reg(m, UC_ARM_REG_CONTROL);
    uint32_t msp, psp;
    read_stack_pointers(m, &msp, &psp);
    bool on_psp = ipsr == 0 && (control & 2);
    uint32_t sp = on_psp ? psp : msp;
    uint32_t xpsr = cpu_reg(m, UC_ARM_REG_XPSR) | XPSR_T;
    uint32_t frame = sp - 32, exc_return, vector;

    /* CCR.STKALIGN: 8-byte aligned frame, noted in xPSR bit 9 (B1.5.7) */
    if ((m->ccr & (1u << 9)) && (frame & 4)) {
        frame -= 4;
        xpsr |= XPSR_ALIGN;
    } else {
        xpsr &= ~XPSR_ALIGN;
    }
    if (!frame_in_sram(frame)) {
        lockup(m, "exception stack frame outside SRAM", return_pc);
        return;
    }
    for (int i = 0; i < 6; i++)
        set_sram_word(m, frame + 4 * i, cpu_reg(m, frame_regs[i]));
    set_sram_word(m, frame + 24, return_pc & ~1u);
    set_sram_word(m, frame + 28, xpsr);
    if (on_psp)
        psp = frame;
    else
        msp = frame;

    exc_return = ipsr != 0 ? 0xFFFFFFF1u : on_psp ? 0xFFFFFFFDu : 0xFFFFFFF9u;
    if (m->vtor + 4 * exc + 4 > FLASH_SIZE &&
        !(m->vtor >= SRAM_BASE && m->vtor + 4 * exc + 4 <= SRAM_BASE + SRAM_SIZE)) {
        m->hfsr |= HFSR_VECTTBL;
        lockup(m, "vector table outside memory", return_pc);
        return;
    }
    if (m->vtor < FLASH_SIZE)
        memcpy(&vector, m->flash + m->vtor + 4 * exc, 4);
    else
        vector = sram_word(m, m->vtor + 4 * exc);

    m->exc_pending[exc] = false;
    m->exc_active[exc] = true;
    m->stats.exceptions_taken++;
    m->icount += ENTRY_CYCLES;
    cpu_set_mode(m, exc, false, (control & 1) != 0, msp, psp);
    cpu_set_reg(m, UC_ARM_REG_LR, exc_return);
    cpu_set_reg(m, UC_ARM_REG_PC, vector | 1);
    /* IT state is cleared on entry; the vector's Thumb bit is assumed. */
    cpu_set_reg(m, UC_ARM_REG_EPSR, XPSR_T);
    if (m->cfg.log_mask & MACHINE_LOG_TRACE)
        machine_log(m, MACHINE_LOG_TRACE, "exception %d taken, return 0x%08x, handler 0x%08x",
                    exc, return_pc, vector);
}

static void usage_fault_invpc(struct machine *m, uint32_t exc_return)
{
    /* An illegal EXC_RETURN is a UsageFault INVPC taken from the handler
     * that tried it (B1.5.8); the stacked PC is the EXC_RETURN value. */
    machine_log(m, MACHINE_LOG_GUEST_ERROR, "illegal EXC_RETURN 0x%08x", exc_return);
    exc_raise_fault(m, EXC_USAGEFAULT, CFSR_INVPC, 0, exc_return);
}

void exc_return(struct machine *m, uint32_t exc_return)
{
    uint32_t ipsr = cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    uint32_t control = cpu_reg(m, UC_ARM_REG_CONTROL);
    uint32_t msp = cpu_reg(m, UC_ARM_REG_MSP), psp = cpu_reg(m, UC_ARM_REG_PSP);
    int nactive = 0;
    bool to_thread, use_psp;
    uint32_t frame, xpsr, pc;

    for (int e = 1; e < EXC_COUNT; e++)
        nactive += m->exc_active[e];
    switch (exc_return) {
    case 0xFFFFFFF1u: to_thread = false; use_psp = false; break;
    case 0xFFFFFFF9u: to_thread = true; use_psp = false; break;
    case 0xFFFFFFFDu: to_thread = true; use_psp = true; break;
    default:
        if ((exc_return & 0x10) == 0)
            machine_log(m, MACHINE_LOG_UNIMP, "EXC_RETURN 0x%08x asks for an FP frame, "
                        "which this model does not stack", exc_return);
        usage_fault_invpc(m, exc_return);
        return;
    }
    if (ipsr == 0 || !m->exc_active[ipsr] || (!to_thread && nactive < 2) ||
        (to_thread && nactive != 1 && !(m->ccr & 1))) {
        /* Returning to thread with other exceptions active needs
         * CCR.NONBASETHRDENA; to handler needs a nested exception. */
        usage_fault_invpc(m, exc_return);
        return;
    }
    m->exc_active[ipsr] = false;
    frame = use_psp ? psp : msp;
    if (!frame_in_sram(frame)) {
        lockup(m, "exception return frame outside SRAM", exc_return);
        return;
    }
    for (int i = 0; i < 6; i++)
        cpu_set_reg(m, frame_regs[i], sram_word(m, frame + 4 * i));
    pc = sram_word(m, frame + 24);
    xpsr = sram_word(m, frame + 28);
    frame += 32 + ((xpsr & XPSR_ALIGN) && (m->ccr & (1u << 9)) ? 4 : 0);
    if (use_psp)
        psp = frame;
    else
        msp = frame;
    if (to_thread && (xpsr & 0x1FF) != 0)
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "EXC_RETURN to thread mode with IPSR %u in the stacked xPSR", xpsr & 0x1FF);
    cpu_set_mode(m, to_thread ? 0 : (xpsr & 0x1FF), use_psp, (control & 1) != 0, msp, psp);
    cpu_set_reg(m, UC_ARM_REG_XPSR, to_thread ? (xpsr & ~0x1FFu) : xpsr);
    cpu_set_reg(m, UC_ARM_REG_APSR_NZCV, xpsr);
    cpu_set_reg(m, UC_ARM_REG_PC, pc | 1);
    if (m->cfg.log_mask & MACHINE_LOG_TRACE)
        machine_log(m, MACHINE_LOG_TRACE, "exception %u returned to 0x%08x", ipsr, pc);
}

void exc_raise_fault(struct machine *m, int exc, uint32_t cfsr_bits,
                     uint32_t addr, uint32_t pc)
{
    static const uint32_t enable_bit[EXC_USAGEFAULT + 1] = {
        [EXC_MEMMANAGE] = 1u << 16, [EXC_BUSFAULT] = 1u << 17,
        [EXC_USAGEFAULT] = 1u << 18,
    };
    int prio = exc_execution_priority(m);
    int target = exc;

    m->stats.faults_taken++;
    m->cfsr |= cfsr_bits;
    if (cfsr_bits & CFSR_MMARVALID)
        m->mmfar = addr;
    if (cfsr_bits & CFSR_BFARVALID)
        m->bfar = addr;
    if (exc != EXC_HARDFAULT &&
        (!(m->shcsr_en & enable_bit[exc]) || group_prio(m, exc) >= prio)) {
        /* Disabled or not able to preempt: escalate (B1.5.13). */
        target = EXC_HARDFAULT;
        m->hfsr |= HFSR_FORCED;
    }
    if (target == EXC_HARDFAULT && prio <= -1) {
        lockup(m, "fault while in HardFault, NMI or with FAULTMASK set", pc);
        return;
    }
    if (m->cfg.log_mask & MACHINE_LOG_INFO)
        machine_log(m, MACHINE_LOG_INFO, "%s at pc 0x%08x (CFSR 0x%08x%s)",
                    target == EXC_HARDFAULT ? "HardFault" : exc == EXC_MEMMANAGE ? "MemManage"
                    : exc == EXC_BUSFAULT ? "BusFault" : "UsageFault", pc, m->cfsr,
                    target != exc ? ", escalated" : "");
    exc_take(m, target, pc);
}

void exc_reset(struct machine *m)
{
    memset(m->exc_prio, 0, sizeof(m->exc_prio));
    memset(m->exc_enabled, 0, sizeof(m->exc_enabled));
    memset(m->exc_pending, 0, sizeof(m->exc_pending));
    memset(m->exc_active, 0, sizeof(m->exc_active));
    for (int e = 2; e < EXC_IRQ0; e++)
        m->exc_enabled[e] = true;
    m->fault.valid = false;
    m->svc_requested = false;
    m->exc_return_pending = false;
    m->in_lockup = false;
}
