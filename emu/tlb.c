/* emu/tlb.c: memory protection through Unicorn's virtual TLB.
 *
 * Unicorn asks this file for a page's permissions the first time the CPU
 * touches it after a flush (UC_TLB_VIRTUAL, UC_HOOK_TLB_FILL).  The answer
 * is what both the MPU (for the privilege level and execution priority of
 * the moment) and the bus allow.  A refused access becomes a precise
 * exception inside Unicorn: the run stops with PC on the instruction and
 * nothing of it done.  The hook only learns the page, so the exact address
 * (MMFAR, BFAR) comes from replaying that one instruction with the page
 * mapped to a trap region of our own (the "probe"); and on a page that an
 * MPU region finer than a page splits, an access the finer check allows is
 * then executed alone with the page opened (the "step").  Both are a
 * few microseconds, paid only by faults and by accesses to split pages.
 *
 * The TLB is flushed when what it caches can change: MPU registers, the
 * privilege level, the MPU bypass (HardFault, NMI, FAULTMASK).  Unicorn
 * finds code it translated earlier without asking the TLB again, so pages
 * that stop being executable also have their translated code dropped.
 * But it finds only code translated under the same view: QEMU keys a
 * translation by the CPU's hflags, whose MMU index is the privilege and
 * the MPU bypass (arm_mmu_idx: MUser, MPriv and their NegPri forms).  So
 * the pages are kept per view, and a change of view drops only the code of
 * the view about to run that it may no longer execute: the platform's
 * code, translated privileged, survives the partner-app VM's unprivileged
 * entries (dropping it cost every entry a retranslation, about 2 ms of
 * host CPU; docs/emulator.md). */
#include "machine_internal.h"
#include "debug_internal.h"
#include "thumb.h"

#include <string.h>

/* A host-only physical page for the probe: no guest address maps to it
 * (the fill hook refuses everything off the memory map). */
#define TRAP_BASE 0xF0000000u
#define TLB_PAGE 1024u /* Unicorn's ARM target page */
/* EPSR's IT bits, ICI/IT[1:0] and IT[7:2] (ARMv7-M B1.4.2) */
#define EPSR_IT 0x0600FC00u

/* What the bus has at addr, whatever the MPU says. */
static unsigned bus_perms(struct machine *m, uint32_t addr)
{
    if (addr < FLASH_SIZE)
        return UC_PROT_READ | UC_PROT_EXEC;
    if (addr >= OTP_BASE && addr < OTP_BASE + OTP_SIZE)
        return UC_PROT_READ;
    if (addr >= SRAM_BASE && addr < SRAM_BASE + SRAM_SIZE)
        return UC_PROT_ALL;
    if (addr >= SCS_BASE && addr < SCS_BASE + SCS_SIZE)
        return UC_PROT_READ | UC_PROT_WRITE;
    if (addr >= PERIPH_BASE && addr < PERIPH_BASE + PERIPH_WINDOWS * PERIPH_WINDOW &&
        m->window[(addr - PERIPH_BASE) / PERIPH_WINDOW])
        return UC_PROT_READ | UC_PROT_WRITE;
    return 0; /* unmapped, or a peripheral window without a model */
}

static bool in_scs(uint32_t addr)
{
    return addr >= SCS_BASE && addr < SCS_BASE + SCS_SIZE;
}

/* What an access at exactly addr may do in the current view (B3.5,
 * B3.2.1). */
static unsigned access_perms(struct machine *m, uint32_t addr, bool write)
{
    bool priv = m->tlb_privileged;

    if (in_scs(addr)) {
        /* The SCS is for privileged code only, MPU or not, but for a STIR
         * write with CCR.USERSETMPEND (B3.4.3). */
        if (priv || (write && (addr & ~3u) == SCS_BASE + SCS_STIR && (m->ccr & (1u << 1))))
            return UC_PROT_READ | UC_PROT_WRITE;
        return 0;
    }
    return bus_perms(m, addr) & mpu_perms_in_view(m, addr, priv, m->tlb_bypassed);
}

