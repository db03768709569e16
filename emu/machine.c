/* emu/machine.c: one virtual lamp MCU: its memory map (the peripheral
 * table below), power and reset, virtual time and timers, and the run loop
 * that executes bounded slices and takes exceptions between them. */
#include "machine_internal.h"
#include "debug_internal.h"
#include "flash_store.h"
#include "guest_mem.h"
#include "otp_layout.h"
#include "record.h"
#include "rr.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


G_DEFINE_QUARK(lampsim-machine-error-quark, machine_error)
#define MAX_TIMER_FIRES 10000
#define RESET_CYCLES 64 /* time the model charges for a reset */
/* Lateness a lamp may see as time passing, per wake-up or slice: the main
 * loop's millisecond timers give about 1 ms; more is the host's load.  It
 * is per wake-up, so it must stay small: firmware that sleeps between
 * many short waits (50 flash operations of a commissioning record, each
 * a WFI) would otherwise lose the whole allowance at each one, and a
 * loaded fleet saw 50 x 50 ms pass between two watchdog kicks. */
#define HOST_LAG_ALLOWANCE_US 5000
/* A recorded realtime lamp that runs behind the host catches up at the
 * start of a slice once it is this far behind (each catch-up is a record;
 * a sleeping lamp catches up at every wake-up). */
#define RESYNC_MIN_NS 1000000ull
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* Where the machine keeps a model it calls itself (the struct machine
 * field's offset), or NO_KEEP. */
#define KEEP(field) offsetof(struct machine, field)
#define NO_KEEP SIZE_MAX

/* The memory map's peripherals, in address order (docs/hardware.md).
 * Each row's ops build its model (periph_ops.create). */
static const struct periph_row {
    uint32_t base;
    const struct periph_ops *ops;
    size_t keep;
    /* whether this lamp has it (NULL: every lamp); asked after the rows
     * above it are built */
    bool (*present)(const struct machine *m);
} periph_table[] = {
    { SYSCTL_BASE, &sysctl_ops, NO_KEEP, NULL },
    /* first after sysctl: later rows ask for the variant it stores */
    { FLASHCTL_BASE, &flashctl_ops, KEEP(flashctl), NULL },
    { RNG_BASE, &rng_ops, KEEP(rng), NULL },
    { UART0_BASE, &uart_ops, KEEP(uart), NULL },
    { RTC_BASE, &rtc_ops, NO_KEEP, NULL },
    { TIMER0_BASE, &timer_ops, NO_KEEP, NULL },
    { WDT_BASE, &wdt_ops, NO_KEEP, NULL },
    { NET_BASE, &net_ops, KEEP(net), NULL },
    /* without the engine the window stays unmapped: a BusFault, as on
     * that silicon */
    { CRYPTO_BASE, &crypto_ops, KEEP(crypto), machine_has_crypto_engine },
    { BLE_BASE, &ble_ops, KEEP(ble), NULL },
    { LIGHT_BASE, &light_ops, NO_KEEP, NULL },
};

/* Builds row's model into the next slot and maps its window. */
static bool periph_attach(struct machine *m, const struct periph_row *row, GError **error)
{
    void *opaque;

    if (!row->ops->create) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_FAILED,
                    "peripheral %s at 0x%08x: its model has no constructor (periph_ops.create)",
                    row->ops->name, row->base);
        return false;
    }
    opaque = row->ops->create(m, error);
    if (!opaque)
        return false;
    m->periphs[m->nperiphs] = (struct periph_slot){ row->ops, opaque, row->base };
    m->window[(row->base - PERIPH_BASE) / PERIPH_WINDOW] = &m->periphs[m->nperiphs++];
    if (row->keep != NO_KEEP)
        *(void **)((char *)m + row->keep) = opaque;
    return true;
}

void machine_log(struct machine *m, enum machine_log_level level, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (!(m->cfg.log_mask & level) || !m->cfg.hooks.log)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    m->cfg.hooks.log(m->cfg.hooks.user, level, msg);
}

void machine_stop_cpu(struct machine *m)
{
    /* Only a flag: the code hook stops before the next instruction.
     * uc_emu_stop from inside an MMIO callback would abort the access and
     * make Unicorn execute the same store again, forever. */
    m->stop_for_events = true;
}

/* ---- time and timers ---- */

uint64_t machine_now_ns(struct machine *m)
{
    if (machine_time_counted(m))
        return m->icount * 1000000000ull / MACHINE_CPU_HZ + m->sleep_skipped_ns;
    /* Halted by the debug port, the clock stands still (debug_port.c). */
    gint64 now = m->halted_at_us ? m->halted_at_us : g_get_monotonic_time();
    return (uint64_t)(now - m->poweron_host_us - m->host_lag_us) * 1000;
}

