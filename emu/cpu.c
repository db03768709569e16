/* emu/cpu.c: the Cortex-M4 core on Unicorn: memory map, the hooks, and the
 * few instructions Unicorn does not handle as an M-profile core must.
 *
 * Generated code carries as few callbacks as possible, because every one
 * is paid on every execution and bloats the translation (docs/emulator.md):
 * - one block hook on all code counts instructions (the deterministic
 *   clock, the slice budget, the statistics) a translation block at a time
 *   and ends a slice between blocks;
 * - a code hook on each instruction site that needs the core first (WFI,
 *   WFE, SEV, divisions, FP, and the instruction after anything that may
 *   unmask an exception or change privilege), found by scanning flash
 *   (sites.c), and one over SRAM, where code is decoded as it runs;
 * - memory protection is decided in Unicorn's virtual TLB (tlb.c), which
 *   makes a denied access a precise exception without a per-instruction
 *   PC update. */
#include "machine_internal.h"
#include "debug_internal.h"
#include "thumb.h"

#include <string.h>

static uint16_t fetch16(struct machine *m, uint32_t addr)
{
    uint16_t v = 0;

    if (addr < FLASH_SIZE - 1)
        memcpy(&v, m->flash + addr, 2);
    else if (addr >= SRAM_BASE && addr < SRAM_BASE + SRAM_SIZE - 1)
        memcpy(&v, m->sram + (addr - SRAM_BASE), 2);
    return v;
}

/* Instructions in [start, end) of code, by their Thumb-2 lengths. */
uint32_t cpu_count_insns(struct machine *m, uint32_t start, uint32_t end)
{
    uint32_t n = 0;

    for (uint32_t a = start; a < end; n++)
        a += thumb_is_32bit(fetch16(m, a)) ? 4 : 2;
    return n;
}

/* A machine's registers are in the engine while it is the core's current
 * machine, saved otherwise (core.c): a scheduler asking whether a sleeping
 * lamp may wake reads them without switching. */
void cpu_regs(struct machine *m, const int *regs, uint32_t *v, unsigned n)
{
    unsigned saved = 0;

    if (m->core->current != m)
        while (saved < n && core_saved_reg(m, regs[saved], &v[saved]))
            saved++;
    if (saved == n)
        return;
    core_enter(m->core, m);
    core_regs_read(m->core, regs, v, n);
}

uint32_t cpu_reg(struct machine *m, int reg)
{
    uint32_t v;

    cpu_regs(m, &reg, &v, 1);
    return v;
}

void cpu_set_reg(struct machine *m, int reg, uint32_t v)
{
    core_enter(m->core, m);
    core_regs_write(m->core, &reg, &v, 1);
}

bool cpu_privileged(struct machine *m)
{
    return (cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF) != 0 ||
           (cpu_reg(m, UC_ARM_REG_CONTROL) & 1) == 0;
}

/* The TLB view (privilege level, MPU bypass) the running code must see;
 * a change ends the slice so that tlb_sync applies it. */
static bool tlb_view_changed(struct machine *m)
{
    return cpu_privileged(m) != m->tlb_privileged || mpu_bypassed(m) != m->tlb_bypassed;
}

/* An instruction site (sites.c): decide before the instruction at pc
 * executes.  kinds are the SITE_* bits found for it. */
void cpu_on_site(struct machine *m, uint32_t pc, unsigned kinds)
{
    if (m->run_mode != RUN_NORMAL && m->run_mode != RUN_STEP)
        return; /* a probe replays one access only (tlb.c) */
    /* A preceding MSR CONTROL may have changed the privilege level, or
     * CPSID f / MSR FAULTMASK the MPU bypass (the TLB follows both), and a
     * preceding CPSIE or MSR to a mask register may have unmasked a pending
     * exception: both are handled before this instruction. */
    if (kinds & SITE_AFTER_MASK) {
        if (tlb_view_changed(m) || exc_pending_to_take(m)) {
            machine_stop_cpu(m);
            return;
        }
    }
    if (kinds & SITE_HINT) {
        uint16_t hw1 = fetch16(m, pc);
        if (hw1 == THUMB_SEV) {
            m->event_reg = true; /* Unicorn runs SEV as a NOP */
            return;
        }
        if (hw1 == THUMB_WFE && m->event_reg) {
            /* WFE with the event register set clears it and goes on
             * (B1.5.18); the run loop steps over it. */
            m->event_reg = false;
            m->skip_wfe = true;
            machine_stop_cpu(m);
            return;
        }
        /* WFI/WFE: sleep instead of letting Unicorn halt the vCPU; the
         * run loop moves PC past it.  The wake-up condition is the same
         * for both: an exception that would preempt were PRIMASK clear. */
        m->event_reg = false;
        m->sleeping = true;
        machine_stop_cpu(m);
        return;
    }
    if (kinds & SITE_FP) {
        /* Unicorn's core has the FPU on from reset; CPACR decides here
         * (B3.2.20): 0b01 privileged only, 0b11 full, else NOCP. */
        unsigned cp10 = (m->cpacr >> 20) & 3;
        if (!(cp10 == 3 || (cp10 == 1 && cpu_privileged(m)))) {
            m->fault = (struct pending_fault){ true, EXC_USAGEFAULT, CFSR_NOCP, 0, pc };
            machine_stop_cpu(m);
        }
        return;
    }
    if ((kinds & SITE_DIV) && (m->ccr & (1u << 4))) {
        /* Unicorn returns 0 for a division by zero and never traps. */
        static const int rm_reg[16] = {
            UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
            UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7,
            UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
            UC_ARM_REG_R12, UC_ARM_REG_R13, UC_ARM_REG_R14, UC_ARM_REG_R15,
        };
        if (cpu_reg(m, rm_reg[fetch16(m, pc + 2) & 0xF]) == 0) {
            m->fault = (struct pending_fault){ true, EXC_USAGEFAULT,
                                               CFSR_DIVBYZERO, 0, pc };
            machine_stop_cpu(m);
        }
    }
}