/* What a whole page allows: the strictest of its parts when a region finer
 * than a page splits it (those pages take the slow path). */
static unsigned page_perms(struct machine *m, uint32_t page, bool priv, bool bypass,
                           bool *split)
{
    *split = false;
    if (in_scs(page)) {
        *split = !priv;
        return priv ? UC_PROT_READ | UC_PROT_WRITE : 0;
    }
    unsigned bus = bus_perms(m, page);
    if (!bus)
        return 0;
    return bus & mpu_page_perms(m, page, priv, bypass, split);
}

/* Pages the CPU fetched from since their code was last dropped: a
 * superset of those holding translated code (translating needs a fetch
 * through the TLB).  Executable code lives in flash and SRAM only. */
static int code_page_index(uint32_t page)
{
    if (page < FLASH_SIZE)
        return (int)(page / TLB_PAGE);
    if (page >= SRAM_BASE && page < SRAM_BASE + SRAM_SIZE)
        return (int)(FLASH_SIZE / TLB_PAGE + (page - SRAM_BASE) / TLB_PAGE);
    return -1;
}

static uint32_t code_page_addr(size_t i)
{
    size_t flash_pages = FLASH_SIZE / TLB_PAGE;
    return i < flash_pages ? FLASH_BASE + (uint32_t)i * TLB_PAGE
                           : SRAM_BASE + (uint32_t)(i - flash_pages) * TLB_PAGE;
}

static unsigned view_of(bool priv, bool bypass)
{
    return (priv ? 2u : 0u) | (bypass ? 1u : 0u);
}

static void note_code_page(struct machine *m, uint32_t page)
{
    int i = code_page_index(page);
    if (i >= 0)
        m->code_pages[view_of(m->tlb_privileged, m->tlb_bypassed)][i / 64] |= 1ull << (i % 64);
}

static unsigned wanted(uc_mem_type type)
{
    return type == UC_MEM_WRITE ? UC_PROT_WRITE : type == UC_MEM_FETCH ? UC_PROT_EXEC
                                                                       : UC_PROT_READ;
}

/* Where the page of the machine running lives in the core's physical
 * space: its flash fetched from the shared code pool (so identical code
 * shares its translation), its flash read as data, SRAM and OTP in its own
 * slot, the peripherals and the SCS where the core maps them for all. */
static uint64_t fetch_phys(struct machine *m, uint32_t page)
{
    struct machine_core *core = m->core;
    unsigned gen = core->pool_gen, i = page / TLB_PAGE;

    if (!m->code_map)
        m->code_map = g_new0(uint16_t, FLASH_SIZE / TLB_PAGE);
    if (m->code_map_gen != gen) {
        memset(m->code_map, 0, FLASH_SIZE / TLB_PAGE * sizeof(*m->code_map));
        m->code_map_gen = gen;
    }
    if (!m->code_map[i]) {
        const uint8_t *bytes = guest_mem_page_view(m->mem, GUEST_MEM_FLASH_OFF + page) +
                               page % GUEST_MEM_PAGE;
        int idx = code_pool_intern(core->pool, bytes);
        if (idx < 0) {
            /* Run from the machine's own copy, unshared, until the core
             * flushes its translated code and with it the pool. */
            core->pool_full = true;
            return core_slot_phys(core, m->slot, GUEST_MEM_FLASH_OFF + page);
        }
        m->code_map[i] = (uint16_t)(idx + 1);
    }
    return code_pool_phys(core->pool) + (uint64_t)(m->code_map[i] - 1) * TLB_PAGE;
}

static uint64_t page_phys(struct machine *m, uint32_t page, uc_mem_type type)
{
    if (page < FLASH_SIZE)
        return type == UC_MEM_FETCH ? fetch_phys(m, page)
                                    : core_slot_phys(m->core, m->slot, GUEST_MEM_FLASH_OFF + page);
    if (page >= SRAM_BASE && page < SRAM_BASE + SRAM_SIZE)
        return core_slot_phys(m->core, m->slot, GUEST_MEM_SRAM_OFF + (page - SRAM_BASE));
    if (page >= OTP_BASE && page < OTP_BASE + OTP_SIZE)
        return core_slot_phys(m->core, m->slot, GUEST_MEM_OTP_OFF + (page - OTP_BASE));
    return page;
}

