/* emu/debug_break.c: breakpoints, and the stop that ends a debug step.
 *
 * Each is a Unicorn code hook on one address, shared on the core by the
 * machines that want it (core_debug_ref: the translation holding the
 * address is dropped, and made again with the hook's call in it).  The
 * callback stops only the machine that set it: another machine of the
 * core running the same code passes through at the cost of a call.  Code
 * without a breakpoint runs as translated, with nothing added: a lamp
 * with no breakpoint runs at full speed.  A real Cortex-M4's FPB has
 * DEBUG_FPB_CODE_COMPARATORS comparators; the port gives as many as asked.
 *
 * A step stops at the instruction after the stepped one (its fall-through
 * address, hooked for that run), or at the next block when it branched
 * (a step runs with a budget of one: the block hook ends it there). */
#include "debug_internal.h"
#include "thumb.h"

void debug_hook_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    struct machine *m = ((struct machine_core *)user)->current;
    struct debug_port *d = m->dbg;
    uint32_t a = (uint32_t)address;

    (void)size;
    /* a probe or step of the TLB replays one instruction that already
     * passed here */
    if (!d || m->run_mode != RUN_NORMAL)
        return;
    if ((m->dbg_run & DBG_RUN_STEP) && d->step_stop_hooked && a == d->step_stop) {
        d->step_stop_hit = true;
    } else if (d->attached && g_hash_table_contains(d->breakpoints, GUINT_TO_POINTER(a))) {
        if (d->skip_armed && a == d->skip_pc) {
            d->skip_armed = false;
            return;
        }
        struct debug_stop why = { .reason = DEBUG_BREAKPOINT };
        debug_halt(m, &why);
        /* the instruction is not run: the block it is in is cut here */
        m->dbg_run |= DBG_RUN_FREE_FIRST;
    } else {
        return;
    }
    d->skip_armed = false;
    m->dbg_stopped_before = true;
    uc_emu_stop(uc);
}

static uint32_t insn_len(struct machine *m, uint32_t pc)
{
    uint16_t hw1 = 0;

    machine_read_phys(m, pc, &hw1, 2);
    return thumb_is_32bit(hw1) ? 4 : 2;
}

bool debug_step_arm(struct machine *m, uint32_t pc, GError **error)
{
    struct debug_port *d = m->dbg;

    d->step_stop = pc + insn_len(m, pc);
    d->step_stop_hit = false;
    if (!core_debug_ref(m->core, m, d->step_stop, error))
        return false;
    d->step_stop_hooked = true;
    return true;
}

void debug_step_disarm(struct machine *m)
{
    struct debug_port *d = m->dbg;

    if (!d || !d->step_stop_hooked)
        return;
    core_debug_unref(m->core, m, d->step_stop);
    d->step_stop_hooked = false;
    d->step_stop_hit = false;
}

bool debug_port_set_breakpoint(struct machine *m, uint32_t addr, GError **error)
{
    struct debug_port *d = m->dbg;

    addr &= ~1u;
    if (!d || !d->attached) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "breakpoint at 0x%08x: the debug port is not attached", addr);
        return false;
    }
    if (g_hash_table_contains(d->breakpoints, GUINT_TO_POINTER(addr)))
        return true;
    if (!core_debug_ref(m->core, m, addr, error))
        return false;
    g_hash_table_add(d->breakpoints, GUINT_TO_POINTER(addr));
    return true;
}

void debug_port_clear_breakpoint(struct machine *m, uint32_t addr)
{
    struct debug_port *d = m->dbg;

    addr &= ~1u;
    if (!d || !g_hash_table_remove(d->breakpoints, GUINT_TO_POINTER(addr)))
        return;
    core_debug_unref(m->core, m, addr);
}

unsigned debug_port_breakpoints(const struct machine *m)
{
    return m->dbg ? g_hash_table_size(m->dbg->breakpoints) : 0;
}

void debug_breakpoints_clear(struct machine *m)
{
    struct debug_port *d = m->dbg;
    GHashTableIter it;
    gpointer key;

    if (!d)
        return;
    g_hash_table_iter_init(&it, d->breakpoints);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (m->core)
            core_debug_unref(m->core, m, GPOINTER_TO_UINT(key));
        g_hash_table_iter_remove(&it);
    }
}
