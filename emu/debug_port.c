/* emu/debug_port.c: the debug access port (debug_port.h): attach behind
 * the DEBUG_LOCK fuse, halt, resume, step, the core's registers, reset
 * and the vector catches, and the port's part of the run loop.
 * Breakpoints: debug_break.c; memory: debug_mem.c; watchpoints:
 * debug_watch.c; how halting keeps a run the same: docs/emulator.md
 * ("Debug port").
 *
 * A debug stop may fall in the middle of a translation block, where the
 * run loop would never have looked at timers and interrupts: a run that
 * is then resumed or stepped must not look at them there either, or a
 * deterministic run would take an interrupt, or fire a timer, at another
 * instruction than the same run without the debugger.  So the block the
 * stop cut is finished as if it had never stopped (DBG_RUN_FREE_FIRST:
 * the block hook lets its rest run without the checks it made at its
 * start, and the run loop takes nothing before it), and the run loop
 * looks at the world again only where it would have anyway. */
#include "debug_internal.h"
#include "otp_layout.h"

#include <string.h>

static struct debug_port *port(struct machine *m)
{
    if (!m->dbg) {
        m->dbg = g_new0(struct debug_port, 1);
        m->dbg->breakpoints = g_hash_table_new(NULL, NULL);
        m->dbg->watches = g_array_new(FALSE, FALSE, sizeof(struct debug_watch));
    }
    return m->dbg;
}

static bool debug_locked(const struct machine *m)
{
    uint32_t locks;

    memcpy(&locks, m->otp + OTP_LOCKS_OFFSET, 4);
    return (locks & OTP_LOCK_DEBUG) != 0;
}

bool debug_port_attach(struct machine *m, GError **error)
{
    /* The fuse is read where the silicon reads it, from OTP, on every
     * attach: nothing else in lampsim can open the port. */
    if (debug_locked(m)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                    "lamp %s: debug port locked: the OTP DEBUG_LOCK fuse is blown "
                    "(a production lamp); SWD does not answer and nothing can unlock it",
                    m->name);
        return false;
    }
    if (m->dbg && m->dbg->attached) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                    "lamp %s: a debugger is already attached to its debug port", m->name);
        return false;
    }
    struct debug_port *d = port(m);
    d->attached = true;
    d->told_unrecorded = false;
    d->halt_on_fault = true;
    d->halt_on_reset = false;
    return true;
}

bool debug_port_attached(const struct machine *m)
{
    return m->dbg && m->dbg->attached;
}

void debug_port_detach(struct machine *m)
{
    struct debug_port *d = m->dbg;

    if (!d || !d->attached)
        return;
    debug_breakpoints_clear(m);
    debug_watches_clear(m);
    d->halt_on_fault = d->halt_on_reset = d->halt_after_reset = false;
    d->halt_pending = false;
    if (m->state == MACHINE_HALTED)
        debug_port_resume(m);
    d->stepping = d->run_after_step = false;
    d->attached = false;
}

void debug_free(struct machine *m)
{
    struct debug_port *d = m->dbg;

    if (!d)
        return;
    debug_step_disarm(m);
    debug_breakpoints_clear(m);
    debug_watches_clear(m);
    g_hash_table_unref(d->breakpoints);
    g_array_unref(d->watches);
    g_free(d);
    m->dbg = NULL;
}

/* ---- halting and running ---- */

static void enter_halt(struct machine *m, const struct debug_stop *why)
{
    struct debug_port *d = m->dbg;

    d->stop = *why;
    d->stop.pc = cpu_reg(m, UC_ARM_REG_PC) & ~1u;
    d->halt_pending = false;
    d->stepping = d->run_after_step = false;
    m->state = MACHINE_HALTED;
    /* Realtime: the lamp's clock stops here (machine_now_ns). */
    m->halted_at_us = g_get_monotonic_time();
    machine_note_change(m);
}