static bool hook_tlb_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *e,
                          void *user)
{
    struct machine_core *core = user;
    struct machine *m = core->current;
    uint32_t page = (uint32_t)vaddr & ~(TLB_PAGE - 1);
    bool split;
    unsigned perms;

    if (!core->in_cpu_run) {
        /* Unicorn itself, dropping translated code outside a run, looks
         * the page up as a fetch: answer for the bus alone; the caller
         * flushes the TLB before the CPU runs again. */
        if (!m)
            return false;
        e->paddr = page_phys(m, page, type);
        e->perms = bus_perms(m, page);
        return e->perms != 0;
    }
    m->stats.tlb_fills++;
    if (m->probe.active && page == m->probe.page) {
        e->paddr = TRAP_BASE;
        e->perms = UC_PROT_READ | UC_PROT_WRITE;
        return true;
    }
    if (m->step.active && page == m->step.page)
        perms = bus_perms(m, page) | (in_scs(page) ? UC_PROT_READ | UC_PROT_WRITE : 0);
    else
        perms = page_perms(m, page, m->tlb_privileged, m->tlb_bypassed, &split);
    /* a watched page: its watched accesses come to tlb_resolve_denial */
    if (G_UNLIKELY(m->dbg) && !(m->step.active && page == m->step.page))
        perms &= ~debug_watch_deny(m, page, TLB_PAGE);
    if (perms & wanted(type)) {
        e->paddr = page_phys(m, page, type);
        e->perms = perms;
        if (type == UC_MEM_FETCH)
            note_code_page(m, page);
        else if (page < FLASH_SIZE)
            /* Flash read as data maps the machine's copy; a fetch must
             * come back here to map the shared one. */
            e->perms &= ~UC_PROT_EXEC;
        return true;
    }
    m->denial = (struct tlb_denial){ true, page, type };
    return false;
}

void tlb_flash_changed(struct machine *m, uint32_t addr, uint32_t len)
{
    if (m->code_map && len)
        for (uint32_t p = addr / TLB_PAGE; p <= (addr + len - 1) / TLB_PAGE && p < FLASH_SIZE / TLB_PAGE; p++)
            m->code_map[p] = 0;
    m->tlb_flush_needed = true;
}

/* The probe's trap page: the first access of the replayed instruction to
 * the refused page lands here with its exact offset, and is abandoned
 * (stopping inside an MMIO access makes Unicorn drop the instruction). */
static uint64_t trap_read(uc_engine *uc, uint64_t offset, unsigned size, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;

    m->probe.hit = true;
    m->probe.addr = m->probe.page + (uint32_t)offset;
    m->probe.size = size;
    m->probe.write = false;
    uc_emu_stop(uc);
    return 0;
}

static void trap_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;

    m->probe.hit = true;
    m->probe.addr = m->probe.page + (uint32_t)offset;
    m->probe.size = size;
    m->probe.write = true;
    uc_emu_stop(uc);
}

bool tlb_init(struct machine_core *core, GError **error)
{
    uc_err err = uc_ctl_tlb_mode(core->uc, UC_TLB_VIRTUAL);

    if (!err)
        err = uc_hook_add(core->uc, &core->tlb_hook, UC_HOOK_TLB_FILL, hook_tlb_fill, core, 1, 0);
    if (!err)
        err = uc_mmio_map(core->uc, TRAP_BASE, TLB_PAGE, trap_read, core, trap_write, core);
    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "unicorn virtual TLB: %s",
                    uc_strerror(err));
        return false;
    }
    return true;
}

/* Drops the translated code of pages that are not executable in the view
 * about to run: Unicorn would find it again without asking the TLB. */
