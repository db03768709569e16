/* emu/cpu.c: the Cortex-M4 core on Unicorn: memory map, the hooks, and the
 * few instructions Unicorn 2.0.1 does not handle as an M-profile core must.
 *
 * One UC_HOOK_CODE hook covers all code.  It is what makes faults precise
 * (Unicorn syncs PC only before hooked instructions), counts instructions
 * for the deterministic clock and the slice budget, and catches WFI/WFE,
 * SDIV/UDIV by zero with CCR.DIV_0_TRP, and privilege changes by MSR
 * CONTROL.  Those instruction addresses are found by scanning flash when it
 * changes, and checked through a small bit filter, because Unicorn calls
 * every code hook for every instruction (docs/emulator.md). */
#include "machine_internal.h"

#include <string.h>

enum { UNTIL = 0xFFFFFFFEu };

static inline bool filter_hit(const struct machine *m, uint32_t pc)
{
    uint32_t i = (pc >> 1) & 4095;
    return m->special_filter[i >> 3] & (1u << (i & 7));
}

static inline void filter_set(struct machine *m, uint32_t pc)
{
    uint32_t i = (pc >> 1) & 4095;
    m->special_filter[i >> 3] |= 1u << (i & 7);
}

static uint16_t fetch16(struct machine *m, uint32_t addr)
{
    uint16_t v = 0;

    if (addr < FLASH_SIZE - 1)
        memcpy(&v, m->flash + addr, 2);
    else if (addr >= SRAM_BASE && addr < SRAM_BASE + SRAM_SIZE - 1)
        memcpy(&v, m->sram + (addr - SRAM_BASE), 2);
    return v;
}

static bool is_div(uint16_t hw1, uint16_t hw2)
{
    return (hw1 & 0xFFD0) == 0xFB90 && (hw2 & 0xF0F0) == 0xF0F0;
}

/* MSR to PRIMASK, BASEPRI, BASEPRI_MAX, FAULTMASK or CONTROL: after it an
 * exception may become takeable or the privilege level may change. */
static bool is_msr_mask_or_control(uint16_t hw1, uint16_t hw2)
{
    return (hw1 & 0xFFF0) == 0xF380 && (hw2 & 0xFF00) == 0x8800 &&
           (hw2 & 0xFF) >= 0x10 && (hw2 & 0xFF) <= 0x14;
}

enum { INSN_WFI = 0xBF30, INSN_WFE = 0xBF20, INSN_SEV = 0xBF40 };

static bool is_hint_of_interest(uint16_t hw1)
{
    return hw1 == INSN_WFI || hw1 == INSN_WFE || hw1 == INSN_SEV;
}

/* A floating-point instruction: coprocessor space with coprocessor 10 or
 * 11 (ARMv7-M ARM A5.3.18, A6.4). */
static bool is_fp(uint16_t hw1, uint16_t hw2)
{
    return (hw1 & 0xEC00) == 0xEC00 && ((hw2 >> 8) & 0xE) == 0xA;
}

/* CPSIE i / f / if */
static bool is_cpsie(uint16_t hw1)
{
    return hw1 >= 0xB661 && hw1 <= 0xB663;
}

void cpu_scan_code(struct machine *m, uint32_t addr, uint32_t len)
{
    uint32_t end = addr + len;

    if (end > FLASH_SIZE)
        end = FLASH_SIZE;
    for (uint32_t a = addr & ~1u; a + 2 <= end; a += 2) {
        uint16_t hw1 = fetch16(m, a), hw2 = a + 4 <= FLASH_SIZE ? fetch16(m, a + 2) : 0;
        if (is_hint_of_interest(hw1) || is_div(hw1, hw2) || is_fp(hw1, hw2))
            filter_set(m, a);
        if (is_msr_mask_or_control(hw1, hw2))
            filter_set(m, a + 4);
        if (is_cpsie(hw1))
            filter_set(m, a + 2);
    }
}

uint32_t cpu_reg(struct machine *m, int reg)
{
    uint32_t v = 0;
    uc_reg_read(m->uc, reg, &v);
    return v;
}

void cpu_set_reg(struct machine *m, int reg, uint32_t v)
{
    uc_reg_write(m->uc, reg, &v);
}

