/* emu/exception.c: ARMv7-M exception model (ARMv7-M ARM B1.5): priorities,
 * preemption, entry with stacking, return through EXC_RETURN, fault
 * escalation and lockup.  Unicorn does none of this: it only reports SVC and
 * the branch to EXC_RETURN, and the run loop calls in here between
 * instructions. */
#include "machine_internal.h"
#include "debug_internal.h"

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
    static const int mask_regs[3] = { UC_ARM_REG_BASEPRI, UC_ARM_REG_PRIMASK,
                                      UC_ARM_REG_FAULTMASK };
    uint32_t masks[3];
    int prio = 256;

    cpu_regs(m, mask_regs, masks, 3);
    uint32_t basepri = masks[0] & 0xF0;

    for (int e = 1; e < EXC_COUNT; e++)
        if (m->exc_active[e] && group_prio(m, e) < prio)
            prio = group_prio(m, e);
    if (basepri) {
        uint32_t mask = (0xFFu << (m->aircr_prigroup + 1)) & 0xFF;
        if ((int)(basepri & mask) < prio)
            prio = basepri & mask;
    }
    if (!ignore_primask && (masks[1] & 1) && prio > 0)
        prio = 0;
    if (masks[2] & 1)
        prio = -1;
    return prio;
}

int exc_execution_priority(struct machine *m)
{
    return raw_execution_priority(m, false);
}

/* The full priority byte, sub-priority included (fixed ones for the first
 * three). */
static int full_prio(struct machine *m, int exc)
{
    return exc <= EXC_HARDFAULT ? group_prio(m, exc) : (m->exc_prio[exc] & 0xF0);
}

/* Of the pending enabled exceptions whose group priority is below
 * `below` (i.e. that could preempt it), the one taken first (B1.5.4): the
 * lowest full priority, sub-priority included, then the lowest number. */
