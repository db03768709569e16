/* emu/debug_internal.h: the debug port's state and what its files
 * (debug_port.c, debug_break.c, debug_mem.c, debug_watch.c) and the run
 * loop (machine.c) share.  Not for sim/: it uses debug_port.h. */
#ifndef LAMPSIM_EMU_DEBUG_INTERNAL_H
#define LAMPSIM_EMU_DEBUG_INTERNAL_H

#include "debug_port.h"
#include "machine_internal.h"

struct debug_watch {
    uint32_t addr, len;
    enum debug_watch_kind kind;
};

struct debug_port {
    bool attached;
    bool halt_on_reset, halt_on_fault;
    bool halt_after_reset;      /* debug_port_reset(m, true), once */
    struct debug_stop stop;     /* why it is halted (reason RUNNING: it is not) */
    bool halt_pending;          /* found inside a run: halt when it ends */
    struct debug_stop pending;
    /* stepping: one instruction or exception entry, then halt (or run on:
     * a resume from a breakpoint steps over it first) */
    bool stepping, run_after_step;
    uint32_t step_stop;         /* the fall-through address, hooked */
    bool step_stop_hooked, step_stop_hit;
    /* a breakpoint at the address a resume or step starts from is not hit
     * by its first instruction */
    bool skip_armed;
    uint32_t skip_pc;
    GHashTable *breakpoints;    /* address -> itself */
    GArray *watches;            /* struct debug_watch */
    bool told_unrecorded;       /* debug_note_write said it, this attach */
};

/* A debugger changed the lamp (a register, memory, flash): in a run being
 * recorded or replayed that is an input the recording does not hold, so
 * the replay will differ from there; said once an attach, loudly. */
void debug_note_write(struct machine *m, const char *what);

/* Halts m: at once outside a run, else when the run ends (why.pc is
 * filled in then). */
void debug_halt(struct machine *m, const struct debug_stop *why);

/* The run loop's part (machine.c). */
/* A pending halt becomes the machine's state: true when it did. */
bool debug_take_halt(struct machine *m);
/* Before the CPU runs from pc: a step's stop after one instruction. */
void debug_before_run(struct machine *m, uint32_t pc);
/* After it ran (and the run loop dealt with what it stopped for): a step
 * that executed its instruction ends.  pc0 and icount0 are from before. */
void debug_after_run(struct machine *m, uint32_t pc0, uint64_t icount0);
/* An exception was entered, or the core reset, between runs: a step
 * ends there. */
void debug_note_entry(struct machine *m);
/* exception.c: a fault's handler has just been entered (its frame
 * stacked); machine.c: the core has just reset. */
void debug_on_fault(struct machine *m, int exc);
void debug_on_lockup(struct machine *m);
void debug_on_reset(struct machine *m);
void debug_on_power_off(struct machine *m);
void debug_free(struct machine *m);

/* debug_break.c */
void debug_breakpoints_clear(struct machine *m);
bool debug_step_arm(struct machine *m, uint32_t pc, GError **error);
void debug_step_disarm(struct machine *m);

/* debug_watch.c */
void debug_watches_clear(struct machine *m);
/* UC_PROT_* bits tlb.c must take away from a page that holds a watched
 * range, so that such accesses come to tlb_resolve_denial. */
unsigned debug_watch_deny(struct machine *m, uint32_t page, uint32_t page_size);
/* tlb.c, after an access to such a page ran: whether it hit. */
void debug_watch_access(struct machine *m, uint32_t addr, unsigned size, bool write);

#endif