bool cpu_privileged(struct machine *m)
{
    return (cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF) != 0 ||
           (cpu_reg(m, UC_ARM_REG_CONTROL) & 1) == 0;
}

/* An instruction at a filtered address: decide before it executes. */
static void on_special(struct machine *m, uint32_t pc)
{
    uint16_t hw1 = fetch16(m, pc), hw2 = fetch16(m, pc + 2);

    /* A preceding MSR CONTROL may have changed the privilege level (the
     * page protections of the MPU and of the SCS follow it), and a
     * preceding CPSIE or MSR to a mask register may have unmasked a
     * pending exception: both are handled before this instruction.  Only
     * after those (the scan flags the address that follows them): the
     * check costs several register reads, and divisions, which are
     * flagged for the divide-by-zero trap, are frequent in bignum code. */
    uint16_t prev = fetch16(m, pc - 2), prev2 = fetch16(m, pc - 4);
    if (is_cpsie(prev) || is_msr_mask_or_control(prev2, prev)) {
        if (cpu_privileged(m) != m->prot_privileged) {
            m->mpu_dirty = true;
            machine_stop_cpu(m);
            return;
        }
        if (exc_pending_to_take(m)) {
            machine_stop_cpu(m);
            return;
        }
    }
    if (hw1 == INSN_SEV) {
        m->event_reg = true; /* Unicorn runs SEV as a NOP */
        return;
    }
    if (hw1 == INSN_WFE && m->event_reg) {
        /* WFE with the event register set clears it and goes on
         * (B1.5.18); the run loop steps over it. */
        m->event_reg = false;
        m->skip_wfe = true;
        machine_stop_cpu(m);
        return;
    }
    if (hw1 == INSN_WFI || hw1 == INSN_WFE) {
        /* WFI/WFE: sleep instead of letting Unicorn halt the vCPU; the
         * run loop moves PC past it.  The wake-up condition is the same
         * for both: an exception that would preempt were PRIMASK clear. */
        m->event_reg = false;
        m->sleeping = true;
        machine_stop_cpu(m);
        return;
    }
    if (is_fp(hw1, hw2)) {
        /* Unicorn's core has the FPU on from reset; CPACR decides here
         * (B3.2.20): 0b01 privileged only, 0b11 full, else NOCP. */
        unsigned cp10 = (m->cpacr >> 20) & 3;
        if (!(cp10 == 3 || (cp10 == 1 && cpu_privileged(m)))) {
            m->fault = (struct pending_fault){ true, EXC_USAGEFAULT, CFSR_NOCP, 0, pc };
            machine_stop_cpu(m);
        }
        return;
    }
    if (is_div(hw1, hw2) && (m->ccr & (1u << 4))) {
        static const int rm_reg[16] = {
            UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
            UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7,
            UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
            UC_ARM_REG_R12, UC_ARM_REG_R13, UC_ARM_REG_R14, UC_ARM_REG_R15,
        };
        if (cpu_reg(m, rm_reg[hw2 & 0xF]) == 0) {
            m->fault = (struct pending_fault){ true, EXC_USAGEFAULT,
                                               CFSR_DIVBYZERO, 0, pc };
            machine_stop_cpu(m);
        }
    }
}