static void drop_code_that_lost_exec(struct machine *m, bool priv, bool bypass)
{
    uint64_t *pages = m->code_pages[view_of(priv, bypass)];

    for (size_t w = 0; w < G_N_ELEMENTS(m->code_pages[0]); w++) {
        for (uint64_t bits = pages[w]; bits; bits &= bits - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
            uint32_t page = code_page_addr(i);
            bool split;
            /* A split page stays: its code is fetched through the slow
             * path, instruction by instruction, and checked there. */
            if ((page_perms(m, page, priv, bypass, &split) & UC_PROT_EXEC) || split)
                continue;
            uc_ctl_remove_cache(m->core->uc, page, (uint64_t)page + TLB_PAGE);
            pages[w] &= ~(1ull << (i % 64));
        }
    }
}

void tlb_sync(struct machine *m)
{
    struct machine_core *core = m->core;
    bool priv = cpu_privileged(m), bypass = mpu_bypassed(m);
    bool view = m->mpu_dirty || priv != m->tlb_privileged || bypass != m->tlb_bypassed;

    if (!view && core->tlb_owner == m && !m->tlb_flush_needed)
        return;
    /* (the TLB must show m's view before dropping code: remove_cache looks
     * pages up through it) */
    m->tlb_privileged = priv;
    m->tlb_bypassed = bypass;
    core->tlb_owner = m;
    if (view)
        drop_code_that_lost_exec(m, priv, bypass);
    uc_ctl_flush_tlb(core->uc);
    m->mpu_dirty = false;
    m->tlb_flush_needed = false;
}

static uint32_t insn_len(struct machine *m, uint32_t pc)
{
    uint16_t hw1 = 0;
    machine_read_phys(m, pc, &hw1, 2);
    return thumb_is_32bit(hw1) ? 4 : 2;
}

/* Replays the instruction at pc with the refused page on the trap page;
 * true with m->probe filled when its access was caught.  epsr is the
 * instruction's: the replay runs it outside any IT block.  Unicorn
 * translates the instructions of an IT block without the checks that let
 * uc_emu_stop end a run inside one (translate.c, no_exit_request), so a
 * replay in the block ran on to the block's end, loads getting the trap
 * page's zeros and the trap page taking the stores, and the registers so
 * changed stayed changed.  The access was refused, so its condition
 * passed: unconditional, it makes the same access, and is dropped there. */
static bool probe(struct machine *m, uint32_t pc, uint32_t page, uint32_t epsr)
{
    m->probe = (struct tlb_probe){ .active = true, .page = page };
    m->run_mode = RUN_PROBE;
    m->run_blocks = 0;
    uc_ctl_flush_tlb(m->core->uc);
    cpu_set_reg(m, UC_ARM_REG_EPSR, epsr & ~EPSR_IT);
    uc_err err = cpu_run(m, pc);
    m->run_mode = RUN_NORMAL;
    m->probe.active = false;
    uc_ctl_flush_tlb(m->core->uc);
    m->denial.valid = false;
    m->fault.valid = false;
    if (cpu_reg(m, UC_ARM_REG_PC) != pc) {
        machine_log(m, MACHINE_LOG_UNIMP,
                    "tlb: replay of 0x%08x ended at 0x%08x (%s); state may have moved on",
                    pc, cpu_reg(m, UC_ARM_REG_PC), uc_strerror(err));
        cpu_set_reg(m, UC_ARM_REG_PC, pc | 1);
    }
    return m->probe.hit;
}

/* Executes the instruction at pc alone with its page open, in the IT
 * state epsr gives (the one it was refused in: the probe cleared it);
 * returns what Unicorn returned (it may fault again, on another page).
 * The exit after it ends the run even inside an IT block, with the state
 * advanced for the next instruction. */