void debug_halt(struct machine *m, const struct debug_stop *why)
{
    struct debug_port *d = port(m);

    if (m->state == MACHINE_HALTED || !m->powered)
        return;
    if (!m->in_run) {
        enter_halt(m, why);
        return;
    }
    /* The first reason found stands (a fault entered by a stepped
     * instruction is a fault, not a step). */
    if (!d->halt_pending) {
        d->pending = *why;
        d->halt_pending = true;
    }
    machine_stop_cpu(m);
}

bool debug_take_halt(struct machine *m)
{
    struct debug_port *d = m->dbg;

    if (!d || !d->halt_pending)
        return false;
    struct debug_stop why = d->pending;
    enter_halt(m, &why);
    return true;
}

/* Lets a halted core go on: its clock runs again from where it stopped. */
static void unhalt(struct machine *m)
{
    gint64 now = g_get_monotonic_time();

    if (m->cfg.time_mode == MACHINE_TIME_REALTIME && m->halted_at_us) {
        m->host_lag_us += now - m->halted_at_us;
        m->deadline_valid = false;
    }
    m->halted_at_us = 0;
    m->last_slice_end_us = now;
    m->woken_us = 0;
    m->dbg->stop = (struct debug_stop){ .reason = DEBUG_RUNNING };
    m->state = m->sleeping ? MACHINE_SLEEPING : MACHINE_RUNNABLE;
    machine_note_change(m);
    if (m->cfg.hooks.wake)
        m->cfg.hooks.wake(m->cfg.hooks.user);
}

void debug_port_halt(struct machine *m)
{
    struct debug_stop why = { .reason = DEBUG_HALTED };

    if (!debug_port_attached(m))
        return;
    debug_halt(m, &why);
}

static void start_step(struct machine *m, bool run_after)
{
    struct debug_port *d = m->dbg;

    d->stepping = true;
    d->run_after_step = run_after;
    d->skip_armed = true;
    d->skip_pc = cpu_reg(m, UC_ARM_REG_PC) & ~1u;
    unhalt(m);
}

void debug_port_resume(struct machine *m)
{
    struct debug_port *d = m->dbg;

    if (!d || m->state != MACHINE_HALTED)
        return;
    /* From a breakpoint's address: its instruction runs first, then the
     * core runs on (a step that does not halt). */
    if (g_hash_table_contains(d->breakpoints,
                              GUINT_TO_POINTER(cpu_reg(m, UC_ARM_REG_PC) & ~1u))) {
        start_step(m, true);
        return;
    }
    unhalt(m);
}

void debug_port_step(struct machine *m)
{
    if (!debug_port_attached(m) || m->state != MACHINE_HALTED)
        return;
    start_step(m, false);
}

void debug_port_stop(const struct machine *m, struct debug_stop *out)
{
    if (!m->dbg || !m->dbg->attached) {
        *out = (struct debug_stop){ .reason = DEBUG_RUNNING };
        return;
    }
    if (!m->powered) {
        *out = (struct debug_stop){ .reason = DEBUG_POWER_OFF };
        return;
    }
    if (m->state != MACHINE_HALTED) {
        *out = (struct debug_stop){ .reason = DEBUG_RUNNING };
        return;
    }
    *out = m->dbg->stop;
}

/* ---- the run loop's part ---- */

void debug_before_run(struct machine *m, uint32_t pc)
{
    struct debug_port *d = m->dbg;
    g_autoptr(GError) error = NULL;

    if (d->skip_armed && d->skip_pc != (pc & ~1u))
        d->skip_armed = false; /* an exception came first */
    if (!d->stepping)
        return;
    if (!debug_step_arm(m, pc & ~1u, &error)) {
        /* Without its stop a step runs to the end of the block. */
        machine_log(m, MACHINE_LOG_UNIMP, "debug step at 0x%08x: %s", pc, error->message);
    }
    m->dbg_run |= DBG_RUN_STEP;
}

static void end_step(struct machine *m, bool cut_block)
{
    struct debug_port *d = m->dbg;
    struct debug_stop why = { .reason = DEBUG_STEPPED };

    d->stepping = false;
    if (cut_block)
        m->dbg_run |= DBG_RUN_FREE_FIRST;
    if (d->run_after_step) {
        d->run_after_step = false;
        return;
    }
    debug_halt(m, &why);
}