static void hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct machine *m = user;
    uint32_t pc = (uint32_t)address;

    m->icount++;
    if (G_UNLIKELY(filter_hit(m, pc)) ||
        G_UNLIKELY(pc >= SRAM_BASE && pc < SRAM_BASE + SRAM_SIZE)) {
        /* RAM code is not scanned: it is decoded as it runs. */
        if (pc >= SRAM_BASE) {
            uint16_t hw1 = fetch16(m, pc), hw2 = fetch16(m, pc + 2);
            uint16_t prev = fetch16(m, pc - 2), prev2 = fetch16(m, pc - 4);
            if (is_hint_of_interest(hw1) || is_div(hw1, hw2) || is_fp(hw1, hw2) || is_cpsie(prev) ||
                is_msr_mask_or_control(prev2, prev))
                on_special(m, pc);
        } else {
            on_special(m, pc);
        }
    }
    if (G_UNLIKELY(--m->budget == 0) || G_UNLIKELY(m->stop_for_events))
        uc_emu_stop(uc);
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct machine *m = user;
    uint32_t pc = cpu_reg(m, UC_ARM_REG_PC);

    switch (intno) {
    case 2: /* EXCP_SWI: SVC, PC is after it */
        m->svc_requested = true;
        break;
    case 8: /* EXCP_EXCEPTION_EXIT: PC holds EXC_RETURN */
        /* Unicorn keeps the branch target with the Thumb bit cleared. */
        m->exc_return_value = pc | 1;
        m->exc_return_pending = true;
        break;
    case 1: /* EXCP_UDEF */
        m->fault = (struct pending_fault){ true, EXC_USAGEFAULT, CFSR_UNDEFINSTR, 0, pc };
        break;
    case 17: /* EXCP_NOCP */
        m->fault = (struct pending_fault){ true, EXC_USAGEFAULT, CFSR_NOCP, 0, pc };
        break;
    case 18: /* EXCP_INVSTATE */
        m->fault = (struct pending_fault){ true, EXC_USAGEFAULT, CFSR_INVSTATE, 0, pc };
        break;
    case 4: /* EXCP_DATA_ABORT: memory faults come through the memory
             * hooks, so this is QEMU's alignment check (LDREX/STREX on an
             * unaligned address; LDM/LDRD are not checked by QEMU 5.0) */
    case 22: /* EXCP_UNALIGNED */
        m->fault = (struct pending_fault){ true, EXC_USAGEFAULT, CFSR_UNALIGNED, 0, pc };
        break;
    case 7: /* EXCP_BKPT: no debugger attached, so it escalates */
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "BKPT at 0x%08x with no debugger: HardFault (DEBUGEVT)", pc);
        m->fault = (struct pending_fault){ true, EXC_HARDFAULT, 0, 0, pc };
        m->hfsr |= 1u << 31;
        break;
    default:
        machine_log(m, MACHINE_LOG_UNIMP,
                    "CPU exception %u at 0x%08x not modelled: HardFault", intno, pc);
        m->fault = (struct pending_fault){ true, EXC_HARDFAULT, 0, 0, pc };
        break;
    }
    /* Between instructions here, so stopping directly is safe. */
    machine_stop_cpu(m);
    uc_emu_stop(uc);
}

/* Let one access through a page whose protection is stricter than the MPU
 * region it touches (a region smaller than a page).  Unicorn then caches
 * the page in its TLB as fully accessible, so the TLB is flushed before
 * the next instruction. */
static bool allow_once(struct machine *m)
{
    m->tlb_flush_needed = true;
    machine_stop_cpu(m);
    return true;
}

/* A memory access Unicorn refused: either the MPU forbids it (MemManage),
 * the bus cannot do it (BusFault), or it is allowed and the page was only
 * protected because an MPU region smaller than a page split it. */
