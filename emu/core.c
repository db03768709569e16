/* emu/core.c: a CPU core: the Unicorn engine that machines run on, one at a
 * time (docs/emulator.md#cores).
 *
 * A fleet's worker thread runs thousands of lamps on one core instead of
 * one engine each: an engine costs about 1 MB before it runs anything, and
 * each engine would translate the same firmware into its own cache (about
 * 2.5 MB a lamp, and 60 ms of host CPU each time a lamp reconnects with a
 * cold cache).  On a core, the machines' code pages are fetched from one
 * store of pages by content (code_pool.c), so they share one translation;
 * everything else stays theirs:
 * - each machine's memory (flash, SRAM, OTP) is its own mapping in a slot
 *   of the core's arena, reached through the TLB only while it runs;
 * - its registers are put into the engine when it is entered and saved
 *   when another is (a few dozen register accesses, about a microsecond),
 *   and the TLB is flushed, so no entry of one machine serves another;
 * - its peripherals, MPU, NVIC and timers are its own structures, which
 *   the core's MMIO callbacks reach through the machine it is running.
 * Translated code is a function of the bytes it was made from and of the
 * CPU mode it runs in, both part of Unicorn's lookup, so sharing it changes
 * nothing a machine can observe, deterministic runs included. */
#include "machine_internal.h"

#include <errno.h>
#include <sys/mman.h>

struct core_site_hook {
    uc_hook hook;
    unsigned refs;
};

static void site_hook_free(gpointer p)
{
    g_free(p);
}

static uint8_t *reserve(size_t len, GError **error)
{
    void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "core arena of %zu MiB of address space: mmap failed (%s)", len >> 20,
                    g_strerror(errno));
        return NULL;
    }
    return p;
}

struct machine_core *core_new(unsigned capacity, GError **error)
{
    struct machine_core *core = g_new0(struct machine_core, 1);
    uc_err err;

    if (capacity < 1 || capacity > CORE_MAX_SLOTS) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "a core holds 1 to %u machines, not %u", CORE_MAX_SLOTS, capacity);
        g_free(core);
        return NULL;
    }
    core->refs = 1;
    core->capacity = capacity;
    core->slot_used = g_new0(uint8_t, capacity);
    core->site_hooks = g_hash_table_new_full(NULL, NULL, NULL, site_hook_free);
    core->debug_hooks = g_hash_table_new_full(NULL, NULL, NULL, site_hook_free);
    core->blocks = block_cache_new();
    /* Address space only: a slot costs what its machine touches. */
    core->arena = reserve((size_t)capacity * GUEST_MEM_SIZE, error);
    if (!core->arena)
        goto fail;
    core->pool = code_pool_new(CORE_POOL_PHYS, error);
    if (!core->pool)
        goto fail;
    core->pool_gen = code_pool_generation(core->pool);
    /* The soname is the same for 2.0 and 2.1: a host whose loader finds
     * Debian 12's 2.0.1 would otherwise fail below with a bare UC_ERR_ARG. */
    unsigned int major, minor;
    uc_version(&major, &minor);
    if (major < 2 || (major == 2 && minor < 1)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "the loaded libunicorn is %u.%u; lampsim needs 2.1 or later "
                    "(Debian 13's libunicorn2t64: bash tools/setup.sh)", major, minor);
        goto fail;
    }
    err = uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &core->uc);
    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "unicorn: %s", uc_strerror(err));
        goto fail;
    }
    /* Before the engine initialises: the default is 1 GiB of address space
     * per engine, of which what is written stays resident. */
    err = uc_ctl_set_tcg_buffer_size(core->uc, CPU_TCG_BUFFER_BYTES);
    /* UC_MODE_MCLASS would give a Cortex-M33 (ARMv8-M). */
    if (!err)
        err = uc_ctl_set_cpu_model(core->uc, UC_CPU_ARM_CORTEX_M4);
    /* Slices end only when the hooks say so: no "until" address, whose
     * translated code Unicorn would otherwise drop after every run. */
    if (!err)
        err = uc_ctl_exits_enable(core->uc);
    if (!err)
        err = uc_mem_map_ptr(core->uc, CORE_ARENA_PHYS, (uint64_t)capacity * GUEST_MEM_SIZE,
                             UC_PROT_ALL, core->arena);
    if (!err)
        err = uc_mem_map_ptr(core->uc, CORE_POOL_PHYS, CODE_POOL_BYTES, UC_PROT_READ | UC_PROT_EXEC,
                             code_pool_host(core->pool));
    if (err != UC_ERR_OK) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED, "unicorn setup: %s",
                    uc_strerror(err));
        goto fail;
    }
    if (!cpu_core_hooks(core, error) || !tlb_init(core, error))
        goto fail;
    return core;