/* Realtime mode, when the host could not run the lamp on time: a loaded
 * host must make lamps slow, not make them see time pass without running
 * (a watchdog would fire that real hardware never would).  Lateness beyond
 * HOST_LAG_ALLOWANCE_US is taken off the lamp's clock and counted. */
static void absorb_host_lag(struct machine *m)
{
    gint64 now = g_get_monotonic_time(), late = 0;

    if (m->cfg.time_mode != MACHINE_TIME_REALTIME || !m->powered)
        return;
    if (m->state == MACHINE_RUNNABLE && m->last_slice_end_us)
        late = now - m->last_slice_end_us;
    else if (m->state == MACHINE_SLEEPING && m->woken_us)
        late = now - m->woken_us; /* woken, then waited for its turn */
    else if (m->state == MACHINE_SLEEPING)
        late = now - machine_next_deadline_host_us(m);
    m->woken_us = 0;
    if (late > HOST_LAG_ALLOWANCE_US) {
        m->host_lag_us += late - HOST_LAG_ALLOWANCE_US;
        m->stats.host_lag_us += (uint64_t)(late - HOST_LAG_ALLOWANCE_US);
        m->deadline_valid = false;
    }
}

struct machine_timer *machine_timer_new(struct machine *m, machine_timer_fn fn, void *opaque)
{
    struct machine_timer *t = g_new0(struct machine_timer, 1);

    t->m = m;
    t->fn = fn;
    t->opaque = opaque;
    g_ptr_array_add(m->timers, t);
    return t;
}

void machine_timer_arm(struct machine_timer *t, uint64_t deadline_ns)
{
    t->deadline = deadline_ns;
    t->armed = true;
    t->m->deadline_valid = false;
    /* A deadline earlier than the slice's end must cut the slice short. */
    if (machine_time_counted(t->m))
        machine_stop_cpu(t->m);
}

void machine_timer_cancel(struct machine_timer *t)
{
    t->armed = false;
    t->m->deadline_valid = false;
}
bool machine_timer_armed(const struct machine_timer *t) { return t->armed; }

void machine_timer_free(struct machine_timer *t)
{
    if (!t)
        return;
    g_ptr_array_remove(t->m->timers, t);
    t->m->deadline_valid = false;
    g_free(t);
}

uint64_t machine_next_deadline_ns(struct machine *m)
{
    uint64_t best = UINT64_MAX;

    /* Cached: the scheduler asks for every lamp at every iteration. */
    if (m->deadline_valid)
        return m->next_deadline;
    for (guint i = 0; i < m->timers->len; i++) {
        struct machine_timer *t = g_ptr_array_index(m->timers, i);
        if (t->armed && t->deadline < best)
            best = t->deadline;
    }
    m->next_deadline = best;
    m->deadline_valid = true;
    return best;
}

gint64 machine_next_deadline_host_us(struct machine *m)
{
    uint64_t deadline = machine_next_deadline_ns(m);

    if (deadline == UINT64_MAX || m->cfg.time_mode != MACHINE_TIME_REALTIME ||
        m->state == MACHINE_HALTED)
        return G_MAXINT64;
    return m->poweron_host_us + m->host_lag_us + (gint64)(deadline / 1000);
}

static void fire_due_timers(struct machine *m)
{
    for (int n = 0; n < MAX_TIMER_FIRES; n++) {
        uint64_t now = machine_now_ns(m);
        if (machine_next_deadline_ns(m) > now)
            return;
        struct machine_timer *due = NULL;
        for (guint i = 0; i < m->timers->len; i++) {
            struct machine_timer *t = g_ptr_array_index(m->timers, i);
            if (t->armed && t->deadline <= now && (!due || t->deadline < due->deadline))
                due = t;
        }
        if (!due)
            return;
        due->armed = false;
        m->deadline_valid = false;
        due->fn(due->opaque);
    }
}

void machine_poll_timers(struct machine *m)
{
    if (m->powered && m->state != MACHINE_HALTED) {
        absorb_host_lag(m);
        if (m->recorder)
            record_resync(m, 0);
        fire_due_timers(m);
        /* Runnable now, it may wait behind other lamps before its slice:
         * that wait is the host's too. */
        if (machine_state(m) == MACHINE_RUNNABLE && m->state == MACHINE_SLEEPING)
            m->woken_us = g_get_monotonic_time();
    }
}

void machine_skip_to_next_deadline(struct machine *m)
{
    machine_skip_until(m, UINT64_MAX);
}