static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t address,
                             int size, int64_t value, void *user)
{
    struct machine *m = user;
    uint32_t addr = (uint32_t)address;
    uint32_t pc = cpu_reg(m, UC_ARM_REG_PC);
    bool priv = cpu_privileged(m);

    if (addr >= SCS_BASE && addr < SCS_BASE + SCS_SIZE) {
        /* The SCS pages are closed to unprivileged code (mpu.c); the MPU
         * does not apply to them.  Unprivileged access is a precise
         * BusFault, except a STIR write with CCR.USERSETMPEND (B3.4.3). */
        if (type == UC_MEM_WRITE_PROT && (addr & ~3u) == SCS_BASE + SCS_STIR &&
            (m->ccr & (1u << 1)))
            return allow_once(m);
        if (type == UC_MEM_READ_PROT || type == UC_MEM_WRITE_PROT) {
            m->fault = (struct pending_fault){ true, EXC_BUSFAULT,
                CFSR_PRECISERR | CFSR_BFARVALID, addr, pc };
            return false;
        }
    }
    switch (type) {
    case UC_MEM_READ_PROT:
    case UC_MEM_WRITE_PROT: {
        unsigned want = type == UC_MEM_READ_PROT ? UC_PROT_READ : UC_PROT_WRITE;
        if (!(mpu_perms(m, addr, priv) & want)) {
            m->fault = (struct pending_fault){ true, EXC_MEMMANAGE,
                CFSR_DACCVIOL | CFSR_MMARVALID, addr, pc };
        } else if (!(memory_kind_perms(addr) & want)) {
            m->fault = (struct pending_fault){ true, EXC_BUSFAULT,
                CFSR_PRECISERR | CFSR_BFARVALID, addr, pc };
        } else {
            return allow_once(m);
        }
        break;
    }
    case UC_MEM_FETCH_PROT:
        if (mpu_perms(m, addr, priv) & UC_PROT_EXEC)
            return allow_once(m);
        m->fault = (struct pending_fault){ true, EXC_MEMMANAGE, CFSR_IACCVIOL, 0, addr };
        break;
    /* The MPU checks an access before the bus sees it (B3.5.1), so an
     * address no region allows is a MemManage fault even when unmapped. */
    case UC_MEM_FETCH_UNMAPPED:
        if (!(mpu_perms(m, addr, priv) & UC_PROT_EXEC))
            m->fault = (struct pending_fault){ true, EXC_MEMMANAGE, CFSR_IACCVIOL, 0, addr };
        else
            m->fault = (struct pending_fault){ true, EXC_BUSFAULT, CFSR_IBUSERR, 0, addr };
        break;
    default: { /* data read/write of unmapped space */
        unsigned want = type == UC_MEM_READ_UNMAPPED ? UC_PROT_READ : UC_PROT_WRITE;
        if (!(mpu_perms(m, addr, priv) & want))
            m->fault = (struct pending_fault){ true, EXC_MEMMANAGE,
                CFSR_DACCVIOL | CFSR_MMARVALID, addr, pc };
        else
            m->fault = (struct pending_fault){ true, EXC_BUSFAULT,
                CFSR_PRECISERR | CFSR_BFARVALID, addr, pc };
        break;
    }
    }
    (void)size; (void)value;
    return false;
}

static uint64_t periph_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct periph_piece *p = user;
    p->m->stats.mmio_accesses++;
    return p->slot->ops->read(p->slot->opaque, p->offset + (uint32_t)offset, size);
}

static void periph_mmio_write(uc_engine *uc, uint64_t offset, unsigned size,
                              uint64_t value, void *user)
{
    struct periph_piece *p = user;
    p->m->stats.mmio_accesses++;
    p->slot->ops->write(p->slot->opaque, p->offset + (uint32_t)offset, (uint32_t)value, size);
}

/* The System Control Space: unprivileged accesses are bus errors
 * (B3.2.1), except STIR when CCR.USERSETMPEND is set (B3.4.3). */
static bool scs_check_priv(struct machine *m, uint32_t off)
{
    /* Normally the page protections stop unprivileged accesses before
     * they get here, precisely; this is the safety net. */
    if (cpu_privileged(m))
        return true;
    if (off == SCS_STIR && (m->ccr & (1u << 1)))
        return true;
    m->fault = (struct pending_fault){ true, EXC_BUSFAULT,
        CFSR_PRECISERR | CFSR_BFARVALID, SCS_BASE + off, cpu_reg(m, UC_ARM_REG_PC) };
    machine_stop_cpu(m);
    return false;
}