fail:
    core_unref(core);
    return NULL;
}

void core_unref(struct machine_core *core)
{
    if (!core || --core->refs > 0)
        return;
    if (core->uc)
        uc_close(core->uc);
    code_pool_free(core->pool);
    if (core->arena)
        munmap(core->arena, (size_t)core->capacity * GUEST_MEM_SIZE);
    g_hash_table_destroy(core->site_hooks);
    g_hash_table_destroy(core->debug_hooks);
    block_cache_free(core->blocks);
    g_free(core->slot_used);
    g_free(core);
}

uint64_t core_slot_phys(const struct machine_core *core, unsigned slot, size_t off)
{
    return CORE_ARENA_PHYS + (uint64_t)slot * GUEST_MEM_SIZE + off;
}

bool core_attach(struct machine_core *core, struct machine *m, GError **error)
{
    unsigned slot;

    for (slot = 0; slot < core->capacity && core->slot_used[slot]; slot++)
        ;
    if (slot == core->capacity) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                    "core full: it was made for %u machines", core->capacity);
        return false;
    }
    m->mem = guest_mem_new(core->arena + (size_t)slot * GUEST_MEM_SIZE, error);
    if (!m->mem)
        return false;
    core->slot_used[slot] = 1;
    core->refs++;
    m->core = core;
    m->slot = slot;
    m->flash = guest_mem_flash(m->mem);
    m->sram = guest_mem_sram(m->mem);
    m->otp = guest_mem_otp(m->mem);
    if (m->cfg.count_stores && !core->store_hook_on) {
        if (!cpu_count_stores_on(core, error))
            return false;
    }
    return true;
}

void core_detach(struct machine_core *core, struct machine *m)
{
    if (core->current == m)
        core->current = NULL;
    if (core->tlb_owner == m) {
        core->tlb_owner = NULL;
        uc_ctl_flush_tlb(core->uc);
    }
    guest_mem_free(m->mem);
    m->mem = NULL;
    core->slot_used[m->slot] = 0;
    m->core = NULL;
    core_unref(core);
}

/* ---- registers of the machine the engine holds ---- */

/* Unicorn reads the stack pointers and the mask registers as MRS does and
 * writes them as MSR does: in unprivileged thread mode a read gives 0 and
 * a write is dropped.  The model is not the guest and needs them in every
 * mode (a core switch in the middle of the partner-app VM saved MSP and PSP
 * as 0, and the next exception stacked at address 0 and locked up; the
 * execution priority saw BASEPRI and PRIMASK as 0 and took interrupts they
 * mask), so such an access is made from handler mode, which is privileged:
 * IPSR is written there and back, QEMU re-banking SP each time, and the
 * engine is left as it was. */
static bool privileged_only(int reg)
{
    switch (reg) {
    case UC_ARM_REG_MSP:
    case UC_ARM_REG_PSP:
    case UC_ARM_REG_PRIMASK:
    case UC_ARM_REG_BASEPRI:
    case UC_ARM_REG_BASEPRI_MAX:
    case UC_ARM_REG_FAULTMASK:
        return true;
    }
    return false;
}

/* Puts the engine in handler mode if it is in unprivileged thread mode;
 * true when it did, and unprivileged_end must undo it. */
static bool unprivileged_begin(uc_engine *uc)
{
    uint32_t control = 0, ipsr = 0, handler = 3;

    uc_reg_read(uc, UC_ARM_REG_CONTROL, &control);
    if (!(control & 1))
        return false;
    uc_reg_read(uc, UC_ARM_REG_IPSR, &ipsr);
    if (ipsr & 0x1FF)
        return false;
    uc_reg_write(uc, UC_ARM_REG_IPSR, &handler);
    return true;
}

/* The same, when any of regs needs it. */
static bool unprivileged_begin_for(uc_engine *uc, const int *regs, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (privileged_only(regs[i]))
            return unprivileged_begin(uc);
    return false;
}

static void unprivileged_end(uc_engine *uc, bool began)
{
    uint32_t thread = 0;

    if (began)
        uc_reg_write(uc, UC_ARM_REG_IPSR, &thread);
}