void machine_skip_until(struct machine *m, uint64_t limit_ns)
{
    uint64_t deadline = machine_next_deadline_ns(m), now = machine_now_ns(m);

    if (deadline == UINT64_MAX && limit_ns == UINT64_MAX)
        return;
    if (m->cfg.time_mode != MACHINE_TIME_DETERMINISTIC || m->state == MACHINE_HALTED)
        return;
    if (deadline > limit_ns)
        deadline = limit_ns;
    if (deadline > now) {
        m->sleep_skipped_ns += deadline - now;
        if (m->recorder)
            record_time_jumped(m);
    }
    fire_due_timers(m);
}

void machine_time_set_skipped(struct machine *m, uint64_t ns)
{
    m->sleep_skipped_ns = ns;
    m->deadline_valid = false;
    if (m->powered)
        fire_due_timers(m);
}

uint64_t machine_seeded_u64(struct machine *m)
{
    /* splitmix64: small, and enough to seed the models' generators */
    uint64_t z = (m->seeded_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- interrupts, reset, power ---- */

void machine_irq_set(struct machine *m, unsigned irq, bool level)
{
    if (irq >= IRQ_COUNT)
        return;
    m->irq_level[irq] = level;
    if (level && !m->exc_active[EXC_IRQ0 + irq]) {
        m->exc_pending[EXC_IRQ0 + irq] = true;
        if (m->exc_enabled[EXC_IRQ0 + irq])
            machine_stop_cpu(m);
    }
}

void machine_request_reset(struct machine *m, uint32_t cause)
{
    m->pending_reset |= cause;
    machine_stop_cpu(m);
}

uint32_t machine_reset_cause(const struct machine *m) { return m->reset_cause; }
const struct machine_config *machine_config(const struct machine *m) { return &m->cfg; }
const char *machine_name(const struct machine *m) { return m->name; }
enum machine_state machine_state(const struct machine *m)
{
    /* A sleeping core with an interrupt or reset waiting is runnable.  The
     * scheduler asks this of every lamp on every loop iteration, so the
     * register reads of the priority check happen only if anything at all
     * is pending. */
    if (m->state != MACHINE_SLEEPING)
        return m->state;
    if (m->pending_reset || m->power_cut_why)
        return MACHINE_RUNNABLE;
    if (m->paced)
        return MACHINE_SLEEPING;
    if (memchr(m->exc_pending, 1, sizeof(m->exc_pending)) &&
        exc_wakeup_pending((struct machine *)m))
        return MACHINE_RUNNABLE;
    return MACHINE_SLEEPING;
}

void machine_console_output(struct machine *m, const uint8_t *buf, size_t len)
{
    /* What checkpoints compare: cheap enough to keep only when needed. */
    if (m->recorder || m->replayer) {
        for (size_t i = 0; i < len; i++)
            m->console_hash = (m->console_hash ^ buf[i]) * FNV_PRIME;
        m->console_bytes += len;
    }
    if (m->cfg.hooks.console_tx)
        m->cfg.hooks.console_tx(m->cfg.hooks.user, buf, len);
}

void machine_code_changed(struct machine *m, uint32_t addr, uint32_t len)
{
    /* Fetches map the new bytes from now (translated code is kept by
     * content, so nothing is dropped: tlb.c, code_pool.c); the instruction
     * sites are rescanned between runs, as hooks are not changed under a
     * running engine.  The run ends at the next block. */
    tlb_flash_changed(m, addr, len);
    if (m->code_changed_end == 0) {
        m->code_changed_start = addr;
        m->code_changed_end = addr + len;
    } else {
        m->code_changed_start = MIN(m->code_changed_start, addr);
        m->code_changed_end = MAX(m->code_changed_end, addr + len);
    }
    machine_stop_cpu(m);
}

static void rescan_changed_code(struct machine *m)
{
    g_autoptr(GError) error = NULL;

    if (m->code_changed_end == 0)
        return;
    if (!sites_rescan(m, m->code_changed_start, m->code_changed_end - m->code_changed_start,
                      &error))
        machine_log(m, MACHINE_LOG_UNIMP, "code at 0x%08x..0x%08x runs without its "
                    "instruction sites: %s", m->code_changed_start, m->code_changed_end,
                    error->message);
    m->code_changed_end = 0;
}

void machine_power_cut_now(struct machine *m, const char *why)
{
    g_free(m->power_cut_why);
    m->power_cut_why = g_strdup(why);
    machine_stop_cpu(m);
}

/* SRAM back to its power-on pattern (not zero: firmware that relies on
 * uninitialised RAM shows it), which also frees its memory (guest_mem.h). */
static void fill_sram(struct machine *m, size_t len)
{
    guest_mem_discard(m->mem, GUEST_MEM_SRAM_OFF, len);
}

static void do_reset(struct machine *m, uint32_t cause)
{
    uint32_t sp, pc;

    if (cause & MACHINE_RESET_POR)
        fill_sram(m, SRAM_SIZE);
    else
        fill_sram(m, SRAM_SIZE - SRAM_RETAINED_SIZE);
    m->reset_cause = cause;
    m->pending_reset = 0;
    exc_reset(m);
    m->vtor = m->boot_addr;
    m->entry_seen = false;
    m->aircr_prigroup = 0;
    m->scr = 0;
    m->ccr = 1u << 9; /* STKALIGN */
    m->cfsr = m->hfsr = m->mmfar = m->bfar = 0;
    m->cpacr = m->actlr = m->shcsr_en = 0;
    m->sleeping = false;
    m->skip_wfe = false;
    systick_reset(m);
    mpu_reset(m);
    for (unsigned i = 0; i < m->nperiphs; i++)
        if (m->periphs[i].ops->reset)
            m->periphs[i].ops->reset(m->periphs[i].opaque, cause);
    /* Translated flash code stays valid across a reset (flash did not
     * change); code translated from SRAM does not.  (The lookup goes
     * through the TLB as this machine's.) */
    core_enter(m->core, m);
    uc_ctl_remove_cache(m->core->uc, SRAM_BASE, (uint64_t)SRAM_BASE + SRAM_SIZE);
    m->core->tlb_owner = NULL;

    /* Core reset (B1.5.5): thread mode, privileged, MSP and PC from the
     * vector table at address 0 (or where external boot put one). */
    memcpy(&sp, m->flash + m->boot_addr, 4);
    memcpy(&pc, m->flash + m->boot_addr + 4, 4);
    for (int r = UC_ARM_REG_R0; r <= UC_ARM_REG_R12; r++)
        cpu_set_reg(m, r, 0);
    cpu_set_reg(m, UC_ARM_REG_PRIMASK, 0);
    cpu_set_reg(m, UC_ARM_REG_FAULTMASK, 0);
    cpu_set_reg(m, UC_ARM_REG_BASEPRI, 0);
    cpu_set_mode(m, 0, false, false, sp & ~3u, 0);
    cpu_set_reg(m, UC_ARM_REG_XPSR, 1u << 24);
    cpu_set_reg(m, UC_ARM_REG_LR, 0xFFFFFFFFu);
    cpu_set_reg(m, UC_ARM_REG_PC, pc | 1);
    m->mpu_dirty = true;
    m->stats.resets++;
    m->icount += RESET_CYCLES;
    m->state = MACHINE_RUNNABLE;
    machine_note_change(m);
    if (m->cfg.log_mask & MACHINE_LOG_INFO)
        machine_log(m, MACHINE_LOG_INFO, "reset (cause 0x%x), pc 0x%08x sp 0x%08x", cause, pc, sp);
    if (m->cfg.hooks.reset)
        m->cfg.hooks.reset(m->cfg.hooks.user, cause);
    debug_on_reset(m);
}

void machine_reset_now(struct machine *m, uint32_t cause)
{
    do_reset(m, cause);
}

void machine_set_change_notify(struct machine *m, machine_change_fn fn, void *data)
{
    m->change_fn = fn;
    m->change_data = data;
    m->change_pending = false;
}

void machine_change_seen(struct machine *m) { m->change_pending = false; }

void machine_note_change(struct machine *m)
{
    if (m->change_fn && !m->change_pending) {
        m->change_pending = true;
        m->change_fn(m->change_data);
    }
}

void machine_power_on(struct machine *m)
{
    uint32_t on = 1;

    rr_note_input(m, RR_POWER, &on, sizeof(on));
    m->powered = true;
    m->icount = 0;
    m->sleep_skipped_ns = 0;
    m->poweron_host_us = g_get_monotonic_time();
    m->host_lag_us = 0;
    m->last_slice_end_us = 0;
    for (guint i = 0; i < m->timers->len; i++)
        ((struct machine_timer *)g_ptr_array_index(m->timers, i))->armed = false;
    m->deadline_valid = false;
    do_reset(m, MACHINE_RESET_POR);
}

static void power_off(struct machine *m, const char *why)
{
    m->powered = false;
    debug_on_power_off(m);
    m->state = MACHINE_OFF;
    machine_note_change(m);
    for (guint i = 0; i < m->timers->len; i++)
        ((struct machine_timer *)g_ptr_array_index(m->timers, i))->armed = false;
    m->deadline_valid = false;
    /* The radio goes silent with the power: the central loses the link. */
    if (m->ble)
        ble_ops.reset(m->ble, MACHINE_RESET_POR);
    if (m->cfg.log_mask & MACHINE_LOG_INFO)
        machine_log(m, MACHINE_LOG_INFO, "power off: %s", why);
    if (m->cfg.hooks.power_off)
        m->cfg.hooks.power_off(m->cfg.hooks.user, why);
}

void machine_power_off(struct machine *m, const char *why)
{
    uint32_t off = 0;

    rr_note_input(m, RR_POWER, &off, sizeof(off));
    power_off(m, why);
}

/* ---- the run loop ---- */

static enum machine_state slice_done(struct machine *m, enum machine_state st)
{
    m->last_slice_end_us = g_get_monotonic_time();
    return m->state = st;
}

static void handle_svc(struct machine *m)
{
    uint32_t pc = cpu_reg(m, UC_ARM_REG_PC);

    m->svc_requested = false;
    exc_set_pending(m, EXC_SVCALL);
    if (exc_pending_to_take(m) == EXC_SVCALL) {
        exc_take(m, EXC_SVCALL, pc);
        return;
    }
    /* SVC that cannot run now is a fault (B1.5.13): escalate. */
    m->exc_pending[EXC_SVCALL] = false;
    m->hfsr |= HFSR_FORCED;
    exc_raise_fault(m, EXC_HARDFAULT, 0, 0, pc);
}

static void repend_levels(struct machine *m)
{
    for (int i = 0; i < IRQ_COUNT; i++)
        if (m->irq_level[i] && !m->exc_active[EXC_IRQ0 + i])
            m->exc_pending[EXC_IRQ0 + i] = true;
}

static uint64_t insns_until_deadline(struct machine *m)
{
    uint64_t deadline = machine_next_deadline_ns(m), now = machine_now_ns(m);

    if (deadline == UINT64_MAX)
        return UINT64_MAX;
    if (deadline <= now)
        return 1;
    return (deadline - now) * MACHINE_CPU_HZ / 1000000000ull + 1;
}

static enum machine_state run_slice(struct machine *m, uint64_t max_insns)
{
    /* Everything the machine counts is charged to the slice, the entry
     * into a fault or SVC found after a run included, so that
     * machine_run(m, k) stops at the first point at or after k
     * instructions: replay relies on it (replay.c). */
    uint64_t left = max_insns, charged = m->icount;

    if (!m->powered)
        return m->state = MACHINE_OFF;
    if (m->state == MACHINE_HALTED)
        return MACHINE_HALTED;
    absorb_host_lag(m);
    if (m->recorder)
        record_resync(m, RESYNC_MIN_NS);
    /* Run while paced (a reset or power cut to take): the wait is over. */
    if (m->paced) {
        m->paced = false;
        machine_timer_cancel(m->pace_timer);
    }
    for (;;) {
        int exc;
        /* The rest of a block a debug stop cut runs before anything else
         * is looked at, as it would have without the stop (debug_port.c). */
        bool resuming_block = m->dbg_run & DBG_RUN_FREE_FIRST;

        if (G_UNLIKELY(m->rr_halt))
            return slice_done(m, m->state);
        if (!resuming_block) {
            fire_due_timers(m);
            if (m->power_cut_why) {
                g_autofree char *why = g_steal_pointer(&m->power_cut_why);
                power_off(m, why);
                return MACHINE_OFF;
            }
            if (m->pending_reset) {
                do_reset(m, m->pending_reset);
                if (G_UNLIKELY(m->dbg))
                    debug_note_entry(m);
            }
            if (G_UNLIKELY(m->dbg) && debug_take_halt(m))
                return slice_done(m, MACHINE_HALTED);
            if (m->sleeping) {
                if (!exc_wakeup_pending(m))
                    return slice_done(m, MACHINE_SLEEPING);
                m->sleeping = false;
            }
            while ((exc = exc_pending_to_take(m)) != 0 && !m->pending_reset) {
                exc_take(m, exc, cpu_reg(m, UC_ARM_REG_PC));
                if (G_UNLIKELY(m->dbg))
                    debug_note_entry(m);
            }
            if (G_UNLIKELY(m->dbg) && debug_take_halt(m))
                return slice_done(m, MACHINE_HALTED);
        }
        /* Exception entry and reset cost cycles (below), so a guest that
         * faults or resets forever still uses up its slice. */
        left -= MIN(m->icount - charged, left);
        charged = m->icount;
        if (m->pending_reset && !resuming_block)
            continue;
        if (left == 0)
            return slice_done(m, MACHINE_RUNNABLE);
        /* Where the CPU stopped by itself (or the slice starts): a point
         * replay stops at too. */
        if (m->recorder && record_pace(m))
            return slice_done(m, MACHINE_SLEEPING);

        uint64_t budget = left;
        if (machine_time_counted(m))
            budget = MIN(budget, insns_until_deadline(m));
        rescan_changed_code(m);
        if (m->sites_wanted)
            sites_hook_wanted(m);
        /* (like the sites, a step's stop is hooked before the TLB is
         * synced: hooking looks code up through it) */
        uint32_t pc0 = cpu_reg(m, UC_ARM_REG_PC);
        if (G_UNLIKELY(m->dbg))
            debug_before_run(m, pc0);
        jit_bound(m->core);
        tlb_sync(m);
        /* a debug step: the block hook ends it at the second block */
        m->budget = (m->dbg_run & DBG_RUN_STEP) ? 1 : budget;
        /* (a request made by the instruction before a debug stop is seen
         * where it would have been: at the end of the block) */
        if (!resuming_block)
            m->stop_for_events = false;
        m->stats.cpu_entries++;
        m->cut_resume = resuming_block;
        m->cut_icount = m->icount;
        m->dbg_run &= (uint8_t)~DBG_RUN_FREE_FIRST;
        uint64_t before = m->icount;
        uc_err err = cpu_run(m, pc0);
        /* (a cut block whose first block did not get to run is still to
         * resume: the hook stopped it to hook its sites) */
        if (m->cut_resume && m->icount == m->cut_icount && !m->fault.valid)
            m->dbg_run |= DBG_RUN_FREE_FIRST;
        m->cut_resume = false;
        /* A refused access stopped the CPU on its instruction: a fault,
         * or an access a finer MPU region allows, then run on its own. */
        while (err == UC_ERR_EXCEPTION && m->denial.valid) {
            struct pending_fault f;
            cpu_uncount_rest_of_block(m, cpu_reg(m, UC_ARM_REG_PC));
            if (tlb_resolve_denial(m, &f, &err) == TLB_FAULT) {
                m->fault = f;
                err = UC_ERR_OK;
            }
        }
        if (G_UNLIKELY(m->dbg_stopped_before)) {
            m->dbg_stopped_before = false;
            cpu_uncount_from(m, cpu_reg(m, UC_ARM_REG_PC));
        } else {
            cpu_uncount_rest_of_block(m, cpu_reg(m, UC_ARM_REG_PC));
        }
        left -= MIN(m->icount - charged, left);
        charged = m->icount;
        m->stats.instructions = m->icount;

        if (m->fault.valid) {
            struct pending_fault f = m->fault;
            m->fault.valid = false;
            exc_raise_fault(m, f.exc, f.cfsr_bits, f.addr, f.pc);
        } else if (err == UC_ERR_INSN_INVALID) {
            /* Unicorn reports an undefined instruction by stopping, not
             * through the interrupt hook; PC is on it (the code hook
             * synchronised it).  After BX/BLX to an even address it runs
             * in ARM state, which an M-profile core does not have: the
             * first instruction there is INVSTATE (B1.4.2). */
            uint32_t pc = cpu_reg(m, UC_ARM_REG_PC);
            bool thumb = (cpu_reg(m, UC_ARM_REG_XPSR) >> 24) & 1;
            machine_log(m, MACHINE_LOG_GUEST_ERROR, "%s at 0x%08x",
                        thumb ? "undefined instruction" : "execution in ARM state", pc);
            exc_raise_fault(m, EXC_USAGEFAULT, thumb ? CFSR_UNDEFINSTR : CFSR_INVSTATE, 0, pc);
        } else if (err != UC_ERR_OK) {
            uint32_t pc = cpu_reg(m, UC_ARM_REG_PC);
            machine_log(m, MACHINE_LOG_UNIMP, "emulator stopped at 0x%08x: %s; treated as lockup",
                        pc, uc_strerror(err));
            machine_request_reset(m, MACHINE_RESET_LOCKUP);
        }
        /* The hook stopped before WFI/WFE: the core resumes after it. */
        if (m->sleeping || m->skip_wfe) {
            m->skip_wfe = false;
            cpu_set_reg(m, UC_ARM_REG_PC, (cpu_reg(m, UC_ARM_REG_PC) + 2) | 1);
        }
        if (m->svc_requested)
            handle_svc(m);
        if (m->exc_return_pending) {
            m->exc_return_pending = false;
            exc_return(m, m->exc_return_value);
            repend_levels(m);
            /* SCR.SLEEPONEXIT: back in thread mode, sleep at once (B1.5.18) */
            if ((m->scr & 2) && (cpu_reg(m, UC_ARM_REG_IPSR) & 0x1FF) == 0)
                m->sleeping = true;
        }
        if (G_UNLIKELY(m->dbg)) {
            debug_after_run(m, pc0, before);
            if (debug_take_halt(m))
                return slice_done(m, MACHINE_HALTED);
        }
    }
}

enum machine_state machine_run(struct machine *m, uint64_t max_insns)
{
    enum machine_state st;

    if (m->state == MACHINE_HALTED && m->powered)
        return MACHINE_HALTED; /* nothing runs, nothing is switched in */
    m->in_run = true;
    if (m->powered)
        core_enter(m->core, m);
    st = run_slice(m, max_insns);
    m->in_run = false;
    if (m->recorder)
        record_slice_end(m);
    return st;
}

/* ---- life cycle and host access ---- */

/* The machine's memory in a slot of the core it runs on: the one given, or
 * a core of its own. */
static bool attach_core(struct machine *m, struct machine_core *core, GError **error)
{
    bool ok;

    if (core)
        return core_attach(core, m, error);
    core = core_new(1, error);
    if (!core)
        return false;
    ok = core_attach(core, m, error);
    core_unref(core); /* the machine holds it now */
    return ok;
}

struct machine *machine_new(const struct machine_config *cfg, GError **error)
{
    struct machine *m = g_new0(struct machine, 1);

    m->cfg = *cfg;
    m->name = g_strdup(cfg->name ? cfg->name : "lamp");
    m->cfg.name = m->name;
    m->cfg.state_dir = g_strdup(cfg->state_dir);
    m->seeded_state = cfg->seed ^ 0x6C616D7073696Dull;
    m->console_hash = FNV_OFFSET;
    m->timers = g_ptr_array_new();
    m->state = MACHINE_OFF;
    sites_init(m);
    if (!attach_core(m, cfg->core, error))
        goto fail;
    for (size_t i = 0; i < G_N_ELEMENTS(periph_table); i++) {
        const struct periph_row *row = &periph_table[i];
        if (row->present && !row->present(m))
            continue;
        if (!periph_attach(m, row, error))
            goto fail;
    }
    if (!sites_rescan(m, 0, FLASH_SIZE, error))
        goto fail;
    systick_init(m);
    return m;

fail:
    machine_free(m);
    return NULL;
}

void machine_free(struct machine *m)
{
    if (!m)
        return;
    record_free(m);
    for (unsigned i = m->nperiphs; i-- > 0;)
        if (m->periphs[i].ops->free)
            m->periphs[i].ops->free(m->periphs[i].opaque);
    debug_free(m);
    while (m->timers->len)
        machine_timer_free(g_ptr_array_index(m->timers, 0));
    g_ptr_array_unref(m->timers);
    sites_free(m);
    g_free(m->code_map);
    if (m->core)
        core_detach(m->core, m);
    g_free(m->power_cut_why);
    g_free((char *)m->cfg.state_dir);
    g_free(m->name);
    g_free(m);
}

void machine_console_input(struct machine *m, const uint8_t *buf, size_t len)
{
    rr_note_input(m, RR_CONSOLE, buf, len);
    uart_rx_push(m->uart, buf, len);
}

bool machine_factory_write(struct machine *m, uint32_t addr, const void *buf,
                           size_t len, GError **error)
{
    if (!flashctl_factory_write(m->flashctl, addr, buf, len, error))
        return false;
    if (addr < FLASH_SIZE)
        machine_code_changed(m, addr, (uint32_t)len);
    return true;
}

bool machine_read_phys(struct machine *m, uint32_t addr, void *buf, size_t len)
{
    if ((uint64_t)addr + len <= FLASH_SIZE)
        memcpy(buf, m->flash + addr, len);
    else if (addr >= OTP_BASE && (uint64_t)addr + len <= OTP_BASE + OTP_SIZE)
        memcpy(buf, m->otp + (addr - OTP_BASE), len);
    else if (addr >= SRAM_BASE && (uint64_t)addr + len <= SRAM_BASE + SRAM_SIZE)
        memcpy(buf, m->sram + (addr - SRAM_BASE), len);
    else
        return false;
    return true;
}

bool machine_sync(struct machine *m, GError **error)
{
    return flashctl_sync(m->flashctl, error);
}

void machine_inject_power_cut(struct machine *m, uint64_t nth_op, bool torn)
{
    if (m->recorder) {
        g_autoptr(GByteArray) b = g_byte_array_new();
        replay_put_u64(b, nth_op);
        replay_put_u32(b, torn);
        rr_note_input(m, RR_POWER_CUT, b->data, b->len);
    }
    flashctl_inject_power_cut(m->flashctl, nth_op, torn);
}

void machine_inject_rng_failure(struct machine *m)
{
    rr_note_input(m, RR_RNG_FAILURE, NULL, 0);
    rng_inject_failure(m->rng);
}

void machine_get_stats(const struct machine *m, struct machine_stats *out)
{
    *out = m->stats;
    out->instructions = m->icount;
    out->flash_ops = m->flashctl ? flashctl_op_count(m->flashctl) : 0;
    out->crypto_ops = m->crypto ? crypto_op_count(m->crypto) : 0;
    out->jit_bytes = jit_used_bytes(m->core);
}

void machine_compact(struct machine *m)
{
    flashctl_trim(m->flashctl);
}

struct guest_mem *machine_memory(struct machine *m)
{
    return m->mem;
}

/* ---- cores ---- */

struct machine_core *machine_core_new(unsigned capacity, GError **error)
{
    return core_new(capacity, error);
}

void machine_core_free(struct machine_core *core)
{
    core_unref(core);
}

void machine_core_get_stats(const struct machine_core *core, struct machine_core_stats *out)
{
    *out = (struct machine_core_stats){
        .jit_bytes = jit_used_bytes(core),
        .jit_flushes = core->jit_flushes,
        .code_pool_pages = code_pool_used(core->pool),
        .machines = core->refs - 1,
    };
}

const uint8_t *machine_sram_range(struct machine *m, uint32_t addr, uint32_t len)
{
    if (addr < SRAM_BASE || (uint64_t)addr + len > (uint64_t)SRAM_BASE + SRAM_SIZE)
        return NULL;
    return m->sram + (addr - SRAM_BASE);
}

void machine_net_set_connector(struct machine *m, machine_net_connect_fn fn, void *user)
{
    net_set_connector(m->net, fn, user);
}

void machine_net_fault(struct machine *m, enum machine_net_fault f, uint32_t arg)
{
    if (m->recorder) {
        g_autoptr(GByteArray) b = g_byte_array_new();
        replay_put_u32(b, f);
        replay_put_u32(b, arg);
        rr_note_input(m, RR_NET_FAULT, b->data, b->len);
    }
    net_fault(m->net, f, arg);
}

void machine_get_net_stats(const struct machine *m, struct machine_net_stats *out)
{
    net_get_stats(m->net, out);
}

uint8_t *machine_sram_range_rw(struct machine *m, uint32_t addr, uint32_t len)
{
    return (uint8_t *)machine_sram_range(m, addr, len);
}

void machine_host_event(struct machine *m)
{
    /* Inside a slice the run loop sees the change itself. */
    m->deadline_valid = false;
    if (!m->in_run && m->state == MACHINE_SLEEPING && !m->woken_us &&
        m->cfg.time_mode == MACHINE_TIME_REALTIME && machine_state(m) == MACHINE_RUNNABLE)
        m->woken_us = g_get_monotonic_time();
    if (!m->in_run && m->cfg.hooks.wake)
        m->cfg.hooks.wake(m->cfg.hooks.user);
}

bool machine_external_boot(struct machine *m, uint32_t addr, const void *image, size_t len,
                           GError **error)
{
    uint32_t locks;

    memcpy(&locks, m->otp + OTP_LOCKS_OFFSET, 4);
    if (locks & OTP_LOCK_BOOT) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                    "the BOOT_LOCK fuse is blown: external boot is disabled on this lamp "
                    "(only a signed image through the firmware's own update path gets in)");
        return false;
    }
    if ((addr & 0x7F) || addr < FLASH_SECTOR_SIZE || len < 8 || (uint64_t)addr + len > FLASH_SIZE) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "external boot image of %zu bytes at 0x%08x does not fit flash "
                    "(address 128-byte aligned, past the first sector)", len, addr);
        return false;
    }
    if (!machine_factory_write(m, addr, image, len, error))
        return false;
    m->boot_addr = addr;
    machine_log(m, MACHINE_LOG_INFO, "external boot: %zu bytes at 0x%08x, reset vector there",
                len, addr);
    return true;
}

