/* emu/debug_watch.c: watchpoints, DWT-like: an access of a kind that
 * overlaps [addr, addr + len) halts the core after it, with the address it
 * accessed.
 *
 * They cost nothing where they are not: the TLB (tlb.c) takes the watched
 * kinds of access away from the 1 KiB pages that hold a watched range, so
 * only accesses to those pages leave translated code.  Such an access stops
 * the CPU on its instruction with nothing done; the TLB's probe finds its
 * exact address and size, the instruction runs alone with the page open,
 * and then this file decides whether it hit.  An access elsewhere on the
 * page costs that detour (microseconds) and goes on as if it had not
 * stopped.  The probe sees an instruction's first access to the page: an
 * LDM or STM is judged by its first word.  A real Cortex-M4's DWT has
 * DEBUG_DWT_COMPARATORS comparators on power-of-two ranges; the port
 * takes any number of any length. */
#include "debug_internal.h"

static unsigned kind_prot(enum debug_watch_kind kind)
{
    return ((kind & DEBUG_WATCH_WRITE) ? UC_PROT_WRITE : 0) |
           ((kind & DEBUG_WATCH_READ) ? UC_PROT_READ : 0);
}

static bool overlaps(uint32_t a, uint64_t alen, uint32_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

unsigned debug_watch_deny(struct machine *m, uint32_t page, uint32_t page_size)
{
    struct debug_port *d = m->dbg;
    unsigned deny = 0;

    if (!d || !d->attached)
        return 0;
    for (guint i = 0; i < d->watches->len; i++) {
        const struct debug_watch *w = &g_array_index(d->watches, struct debug_watch, i);
        if (overlaps(w->addr, w->len, page, page_size))
            deny |= kind_prot(w->kind);
    }
    return deny;
}

void debug_watch_access(struct machine *m, uint32_t addr, unsigned size, bool write)
{
    struct debug_port *d = m->dbg;
    enum debug_watch_kind access = write ? DEBUG_WATCH_WRITE : DEBUG_WATCH_READ;

    for (guint i = 0; i < d->watches->len; i++) {
        const struct debug_watch *w = &g_array_index(d->watches, struct debug_watch, i);
        if (!(w->kind & access) || !overlaps(w->addr, w->len, addr, size ? size : 1))
            continue;
        struct debug_stop why = {
            .reason = DEBUG_WATCHPOINT, .watch_addr = w->addr, .watch_len = w->len,
            .access = access, .access_addr = addr,
        };
        debug_halt(m, &why);
        return;
    }
}

/* The TLB must ask again for the pages the watches changed. */
static void watches_changed(struct machine *m)
{
    m->tlb_flush_needed = true;
}

bool debug_port_set_watchpoint(struct machine *m, uint32_t addr, uint32_t len,
                               enum debug_watch_kind kind, GError **error)
{
    struct debug_port *d = m->dbg;
    struct debug_watch w = { addr, len, kind };

    if (!d || !d->attached || len == 0 || (uint64_t)addr + len > 0x100000000ull ||
        !(kind & DEBUG_WATCH_ACCESS)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "watchpoint on %u bytes at 0x%08x (kind %d): %s", len, addr, kind,
                    !d || !d->attached ? "the debug port is not attached"
                                       : "an empty or wrapping range, or no kind of access");
        return false;
    }
    for (guint i = 0; i < d->watches->len; i++) {
        const struct debug_watch *o = &g_array_index(d->watches, struct debug_watch, i);
        if (o->addr == addr && o->len == len && o->kind == kind)
            return true;
    }
    g_array_append_val(d->watches, w);
    watches_changed(m);
    return true;
}

void debug_port_clear_watchpoint(struct machine *m, uint32_t addr, uint32_t len,
                                 enum debug_watch_kind kind)
{
    struct debug_port *d = m->dbg;

    if (!d)
        return;
    for (guint i = 0; i < d->watches->len; i++) {
        const struct debug_watch *o = &g_array_index(d->watches, struct debug_watch, i);
        if (o->addr == addr && o->len == len && o->kind == kind) {
            g_array_remove_index(d->watches, i);
            watches_changed(m);
            return;
        }
    }
}

unsigned debug_port_watchpoints(const struct machine *m)
{
    return m->dbg ? m->dbg->watches->len : 0;
}

void debug_watches_clear(struct machine *m)
{
    if (!m->dbg || !m->dbg->watches->len)
        return;
    g_array_set_size(m->dbg->watches, 0);
    watches_changed(m);
}