void core_regs_read(struct machine_core *core, const int *regs, uint32_t *v, unsigned n)
{
    bool began = unprivileged_begin_for(core->uc, regs, n);

    for (unsigned i = 0; i < n; i++) {
        v[i] = 0;
        uc_reg_read(core->uc, regs[i], &v[i]);
    }
    unprivileged_end(core->uc, began);
}

void core_regs_write(struct machine_core *core, const int *regs, const uint32_t *v, unsigned n)
{
    bool began = unprivileged_begin_for(core->uc, regs, n);

    for (unsigned i = 0; i < n; i++)
        uc_reg_write(core->uc, regs[i], &v[i]);
    unprivileged_end(core->uc, began);
}

static uint32_t rd(struct machine_core *core, int reg)
{
    uint32_t v;
    core_regs_read(core, &reg, &v, 1);
    return v;
}

static void wr(struct machine_core *core, int reg, uint32_t v)
{
    core_regs_write(core, &reg, &v, 1);
}

/* What unprivileged thread mode hides (above), taken together: one change
 * of mode for all. */
static const int banked_regs[5] = {
    UC_ARM_REG_MSP, UC_ARM_REG_PSP,
    UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK,
};
static const int *const mask_regs = banked_regs + 2;

static void regs_save(struct machine_core *core, struct machine *m)
{
    struct cpu_regs *r = &m->regs;

    for (int i = 0; i < 13; i++)
        r->r[i] = rd(core, UC_ARM_REG_R0 + i);
    r->lr = rd(core, UC_ARM_REG_LR);
    r->pc = rd(core, UC_ARM_REG_PC);
    r->xpsr = rd(core, UC_ARM_REG_XPSR); /* APSR with GE, IPSR and EPSR */
    r->control = rd(core, UC_ARM_REG_CONTROL);
    uint32_t banked[G_N_ELEMENTS(banked_regs)];
    core_regs_read(core, banked_regs, banked, G_N_ELEMENTS(banked_regs));
    r->msp = banked[0];
    r->psp = banked[1];
    r->primask = banked[2];
    r->basepri = banked[3];
    r->faultmask = banked[4];
    /* The FPU's registers matter only to firmware CPACR lets use it. */
    r->fp = (m->cpacr >> 20) & 3;
    if (r->fp) {
        for (int i = 0; i < 32; i++)
            r->s[i] = rd(core, UC_ARM_REG_S0 + i);
        r->fpscr = rd(core, UC_ARM_REG_FPSCR);
    }
    m->regs_saved = true;
}

static void regs_load(struct machine_core *core, struct machine *m)
{
    const struct cpu_regs *r = &m->regs;

    for (int i = 0; i < 13; i++)
        wr(core, UC_ARM_REG_R0 + i, r->r[i]);
    wr(core, UC_ARM_REG_LR, r->lr);
    /* The masks first, from whatever mode the engine is in (the mode
     * changes below leave them alone); the stack pointers follow. */
    const uint32_t masks[3] = { r->primask, r->basepri, r->faultmask };
    core_regs_write(core, mask_regs, masks, 3);
    /* Mode and both stack pointers the way exception entry sets them. */
    cpu_set_mode(m, r->xpsr & 0x1FF, r->control & 2, r->control & 1, r->msp, r->psp);
    /* The rest of xPSR (the same IPSR, so no stack switch), then NZCV once
     * more, which makes QEMU rebuild its cached mode flags. */
    wr(core, UC_ARM_REG_XPSR_NZCVQG, r->xpsr);
    wr(core, UC_ARM_REG_APSR_NZCV, r->xpsr & 0xF0000000u);
    if (r->fp) {
        for (int i = 0; i < 32; i++)
            wr(core, UC_ARM_REG_S0 + i, r->s[i]);
        wr(core, UC_ARM_REG_FPSCR, r->fpscr);
    }
    wr(core, UC_ARM_REG_PC, r->pc | 1);
    m->regs_saved = false;
}

void core_enter(struct machine_core *core, struct machine *m)
{
    if (core->current == m)
        return;
    if (core->current)
        regs_save(core, core->current);
    /* current first: cpu_set_mode writes through cpu_set_reg */
    core->current = m;
    m->stats.core_switches++;
    if (m->regs_saved)
        regs_load(core, m);
}