static uc_err step(struct machine *m, uint32_t pc, uint32_t page, uint32_t epsr)
{
    uint64_t next = pc + insn_len(m, pc);
    uc_err err;

    /* A fresh one-instruction block: the exit ends it after pc, and the
     * block that held pc is dropped so it is not reused with the page
     * open.  Unicorn drops the block before an exit after the run. */
    uc_ctl_remove_cache(m->core->uc, pc, (uint64_t)pc + 2);
    m->step = (struct tlb_step){ .active = true, .page = page };
    m->run_mode = RUN_STEP;
    m->run_blocks = 0;
    uc_ctl_flush_tlb(m->core->uc);
    uc_ctl_set_exits(m->core->uc, &next, 1);
    cpu_set_reg(m, UC_ARM_REG_EPSR, epsr);
    err = cpu_run(m, pc);
    uc_ctl_set_exits(m->core->uc, NULL, 0);
    /* A block that starts at the exit would stop any later run there. */
    uc_ctl_remove_cache(m->core->uc, next, next + 2);
    m->run_mode = RUN_NORMAL;
    m->step.active = false;
    uc_ctl_flush_tlb(m->core->uc);
    return err;
}

/* An access the page's watchpoints sent here ran (debug_watch.c).  Had
 * nothing watched the page, the instruction would have run inside its
 * block, counted once, with nothing looked at before the rest of the block:
 * so it is, whether it hit or not (debug_port.c). */
static void watched_access(struct machine *m, uint32_t addr, unsigned size, bool write,
                           bool watched_only)
{
    if (watched_only) {
        m->icount--; /* counted by its block, and again by the step */
        m->dbg_run |= DBG_RUN_FREE_FIRST;
    }
    debug_watch_access(m, addr, size, write);
}

enum tlb_outcome tlb_resolve_denial(struct machine *m, struct pending_fault *f, uc_err *err)
{
    struct tlb_denial d = m->denial;
    uint32_t pc = cpu_reg(m, UC_ARM_REG_PC);
    /* with the IT state of the refused instruction (QEMU restores it with
     * the PC when an access is refused) */
    uint32_t epsr = cpu_reg(m, UC_ARM_REG_EPSR);
    bool priv = m->tlb_privileged, bypass = m->tlb_bypassed;

    m->denial.valid = false;
    if (d.type == UC_MEM_FETCH) {
        /* The instruction fetch at pc: MemManage if the MPU refuses it,
         * BusFault if the bus has nothing executable there (B3.5.1). */
        if (!(mpu_perms_in_view(m, pc, priv, bypass) & UC_PROT_EXEC)) {
            *f = (struct pending_fault){ true, EXC_MEMMANAGE, CFSR_IACCVIOL, 0, pc };
            return TLB_FAULT;
        }
        if (!(bus_perms(m, pc) & UC_PROT_EXEC)) {
            *f = (struct pending_fault){ true, EXC_BUSFAULT, CFSR_IBUSERR, 0, pc };
            return TLB_FAULT;
        }
        *err = step(m, pc, d.page, epsr);
        return TLB_STEPPED;
    }

    uint32_t addr = d.page;
    unsigned size = 1;
    bool write = d.type == UC_MEM_WRITE;
    if (probe(m, pc, d.page, epsr)) {
        addr = m->probe.addr;
        size = m->probe.size;
        write = m->probe.write;
    } else {
        machine_log(m, MACHINE_LOG_UNIMP,
                    "tlb: access of 0x%08x at pc 0x%08x not seen again; reporting its page",
                    d.page, pc);
    }
    unsigned want = write ? UC_PROT_WRITE : UC_PROT_READ;
    if (access_perms(m, addr, write) & want) {
        /* A page a finer MPU region splits, or one a debugger watches:
         * this access is allowed. */
        bool split;
        bool watched_only = (page_perms(m, d.page, priv, bypass, &split) & want) && !split;
        *err = step(m, pc, d.page, epsr);
        if (G_UNLIKELY(m->dbg))
            watched_access(m, addr, size, write, watched_only);
        return TLB_STEPPED;
    }
    if (in_scs(addr)) {
        *f = (struct pending_fault){ true, EXC_BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, addr, pc };
    } else if (!(mpu_perms_in_view(m, addr, priv, bypass) & want)) {
        /* The MPU is checked before the bus (B3.5.1). */
        *f = (struct pending_fault){ true, EXC_MEMMANAGE, CFSR_DACCVIOL | CFSR_MMARVALID, addr, pc };
    } else {
        *f = (struct pending_fault){ true, EXC_BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, addr, pc };
    }
    return TLB_FAULT;
}