/* The hook of an instruction site some machine of the core has (sites.c):
 * it acts, and may end the run, only if the machine running has one there
 * too.  Stopping at another machine's site would take a pending request
 * at a point that depends on which machines share the core, and a
 * deterministic run would no longer be the same alone and in a fleet
 * (tests/unit/core/test_shared_core.c). */
void cpu_hook_site(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;
    unsigned kinds = sites_kinds(m, (uint32_t)address);

    if (!kinds)
        return;
    cpu_on_site(m, (uint32_t)address, kinds);
    if (m->stop_for_events)
        uc_emu_stop(uc);
}

/* Code in SRAM is not scanned (it is written by stores the core does not
 * see): it is decoded as it runs. */
static void hook_sram_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;
    uint32_t pc = (uint32_t)address;
    unsigned kinds = sites_kinds_at(fetch16(m, pc - 4), fetch16(m, pc - 2), fetch16(m, pc),
                                    fetch16(m, pc + 2));

    if (kinds)
        cpu_on_site(m, pc, kinds);
    if (m->stop_for_events)
        uc_emu_stop(uc);
}

/* The instruction before pc may have unmasked an exception or changed the
 * privilege level or the MPU bypass: CPSIE, CPSID f, MSR to a mask
 * register or CONTROL.  QEMU ends a block after each of them, so the block
 * hook sees every instruction that follows one (and, harmlessly, branch
 * targets that merely sit after one). */
static bool follows_mask_change(struct machine *m, uint32_t pc)
{
    uint16_t prev = fetch16(m, pc - 2);

    return thumb_is_cpsie(prev) || thumb_is_cpsid_f(prev) ||
           thumb_is_msr_mask_or_control(fetch16(m, pc - 4), prev);
}

/* Stops the CPU before the block at pc runs, PC on it (Unicorn does not
 * update PC before block hooks). */
static void stop_before_block(struct machine *m, uc_engine *uc, uint32_t pc)
{
    cpu_set_reg(m, UC_ARM_REG_PC, pc | 1);
    m->last_block_end = 0;
    uc_emu_stop(uc);
}

/* The block about to run, whose translated code calls the block hook
 * from code: its instructions and whether the instruction before it may
 * have changed the masks, from the core's cache or decoded; false when the
 * block holds a site not yet hooked, which must be hooked before it runs
 * (sites.c). */
static bool block_info(struct machine *m, uint32_t code, uint32_t pc, uint32_t size, uint32_t *n,
                       bool *after_mask)
{
    struct block_cache *bc = m->core->blocks;
    int info = block_cache_info(bc, code);

    if (info >= 0) {
        *n = (uint32_t)info & BLOCK_INSNS_MASK;
        /* The instruction before may be on the page before, which machines
         * sharing this block's page need not share. */
        *after_mask = pc % CODE_POOL_PAGE >= 4 ? (info & BLOCK_FOLLOWS_MASK_CHANGE) != 0
                                                : follows_mask_change(m, pc);
        return true;
    }
    *after_mask = follows_mask_change(m, pc);
    if (pc >= FLASH_SIZE)
        *n = cpu_count_insns(m, pc, pc + size); /* SRAM: its hook sees the sites */
    else if (!sites_check_block(m, pc, pc + size, n))
        return false;
    block_cache_put(bc, code, (uint16_t)(*n | (*after_mask ? BLOCK_FOLLOWS_MASK_CHANGE : 0)));
    return true;
}