static uint64_t scs_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct scs_piece *piece = user;
    struct machine *m = piece->m;
    m->stats.mmio_accesses++;
    offset += piece->offset;
    uint32_t off = (uint32_t)offset & ~3u, v = 0;
    bool handled = false;

    if (!scs_check_priv(m, off))
        return 0;
    v = nvic_read(m, off, &handled);
    if (!handled)
        v = scb_read(m, off, &handled);
    if (!handled)
        v = systick_read(m, off, &handled);
    if (!handled)
        v = mpu_read(m, off, &handled);
    if (!handled)
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "scs: read of unknown register 0x%03x", off);
    return (v >> (8 * (offset & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

static void scs_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    struct scs_piece *piece = user;
    struct machine *m = piece->m;
    uint32_t off = (uint32_t)offset + piece->offset;
    uint32_t v = (uint32_t)value;

    m->stats.mmio_accesses++;
    if (!scs_check_priv(m, off))
        return;
    /* Byte writes matter only for the priority registers. */
    if (size != 4 && !((off >= 0x400 && off < 0x420) || (off >= 0xD18 && off < 0xD24))) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "scs: %u-byte write to 0x%03x (word access required)", size, off);
        return;
    }
    if (size != 4) {
        /* priority bytes: read-modify-write the word */
        uint32_t word_off = off & ~3u, shift = 8 * (off & 3);
        bool handled = false;
        uint32_t old = nvic_read(m, word_off, &handled);
        if (!handled)
            old = scb_read(m, word_off, &handled);
        uint32_t mask = (size == 1 ? 0xFFu : 0xFFFFu) << shift;
        v = (old & ~mask) | ((v << shift) & mask);
        off = word_off;
    }
    if (nvic_write(m, off, v) || scb_write(m, off, v) || systick_write(m, off, v) ||
        mpu_write(m, off, v)) {
        /* Whatever changed may make an exception pending or change the
         * MPU: look at it before the next instruction. */
        machine_stop_cpu(m);
        return;
    }
    machine_log(m, MACHINE_LOG_GUEST_ERROR, "scs: write of unknown register 0x%03x", off);
}

static void hook_count_store(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                             int64_t value, void *user)
{
    struct machine *m = user;
    m->stats.guest_stores++;
}

bool cpu_init(struct machine *m, GError **error)
{
    uc_err err = uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &m->uc);

    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "unicorn: %s", uc_strerror(err));
        return false;
    }
    /* UC_MODE_MCLASS would give a Cortex-M33 (ARMv8-M). */
    err = uc_ctl_set_cpu_model(m->uc, UC_CPU_ARM_CORTEX_M4);
    if (!err)
        err = uc_mem_map_ptr(m->uc, FLASH_BASE, FLASH_SIZE, UC_PROT_READ | UC_PROT_EXEC, m->flash);
    if (!err)
        err = uc_mem_map_ptr(m->uc, OTP_BASE, OTP_SIZE, UC_PROT_READ, m->otp);
    if (!err)
        err = uc_mem_map_ptr(m->uc, SRAM_BASE, SRAM_SIZE, UC_PROT_ALL, m->sram);
    /* Each 4 KiB window as four 1 KiB regions: uc_mem_protect would
     * otherwise split a window into new regions whose callbacks get
     * offsets from the piece, not from the window (uc.c split_mmio_region). */
    for (unsigned i = 0, n = 0; !err && i < m->nperiphs; i++) {
        for (uint32_t off = 0; !err && off < PERIPH_WINDOW; off += 1024, n++) {
            struct periph_piece *p = &m->periph_pieces[n];
            *p = (struct periph_piece){ m, &m->periphs[i], off };
            err = uc_mmio_map(m->uc, m->periphs[i].base + off, 1024, periph_mmio_read, p,
                              periph_mmio_write, p);
        }
    }
    for (uint32_t i = 0; !err && i < G_N_ELEMENTS(m->scs_pieces); i++) {
        m->scs_pieces[i] = (struct scs_piece){ m, i * 1024 };
        err = uc_mmio_map(m->uc, SCS_BASE + i * 1024, 1024, scs_read, &m->scs_pieces[i],
                          scs_write, &m->scs_pieces[i]);
    }
    if (!err)
        err = uc_hook_add(m->uc, &m->code_hook, UC_HOOK_CODE, hook_code, m, 1, 0);
    if (!err && m->cfg.count_stores)
        err = uc_hook_add(m->uc, &m->store_hook, UC_HOOK_MEM_WRITE, hook_count_store, m, 1, 0);
    if (!err)
        err = uc_hook_add(m->uc, &m->intr_hook, UC_HOOK_INTR, hook_intr, m, 1, 0);
    if (!err)
        err = uc_hook_add(m->uc, &m->mem_hook,
                          UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, hook_mem_invalid, m, 1, 0);
    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "unicorn setup: %s", uc_strerror(err));
        return false;
    }
    return true;
}

uc_err cpu_run(struct machine *m, uint32_t pc)
{
    return uc_emu_start(m->uc, pc | 1, UNTIL, 0, 0);
}