/* A saved register, as the engine would read it (cpu_reg). */
bool core_saved_reg(const struct machine *m, int reg, uint32_t *v)
{
    const struct cpu_regs *r = &m->regs;
    bool handler = (r->xpsr & 0x1FF) != 0;

    if (!m->regs_saved)
        return false;
    if (reg >= UC_ARM_REG_R0 && reg <= UC_ARM_REG_R12) {
        *v = r->r[reg - UC_ARM_REG_R0];
        return true;
    }
    switch (reg) {
    case UC_ARM_REG_SP: *v = !handler && (r->control & 2) ? r->psp : r->msp; return true;
    case UC_ARM_REG_LR: *v = r->lr; return true;
    case UC_ARM_REG_PC: *v = r->pc; return true;
    case UC_ARM_REG_XPSR: *v = r->xpsr; return true;
    case UC_ARM_REG_IPSR: *v = r->xpsr & 0x1FF; return true;
    case UC_ARM_REG_EPSR: *v = r->xpsr & 0x0700FC00u; return true;
    case UC_ARM_REG_APSR_NZCV: *v = r->xpsr & 0xF0000000u; return true;
    case UC_ARM_REG_MSP: *v = r->msp; return true;
    case UC_ARM_REG_PSP: *v = r->psp; return true;
    case UC_ARM_REG_CONTROL: *v = r->control; return true;
    case UC_ARM_REG_PRIMASK: *v = r->primask; return true;
    case UC_ARM_REG_BASEPRI: *v = r->basepri; return true;
    case UC_ARM_REG_FAULTMASK: *v = r->faultmask; return true;
    }
    return false;
}

/* ---- instruction-site hooks, shared by the machines that need them ---- */

/* Unicorn emits a code hook's call only into code translated after the
 * hook was added, and drops the code it is in when it is deleted: so m's
 * translation of the address goes when m takes its reference (looked up
 * through the TLB, as m's: other machines may run other bytes there).
 * One hook per address and table, whichever machines want it: the
 * callback acts only for the machine running. */
static bool hook_ref(struct machine_core *core, GHashTable *table, uc_cb_hookcode_t cb,
                     const char *what, struct machine *m, uint32_t addr, GError **error)
{
    struct core_site_hook *h = g_hash_table_lookup(table, GUINT_TO_POINTER(addr));
    uc_err err;

    core_enter(core, m);
    if (!h) {
        h = g_new0(struct core_site_hook, 1);
        err = uc_hook_add(core->uc, &h->hook, UC_HOOK_CODE, cb, core, addr, addr);
        if (err != UC_ERR_OK) {
            g_free(h);
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                        "%s 0x%08x: unicorn: %s", what, addr, uc_strerror(err));
            return false;
        }
        g_hash_table_insert(table, GUINT_TO_POINTER(addr), h);
    }
    h->refs++;
    uc_ctl_remove_cache(core->uc, addr, (uint64_t)addr + 2);
    core->tlb_owner = NULL; /* the lookup may have left an entry */
    return true;
}

/* False while other machines still hold the hook. */
static bool hook_unref(struct machine_core *core, GHashTable *table, struct machine *m,
                       uint32_t addr)
{
    struct core_site_hook *h = g_hash_table_lookup(table, GUINT_TO_POINTER(addr));

    if (!h || --h->refs > 0)
        return false;
    core_enter(core, m);
    /* Code translated with the hook's call that survives keeps calling the
     * callback, which finds nothing to do for the machine running. */
    uc_hook_del(core->uc, h->hook);
    core->tlb_owner = NULL; /* the lookup may have left an entry */
    g_hash_table_remove(table, GUINT_TO_POINTER(addr));
    return true;
}

bool core_site_ref(struct machine_core *core, struct machine *m, uint32_t addr, GError **error)
{
    return hook_ref(core, core->site_hooks, cpu_hook_site, "instruction site", m, addr, error);
}

void core_site_unref(struct machine_core *core, struct machine *m, uint32_t addr)
{
    /* Other machines' blocks there were checked against this hook. */
    if (hook_unref(core, core->site_hooks, m, addr))
        block_cache_clear(core->blocks);
}

bool core_debug_ref(struct machine_core *core, struct machine *m, uint32_t addr, GError **error)
{
    return hook_ref(core, core->debug_hooks, debug_hook_code, "debug stop", m, addr, error);
}

void core_debug_unref(struct machine_core *core, struct machine *m, uint32_t addr)
{
    hook_unref(core, core->debug_hooks, m, addr);
}