/* The first block of a run that resumes a block a debug stop cut in two:
 * this hook let that block run at its start, so its rest runs unchecked
 * (debug_port.c).  Asked only when a check would stop the block. */
static bool resumes_cut_block(const struct machine *m)
{
    return m->cut_resume && m->icount == m->cut_icount;
}

/* machine_set_coverage: the blocks, or AFL's edge hash.  The block address is scrambled
 * (Thumb blocks sit on even addresses, close together), and the previous
 * one shifted so that A->B and B->A count apart. */
static void note_coverage(struct machine *m, uint32_t pc)
{
    uint32_t cur = (pc >> 1) * 0x9e3779b1u;

    if (m->cov_blocks) {
        m->cov_map[(pc >> 1) & m->cov_mask] = 1;
        return;
    }
    cur ^= cur >> 16;
    m->cov_map[(cur ^ m->cov_prev) & m->cov_mask]++;
    m->cov_prev = cur >> 1;
}

/* Every translation block, before it runs: the slice budget, the stop
 * requests of the models, the instruction count, the sites it holds, what
 * an instruction just before it changed, and the code-entry watch. */
static void hook_block(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct machine_core *core = user;
    struct machine *m = core->current;
    uintptr_t code = (uintptr_t)__builtin_return_address(0);
    uint32_t pc = (uint32_t)address, n;
    bool after_mask;

    /* The only block hook, so Unicorn calls it straight from the block's
     * code: the return address names the block's translation and says how
     * far translation has come. */
    jit_note_code(core, code);

    if (G_UNLIKELY(m->run_mode != RUN_NORMAL)) {
        /* A probe or a step runs one instruction, in the first block. */
        if (m->run_blocks++ == 0) {
            if (m->run_mode == RUN_STEP)
                m->icount++;
            return;
        }
        stop_before_block(m, uc, pc);
        return;
    }
    if ((G_UNLIKELY(m->budget == 0) || G_UNLIKELY(m->stop_for_events) ||
         G_UNLIKELY(jit_nearly_full(core))) && !resumes_cut_block(m)) {
        stop_before_block(m, uc, pc);
        return;
    }
    if (G_UNLIKELY(!block_info(m, (uint32_t)code, pc, size, &n, &after_mask))) {
        stop_before_block(m, uc, pc); /* the run loop hooks its sites */
        return;
    }
    if (G_UNLIKELY(after_mask) && !resumes_cut_block(m) &&
        (tlb_view_changed(m) || exc_pending_to_take(m))) {
        stop_before_block(m, uc, pc);
        return;
    }
    m->icount += n;
    m->budget -= MIN(n, m->budget);
    m->last_block_start = pc;
    m->last_block_end = pc + size;
    if (G_UNLIKELY(m->cov_map != NULL))
        note_coverage(m, pc);
    if (G_UNLIKELY(m->entry_fn != NULL) && !m->entry_seen && pc >= m->entry_start &&
        pc < m->entry_end) {
        m->entry_seen = true;
        m->entry_fn(m, pc, m->entry_user);
    }
}

/* After a run that stopped inside the block it last counted (a site, a
 * fault, an exception), the block's instructions after the one at pc did
 * not run. */
void cpu_uncount_rest_of_block(struct machine *m, uint32_t pc)
{
    if (m->last_block_end && pc >= m->last_block_start && pc < m->last_block_end) {
        uint32_t next = pc + (thumb_is_32bit(fetch16(m, pc)) ? 4 : 2);
        if (next < m->last_block_end)
            m->icount -= cpu_count_insns(m, next, m->last_block_end);
    }
    m->last_block_end = 0;
}

void cpu_uncount_from(struct machine *m, uint32_t pc)
{
    if (m->last_block_end && pc >= m->last_block_start && pc < m->last_block_end)
        m->icount -= cpu_count_insns(m, pc, m->last_block_end);
    m->last_block_end = 0;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;
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
    case 7: /* EXCP_BKPT: halts the core for an attached debugger, PC on it
             * (C1.6: the debugger moves PC past it), else escalates */
        if (debug_port_attached(m)) {
            struct debug_stop why = { .reason = DEBUG_BREAKPOINT };
            debug_halt(m, &why);
            break;
        }
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

/* A peripheral window of the core: the running machine's model, if it
 * has one there (the TLB refuses the window to machines that do not). */
static struct periph_slot *window_slot(const struct core_window *w, struct machine **m)
{
    *m = w->core->current;
    (*m)->stats.mmio_accesses++;
    return (*m)->window[w->index];
}

static uint64_t periph_mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct machine *m;
    struct periph_slot *p = window_slot(user, &m);

    if (!p) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "read of an empty peripheral window");
        return 0;
    }
    return p->ops->read(p->opaque, (uint32_t)offset, size);
}