static int best_pending(struct machine *m, int below)
{
    int best = 0;

    for (int e = 2; e < EXC_COUNT; e++) {
        if (!m->exc_pending[e])
            continue;
        if (e >= EXC_IRQ0 && !m->exc_enabled[e])
            continue;
        if (group_prio(m, e) >= below)
            continue;
        if (!best || full_prio(m, e) < full_prio(m, best))
            best = e;
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

int exc_highest_pending(struct machine *m)
{
    return best_pending(m, 256 + 1);
}

void exc_set_pending(struct machine *m, int exc)
{
    m->exc_pending[exc] = true;
}

/* Reads a word the way an exception frame pop or a vector fetch sees
 * memory: flash, OTP and SRAM hold words; anything else is a bus error. */
static bool bus_read32(struct machine *m, uint32_t addr, uint32_t *v)
{
    if (addr & 3)
        return false;
    if (addr <= FLASH_SIZE - 4)
        memcpy(v, m->flash + addr, 4);
    else if (addr >= OTP_BASE && addr <= OTP_BASE + OTP_SIZE - 4)
        memcpy(v, m->otp + (addr - OTP_BASE), 4);
    else if (addr >= SRAM_BASE && addr <= SRAM_BASE + SRAM_SIZE - 4)
        memcpy(v, m->sram + (addr - SRAM_BASE), 4);
    else
        return false;
    return true;
}

/* Stacks live in SRAM: a push anywhere else is a bus error. */
static bool bus_write32(struct machine *m, uint32_t addr, uint32_t v)
{
    if ((addr & 3) || addr < SRAM_BASE || addr > SRAM_BASE + SRAM_SIZE - 4)
        return false;
    memcpy(m->sram + (addr - SRAM_BASE), &v, 4);
    return true;
}

/* One frame word, checked as the silicon checks it: the MPU first (with
 * the privilege of the stacking context), then the bus.  Returns 0, or
 * the fault the access raises: EXC_MEMMANAGE or EXC_BUSFAULT. */
static int frame_access(struct machine *m, uint32_t addr, bool priv, uint32_t *v, bool write)
{
    if (!(mpu_perms(m, addr, priv) & (write ? UC_PROT_WRITE : UC_PROT_READ)))
        return EXC_MEMMANAGE;
    if (write ? !bus_write32(m, addr, *v) : !bus_read32(m, addr, v))
        return EXC_BUSFAULT;
    return 0;
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
    machine_note_change(m);
    machine_request_reset(m, MACHINE_RESET_LOCKUP);
    if (G_UNLIKELY(m->dbg))
        debug_on_lockup(m);
}

/* Where a fault goes when the execution priority is prio (B1.5.13): to
 * its own handler if enabled in SHCSR and able to preempt, else to
 * HardFault (FORCED); -1 when not even HardFault can preempt: lockup. */
static int fault_target(struct machine *m, int exc, int prio)
{
    static const uint32_t enable_bit[EXC_USAGEFAULT + 1] = {
        [EXC_MEMMANAGE] = 1u << 16, [EXC_BUSFAULT] = 1u << 17,
        [EXC_USAGEFAULT] = 1u << 18,
    };
    int target = exc;

    if (exc != EXC_HARDFAULT &&
        (!(m->shcsr_en & enable_bit[exc]) || group_prio(m, exc) >= prio)) {
        target = EXC_HARDFAULT;
        m->hfsr |= HFSR_FORCED;
    }
    if (target == EXC_HARDFAULT && prio <= -1)
        return -1;
    return target;
}

static const char *exc_name(int exc)
{
    switch (exc) {
    case EXC_NMI: return "NMI";
    case EXC_HARDFAULT: return "HardFault";
    case EXC_MEMMANAGE: return "MemManage";
    case EXC_BUSFAULT: return "BusFault";
    case EXC_USAGEFAULT: return "UsageFault";
    case EXC_SVCALL: return "SVCall";
    case EXC_PENDSV: return "PendSV";
    case EXC_SYSTICK: return "SysTick";
    default: return exc >= EXC_IRQ0 ? "IRQ" : "exception";
    }
}

static bool read_vector(struct machine *m, int exc, uint32_t *vector)
{
    return bus_read32(m, m->vtor + 4u * (uint32_t)exc, vector);
}

/* The second half of exception entry, once a frame is on the stack (or
 * still is, for a tail-chain): handler mode, LR, the vector (B1.5.6).  A
 * vector that cannot be read is a HardFault with HFSR.VECTTBL, the
 * exception staying pending (B1.5.13); a vector without its Thumb bit is
 * a UsageFault INVSTATE at the handler's first instruction. */
static void enter_handler(struct machine *m, int exc, uint32_t exc_return, bool npriv,
                          uint32_t msp, uint32_t psp)
{
    uint32_t vector = 0;

    if (!read_vector(m, exc, &vector)) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "vector of %s (%d) at 0x%08x unreadable",
                    exc_name(exc), exc, m->vtor + 4u * (uint32_t)exc);
        m->hfsr |= HFSR_VECTTBL;
        m->stats.faults_taken++;
        if (exc == EXC_HARDFAULT || exc == EXC_NMI || !read_vector(m, EXC_HARDFAULT, &vector)) {
            lockup(m, "vector table read failed", exc_return);
            return;
        }
        m->exc_pending[exc] = true;
        exc = EXC_HARDFAULT;
    }
    m->exc_pending[exc] = false;
    m->exc_active[exc] = true;
    m->event_reg = true; /* exception entry is a WFE wake-up event (B1.5.18) */
    m->stats.exceptions_taken++;
    m->icount += ENTRY_CYCLES;
    cpu_set_mode(m, (uint32_t)exc, false, npriv, msp, psp);
    cpu_set_reg(m, UC_ARM_REG_LR, exc_return);
    cpu_set_reg(m, UC_ARM_REG_PC, vector | 1);
    /* IT state is cleared on entry. */
    cpu_set_reg(m, UC_ARM_REG_EPSR, XPSR_T);
    if (m->cfg.log_mask & MACHINE_LOG_TRACE)
        machine_log(m, MACHINE_LOG_TRACE, "%s (%d) entered, LR 0x%08x, handler 0x%08x",
                    exc_name(exc), exc, exc_return, vector);
    if (!(vector & 1)) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "vector 0x%08x of exception %d has no Thumb bit", vector, exc);
        exc_raise_fault(m, EXC_USAGEFAULT, CFSR_INVSTATE, 0, vector);
    }
}