void debug_after_run(struct machine *m, uint32_t pc0, uint64_t icount0)
{
    struct debug_port *d = m->dbg;
    bool stepped = d->stepping && (m->dbg_run & DBG_RUN_STEP);
    bool cut = d->step_stop_hit;

    d->skip_armed = false;
    m->dbg_run &= (uint8_t)~DBG_RUN_STEP;
    debug_step_disarm(m);
    /* Nothing ran when the block hook stopped before the first block (the
     * run loop had something to do first): the step is still to come. */
    if (stepped && (m->icount != icount0 || (cpu_reg(m, UC_ARM_REG_PC) & ~1u) != (pc0 & ~1u) ||
                    d->halt_pending))
        end_step(m, cut);
}

void debug_note_entry(struct machine *m)
{
    if (m->dbg && m->dbg->stepping)
        end_step(m, false);
}

void debug_on_fault(struct machine *m, int exc)
{
    struct debug_stop why = { .reason = DEBUG_FAULT, .exception = exc };

    if (m->dbg && m->dbg->attached && m->dbg->halt_on_fault)
        debug_halt(m, &why);
}

void debug_on_lockup(struct machine *m)
{
    struct debug_stop why = { .reason = DEBUG_LOCKUP };

    if (m->dbg && m->dbg->attached && m->dbg->halt_on_fault)
        debug_halt(m, &why);
}

void debug_on_reset(struct machine *m)
{
    struct debug_port *d = m->dbg;
    struct debug_stop why = { .reason = DEBUG_RESET };

    m->dbg_run = 0;
    m->dbg_stopped_before = false;
    if (!d)
        return;
    d->halt_pending = false;
    d->stepping = d->run_after_step = false;
    if (d->attached && (d->halt_on_reset || d->halt_after_reset)) {
        d->halt_after_reset = false;
        debug_halt(m, &why);
    }
}

void debug_on_power_off(struct machine *m)
{
    if (!m->dbg)
        return;
    m->dbg->halt_pending = false;
    m->dbg->stepping = m->dbg->run_after_step = false;
    m->dbg_run = 0;
    m->halted_at_us = 0;
}

void debug_port_reset(struct machine *m, bool halt)
{
    if (!debug_port_attached(m))
        return;
    m->dbg->halt_after_reset = halt;
    if (m->in_run) {
        machine_request_reset(m, MACHINE_RESET_SYSRESETREQ);
        return;
    }
    if (m->state == MACHINE_HALTED)
        unhalt(m);
    machine_reset_now(m, MACHINE_RESET_SYSRESETREQ);
}

void debug_port_set_halt_on_reset(struct machine *m, bool on)
{
    if (debug_port_attached(m))
        m->dbg->halt_on_reset = on;
}

void debug_port_set_halt_on_fault(struct machine *m, bool on)
{
    if (debug_port_attached(m))
        m->dbg->halt_on_fault = on;
}

/* ---- registers ---- */

/* The engine's register for each debug_reg, SP as the mode selects it. */
static int uc_reg_of(enum debug_reg reg)
{
    static const int special[] = {
        [DEBUG_REG_SP] = UC_ARM_REG_SP,         [DEBUG_REG_LR] = UC_ARM_REG_LR,
        [DEBUG_REG_PC] = UC_ARM_REG_PC,         [DEBUG_REG_XPSR] = UC_ARM_REG_XPSR,
        [DEBUG_REG_MSP] = UC_ARM_REG_MSP,       [DEBUG_REG_PSP] = UC_ARM_REG_PSP,
        [DEBUG_REG_PRIMASK] = UC_ARM_REG_PRIMASK, [DEBUG_REG_BASEPRI] = UC_ARM_REG_BASEPRI,
        [DEBUG_REG_FAULTMASK] = UC_ARM_REG_FAULTMASK, [DEBUG_REG_CONTROL] = UC_ARM_REG_CONTROL,
    };

    if (reg <= DEBUG_REG_R0 + 12)
        return UC_ARM_REG_R0 + (int)reg;
    return special[reg];
}