static void periph_mmio_write(uc_engine *uc, uint64_t offset, unsigned size,
                              uint64_t value, void *user)
{
    struct machine *m;
    struct periph_slot *p = window_slot(user, &m);

    if (!p) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "write to an empty peripheral window");
        return;
    }
    p->ops->write(p->opaque, (uint32_t)offset, (uint32_t)value, size);
}

/* The System Control Space: unprivileged accesses are bus errors
 * (B3.2.1), except STIR when CCR.USERSETMPEND is set (B3.4.3). */
static bool scs_check_priv(struct machine *m, uint32_t off)
{
    /* Normally the TLB stops unprivileged accesses before they get here,
     * precisely (tlb.c); this is the safety net. */
    if (cpu_privileged(m))
        return true;
    if (off == SCS_STIR && (m->ccr & (1u << 1)))
        return true;
    m->fault = (struct pending_fault){ true, EXC_BUSFAULT,
        CFSR_PRECISERR | CFSR_BFARVALID, SCS_BASE + off, cpu_reg(m, UC_ARM_REG_PC) };
    machine_stop_cpu(m);
    return false;
}

uint32_t scs_read_reg(struct machine *m, uint32_t off, bool *handled)
{
    uint32_t v = nvic_read(m, off, handled);

    if (!*handled)
        v = scb_read(m, off, handled);
    if (!*handled)
        v = systick_read(m, off, handled);
    if (!*handled)
        v = mpu_read(m, off, handled);
    return v;
}

bool scs_write_reg(struct machine *m, uint32_t off, uint32_t v)
{
    return nvic_write(m, off, v) || scb_write(m, off, v) || systick_write(m, off, v) ||
           mpu_write(m, off, v);
}

static uint64_t scs_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;
    m->stats.mmio_accesses++;
    uint32_t off = (uint32_t)offset & ~3u, v = 0;
    bool handled = false;

    if (!scs_check_priv(m, off))
        return 0;
    v = scs_read_reg(m, off, &handled);
    if (!handled)
        machine_log(m, MACHINE_LOG_GUEST_ERROR, "scs: read of unknown register 0x%03x", off);
    return (v >> (8 * (offset & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

static void scs_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;
    uint32_t off = (uint32_t)offset;
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
    if (scs_write_reg(m, off, v)) {
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
    struct machine *m = ((struct machine_core *)user)->current;
    if (m->cfg.count_stores)
        m->stats.guest_stores++;
}

/* A diagnostic: every store of every machine of the core then calls out. */
bool cpu_count_stores_on(struct machine_core *core, GError **error)
{
    uc_err err = uc_hook_add(core->uc, &core->store_hook, UC_HOOK_MEM_WRITE, hook_count_store,
                             core, 1, 0);
    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "store counting: %s",
                    uc_strerror(err));
        return false;
    }
    core->store_hook_on = true;
    return true;
}

bool cpu_core_hooks(struct machine_core *core, GError **error)
{
    uc_err err = UC_ERR_OK;

    for (unsigned i = 0; !err && i < PERIPH_WINDOWS; i++) {
        core->windows[i] = (struct core_window){ core, i };
        err = uc_mmio_map(core->uc, PERIPH_BASE + i * PERIPH_WINDOW, PERIPH_WINDOW,
                          periph_mmio_read, &core->windows[i], periph_mmio_write,
                          &core->windows[i]);
    }
    if (!err)
        err = uc_mmio_map(core->uc, SCS_BASE, SCS_SIZE, scs_read, core, scs_write, core);
    if (!err)
        err = uc_hook_add(core->uc, &core->block_hook, UC_HOOK_BLOCK, hook_block, core, 1, 0);
    if (!err)
        err = uc_hook_add(core->uc, &core->sram_code_hook, UC_HOOK_CODE, hook_sram_code, core,
                          SRAM_BASE, SRAM_BASE + SRAM_SIZE - 1);
    if (!err)
        err = uc_hook_add(core->uc, &core->intr_hook, UC_HOOK_INTR, hook_intr, core, 1, 0);
    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "unicorn setup: %s", uc_strerror(err));
        return false;
    }
    return true;
}

uc_err cpu_run(struct machine *m, uint32_t pc)
{
    struct machine_core *core = m->core;
    uc_err err;

    core_enter(core, m);
    core->in_cpu_run = true;
    err = uc_emu_start(core->uc, pc | 1, 0, 0, 0);
    core->in_cpu_run = false;
    return err;
}