void exc_take(struct machine *m, int exc, uint32_t return_pc)
{
    uint32_t ipsr = cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    uint32_t control = cpu_reg(m, UC_ARM_REG_CONTROL);
    /* (cpu_reg reads both in unprivileged thread mode too: core.c) */
    uint32_t msp = cpu_reg(m, UC_ARM_REG_MSP), psp = cpu_reg(m, UC_ARM_REG_PSP);
    bool on_psp = ipsr == 0 && (control & 2);
    bool priv = ipsr != 0 || !(control & 1);
    uint32_t sp = on_psp ? psp : msp;
    /* EPSR.T is stacked as it is: 0 after a branch to an even address */
    uint32_t xpsr = cpu_reg(m, UC_ARM_REG_XPSR);
    uint32_t frame = sp - 32, exc_return, words[8];
    int derived = 0;

    /* CCR.STKALIGN: 8-byte aligned frame, noted in xPSR bit 9 (B1.5.7) */
    if ((m->ccr & (1u << 9)) && (frame & 4)) {
        frame -= 4;
        xpsr |= XPSR_ALIGN;
    } else {
        xpsr &= ~XPSR_ALIGN;
    }
    for (int i = 0; i < 6; i++)
        words[i] = cpu_reg(m, frame_regs[i]);
    words[6] = return_pc & ~1u;
    words[7] = xpsr;
    /* The push is made with the privilege of the interrupted context; a
     * word it cannot write is lost, and SP moves anyway (B1.5.6). */
    for (int i = 0; i < 8; i++) {
        int f = frame_access(m, frame + 4u * (uint32_t)i, priv, &words[i], true);
        if (f && !derived)
            derived = f;
    }
    if (on_psp)
        psp = frame;
    else
        msp = frame;
    exc_return = ipsr != 0 ? 0xFFFFFFF1u : on_psp ? 0xFFFFFFFDu : 0xFFFFFFF9u;

    if (derived) {
        /* A fault on stacking (MSTKERR / STKERR) is a derived exception:
         * whichever of it and the original has the higher priority is
         * entered on this frame, the other stays pending (B1.5.13). */
        int prio = exc_execution_priority(m);
        int target;

        m->cfsr |= derived == EXC_MEMMANAGE ? CFSR_MSTKERR : CFSR_STKERR;
        m->stats.faults_taken++;
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "%s stacking for %s at SP 0x%08x",
                    derived == EXC_MEMMANAGE ? "MemManage (MSTKERR)" : "BusFault (STKERR)",
                    exc_name(exc), sp);
        target = fault_target(m, derived, prio);
        if (target < 0) {
            lockup(m, "fault on exception stacking at priority -1 or higher", return_pc);
            return;
        }
        if (target != exc) {
            if (group_prio(m, target) < group_prio(m, exc)) {
                m->exc_pending[exc] = true;
                exc = target;
            } else {
                m->exc_pending[target] = true;
            }
        }
    }
    enter_handler(m, exc, exc_return, (control & 1) != 0, msp, psp);
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
    int nactive = 0, fault = 0;
    bool to_thread, use_psp, priv;
    uint32_t frame, words[8], xpsr, pc;

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
    m->event_reg = true; /* exception return is a WFE wake-up event */
    /* Returning from anything but NMI clears FAULTMASK (B1.5.8). */
    if (ipsr != EXC_NMI)
        cpu_set_reg(m, UC_ARM_REG_FAULTMASK, 0);
    /* The pop is made in the mode returned to, after deactivation: with
     * its privilege and execution priority (B1.5.8 ExceptionReturn). */
    priv = !to_thread || !(control & 1);
    frame = use_psp ? psp : msp;
    for (int i = 0; i < 8 && !fault; i++)
        fault = frame_access(m, frame + 4u * (uint32_t)i, priv, &words[i], false);
    if (fault) {
        /* MUNSTKERR / UNSTKERR: the fault is tail-chained on the frame that
         * is still there, with the same EXC_RETURN (B1.5.13). */
        int target;

        m->cfsr |= fault == EXC_MEMMANAGE ? CFSR_MUNSTKERR : CFSR_UNSTKERR;
        m->stats.faults_taken++;
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "%s unstacking at SP 0x%08x",
                    fault == EXC_MEMMANAGE ? "MemManage (MUNSTKERR)" : "BusFault (UNSTKERR)",
                    frame);
        target = fault_target(m, fault, exc_execution_priority(m));
        if (target < 0) {
            lockup(m, "fault on exception return at priority -1 or higher", exc_return);
            return;
        }
        enter_handler(m, target, exc_return, (control & 1) != 0, msp, psp);
        return;
    }
    pc = words[6];
    xpsr = words[7];
    frame += 32 + ((xpsr & XPSR_ALIGN) && (m->ccr & (1u << 9)) ? 4 : 0);
    if (use_psp)
        psp = frame;
    else
        msp = frame;
    if (to_thread && (xpsr & 0x1FF) != 0)
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "EXC_RETURN to thread mode with IPSR %u in the stacked xPSR", xpsr & 0x1FF);
    cpu_set_mode(m, to_thread ? 0 : (xpsr & 0x1FF), use_psp, (control & 1) != 0, msp, psp);
    for (int i = 0; i < 6; i++)
        cpu_set_reg(m, frame_regs[i], words[i]);
    cpu_set_reg(m, UC_ARM_REG_XPSR, to_thread ? (xpsr & ~0x1FFu) : xpsr);
    cpu_set_reg(m, UC_ARM_REG_APSR_NZCV, xpsr);
    cpu_set_reg(m, UC_ARM_REG_PC, pc | 1);
    if (m->cfg.log_mask & MACHINE_LOG_TRACE)
        machine_log(m, MACHINE_LOG_TRACE, "%s (%u) returned to 0x%08x with 0x%08x",
                    exc_name((int)ipsr), ipsr, pc, exc_return);
    /* A frame with EPSR.T clear returns to ARM state: INVSTATE at once. */
    if (!(xpsr & XPSR_T))
        exc_raise_fault(m, EXC_USAGEFAULT, CFSR_INVSTATE, 0, pc);
}

void exc_raise_fault(struct machine *m, int exc, uint32_t cfsr_bits,
                     uint32_t addr, uint32_t pc)
{
    int target;

    m->stats.faults_taken++;
    machine_note_change(m);
    m->cfsr |= cfsr_bits;
    if (cfsr_bits & CFSR_MMARVALID)
        m->mmfar = addr;
    if (cfsr_bits & CFSR_BFARVALID)
        m->bfar = addr;
    target = fault_target(m, exc, exc_execution_priority(m));
    if (target < 0) {
        lockup(m, "fault while in HardFault, NMI or with FAULTMASK set", pc);
        return;
    }
    if (m->cfg.log_mask & MACHINE_LOG_INFO)
        machine_log(m, MACHINE_LOG_INFO, "%s at pc 0x%08x (CFSR 0x%08x%s)",
                    exc_name(target), pc, m->cfsr, target != exc ? ", escalated" : "");
    exc_take(m, target, pc);    /* A debugger's vector catch: halted on the handler's first
     * instruction, the frame stacked (debug_port.c). */
    if (G_UNLIKELY(m->dbg))
        debug_on_fault(m, target);
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
    m->event_reg = false;
}