static bool halted(const struct machine *m)
{
    return debug_port_attached(m) && m->powered && m->state == MACHINE_HALTED;
}

bool debug_port_read_reg(struct machine *m, enum debug_reg reg, uint32_t *v)
{
    if (!halted(m) || (unsigned)reg >= DEBUG_REGS)
        return false;
    *v = cpu_reg(m, uc_reg_of(reg));
    if (reg == DEBUG_REG_PC)
        *v &= ~1u;
    return true;
}

void debug_note_write(struct machine *m, const char *what)
{
    if (!m->dbg || m->dbg->told_unrecorded || (!m->recorder && !m->replayer))
        return;
    m->dbg->told_unrecorded = true;
    machine_log(m, MACHINE_LOG_UNIMP,
                "debug port: %s written at instruction %" G_GUINT64_FORMAT " is not in the "
                "recording: %s", what, m->icount,
                m->recorder ? "a replay of it may diverge from here"
                            : "this replay may diverge from here");
}

bool debug_port_write_reg(struct machine *m, enum debug_reg reg, uint32_t v)
{
    if (!halted(m) || (unsigned)reg >= DEBUG_REGS)
        return false;
    debug_note_write(m, "a register");
    uint32_t xpsr = cpu_reg(m, UC_ARM_REG_XPSR), control = cpu_reg(m, UC_ARM_REG_CONTROL);
    uint32_t msp = cpu_reg(m, UC_ARM_REG_MSP), psp = cpu_reg(m, UC_ARM_REG_PSP);
    bool handler = (xpsr & 0x1FF) != 0;

    switch (reg) {
    case DEBUG_REG_PC:
        cpu_set_reg(m, UC_ARM_REG_PC, v | 1);
        /* A new PC starts a new block: nothing is left of the one cut. */
        m->dbg_run &= (uint8_t)~DBG_RUN_FREE_FIRST;
        m->dbg->stop.pc = v & ~1u;
        break;
    case DEBUG_REG_SP:
        if (!handler && (control & 2))
            psp = v & ~3u;
        else
            msp = v & ~3u;
        cpu_set_mode(m, xpsr & 0x1FF, control & 2, control & 1, msp, psp);
        break;
    case DEBUG_REG_MSP:
    case DEBUG_REG_PSP:
        /* Through the mode switch, which keeps the banked SP coherent. */
        cpu_set_mode(m, xpsr & 0x1FF, control & 2, control & 1,
                     reg == DEBUG_REG_MSP ? v & ~3u : msp, reg == DEBUG_REG_PSP ? v & ~3u : psp);
        break;
    case DEBUG_REG_CONTROL:
        /* SPSEL is ignored in handler mode (B1.4.4) but kept. */
        cpu_set_mode(m, xpsr & 0x1FF, v & 2, v & 1, msp, psp);
        m->mpu_dirty = true;
        break;
    case DEBUG_REG_XPSR:
        if ((v & 0x1FF) != (xpsr & 0x1FF))
            cpu_set_mode(m, v & 0x1FF, control & 2, control & 1, msp, psp);
        cpu_set_reg(m, UC_ARM_REG_XPSR_NZCVQG, v);
        cpu_set_reg(m, UC_ARM_REG_APSR_NZCV, v & 0xF0000000u);
        break;
    case DEBUG_REG_PRIMASK:
    case DEBUG_REG_FAULTMASK:
        cpu_set_reg(m, uc_reg_of(reg), v & 1);
        m->mpu_dirty = true; /* FAULTMASK: the MPU bypass */
        break;
    case DEBUG_REG_BASEPRI:
        cpu_set_reg(m, uc_reg_of(reg), v & 0xFF);
        break;
    default:
        cpu_set_reg(m, uc_reg_of(reg), v);
        break;
    }
    return true;
}