bool machine_set_coverage(struct machine *m, enum machine_coverage kind, uint8_t *map,
                          size_t size, GError **error)
{
    if (map && (size == 0 || (size & (size - 1)) != 0 || size > UINT32_MAX)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "coverage map of %zu counters: the size must be a power of two", size);
        return false;
    }
    /* The block hook looks at every block: no translated code to drop. */
    m->cov_map = map;
    m->cov_blocks = kind == MACHINE_COVERAGE_BLOCKS;
    m->cov_mask = map ? (uint32_t)(size - 1) : 0;
    m->cov_prev = 0;
    return true;
}

bool machine_watch_code_entry(struct machine *m, uint32_t start, uint32_t end,
                              machine_entry_fn fn, void *user, GError **error)
{
    if (m->entry_fn || end <= start) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "code entry watch: %s", m->entry_fn ? "one is already set" : "empty range");
        return false;
    }
    /* The block hook looks at every block: no translated code to drop. */
    m->entry_start = start;
    m->entry_end = end;
    m->entry_fn = fn;
    m->entry_user = user;
    return true;
}

bool machine_has_crypto_engine(const struct machine *m)
{
    return m->flashctl && (flashctl_variant(m->flashctl) & FLASH_STORE_VARIANT_CRYPTO);
}

struct ble_radio *machine_ble_radio(struct machine *m)
{
    return m->ble;
}

void *machine_periph_opaque(struct machine *m, const struct periph_ops *ops)
{
    for (unsigned i = 0; i < m->nperiphs; i++)
        if (m->periphs[i].ops == ops)
            return m->periphs[i].opaque;
    return NULL;
}
