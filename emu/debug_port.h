/* emu/debug_port.h: the lamp's debug access port (ARCHITECTURE.md, "Debug
 * port"), what SWD and a DAP give a debugger on the real MCU: halt,
 * resume, single step, the core's registers, memory through the bus (not
 * through the MPU, and flash programmed by FLASHCTL's NOR rules),
 * breakpoints, DWT-like watchpoints, reset with halt, halt on fault.
 *
 * The port does not answer on a lamp whose OTP DEBUG_LOCK fuse is blown:
 * debug_port_attach fails with MACHINE_ERROR_REFUSED, and nothing in
 * lampsim can get past it (the fuse is one-time programmable).
 *
 * While the core is halted, machine_run runs nothing and returns
 * MACHINE_HALTED, and the lamp's virtual time stands still: no timer
 * fires (a lamp stopped at a breakpoint for an hour does not bite its
 * watchdog) and, in deterministic mode, a run that is halted and stepped
 * through goes exactly as one that is not.
 *
 * Like every machine_* call, these run on the lamp's own thread. */
#ifndef LAMPSIM_EMU_DEBUG_PORT_H
#define LAMPSIM_EMU_DEBUG_PORT_H

#include "machine.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The registers a debugger sees (DCRSR REGSEL order, B3.2.23, for the
 * special ones).  SP is the stack pointer in use (MSP or PSP, as
 * CONTROL.SPSEL and the mode select). */
enum debug_reg {
    DEBUG_REG_R0, /* ... R12 = DEBUG_REG_R0 + 12 */
    DEBUG_REG_SP = 13,
    DEBUG_REG_LR = 14,
    DEBUG_REG_PC = 15,
    DEBUG_REG_XPSR = 16,
    DEBUG_REG_MSP,
    DEBUG_REG_PSP,
    DEBUG_REG_PRIMASK,
    DEBUG_REG_BASEPRI,
    DEBUG_REG_FAULTMASK,
    DEBUG_REG_CONTROL,
    DEBUG_REGS,
};

/* Why the core stopped. */
enum debug_stop_reason {
    DEBUG_RUNNING,    /* not halted */
    DEBUG_HALTED,     /* debug_port_halt (a debugger's Ctrl-C) */
    DEBUG_STEPPED,    /* debug_port_step finished its instruction */
    DEBUG_BREAKPOINT, /* about to execute a breakpoint's address */
    DEBUG_WATCHPOINT, /* an access hit a watchpoint (the access is done) */
    DEBUG_RESET,      /* halted at the reset vector (debug_port_reset,
                         or any reset while halt_on_reset is set) */
    DEBUG_FAULT,      /* a fault's exception entry (halt_on_fault) */
    DEBUG_LOCKUP,     /* the core locked up */
    DEBUG_POWER_OFF,  /* the lamp lost power; the port answers no more */
};

enum debug_watch_kind {
    DEBUG_WATCH_WRITE = 1,
    DEBUG_WATCH_READ = 2,
    DEBUG_WATCH_ACCESS = 3,
};

struct debug_stop {
    enum debug_stop_reason reason;
    uint32_t pc;              /* where the core is halted */
    /* DEBUG_WATCHPOINT: the watchpoint that fired and the access */
    uint32_t watch_addr, watch_len;
    enum debug_watch_kind access; /* WRITE or READ: what the access was */
    uint32_t access_addr;
    /* DEBUG_FAULT: the exception number being entered (3..6) */
    int exception;
};

/* What the comparators of a real part would give (FPB and DWT of a
 * Cortex-M4): the port allows more than these, and says so in monitor
 * output, but never refuses a debugger that asks for more. */
#define DEBUG_FPB_CODE_COMPARATORS 6u
#define DEBUG_DWT_COMPARATORS 4u

/* Opens the port: fails (MACHINE_ERROR_REFUSED, with the fuse named in
 * the message) on a lamp whose DEBUG_LOCK is blown, and while another
 * debugger is attached.  Attaching does not halt the core. */
bool debug_port_attach(struct machine *m, GError **error);
/* Removes every breakpoint and watchpoint and lets the core run. */
void debug_port_detach(struct machine *m);
bool debug_port_attached(const struct machine *m);

/* Halts at the next instruction boundary (at once when the core is not
 * inside machine_run; from a hook, when the current instruction ends). */
void debug_port_halt(struct machine *m);
/* Lets a halted core run from where it is (from a breakpoint's address
 * too: the breakpoint is stepped over, not hit again). */
void debug_port_resume(struct machine *m);
/* Runs one instruction (or takes one pending exception's entry) on the
 * next machine_run, then halts with DEBUG_STEPPED. */
void debug_port_step(struct machine *m);
/* DEBUG_RUNNING while the core runs; else why it is halted. */
void debug_port_stop(const struct machine *m, struct debug_stop *out);

/* Registers of a halted core (false when it is not halted). */
bool debug_port_read_reg(struct machine *m, enum debug_reg reg, uint32_t *v);
bool debug_port_write_reg(struct machine *m, enum debug_reg reg, uint32_t v);

/* Memory as the bus sees it, whatever the MPU says.  A peripheral
 * register whose read has side effects (a FIFO, a read-to-clear status)
 * is not read: its bytes come back as 0 and *side_effects (when not NULL)
 * is set, so a debugger's view never changes the lamp.  Fails on an
 * address nothing answers at. */
bool debug_port_read(struct machine *m, uint32_t addr, void *buf, size_t len,
                     bool *side_effects, GError **error);
/* SRAM and peripheral registers; flash is written with the two calls
 * below, never by a plain store. */
bool debug_port_write(struct machine *m, uint32_t addr, const void *buf, size_t len,
                      GError **error);
/* Flash through FLASHCTL's rules (erase whole sectors, program only
 * 1 -> 0, the write-protected bootloader sectors refused), as a
 * debugger's flash loader would; the core must be halted. */
bool debug_port_flash_erase(struct machine *m, uint32_t addr, uint32_t len, GError **error);
bool debug_port_flash_program(struct machine *m, uint32_t addr, const void *buf, size_t len,
                              GError **error);

/* Breakpoints on an instruction address (Thumb bit ignored); as many as
 * asked for.  Setting one that exists, or clearing one that does not, is
 * not an error. */
bool debug_port_set_breakpoint(struct machine *m, uint32_t addr, GError **error);
void debug_port_clear_breakpoint(struct machine *m, uint32_t addr);
unsigned debug_port_breakpoints(const struct machine *m);
/* Watchpoints on [addr, addr + len) for accesses of a kind; an access
 * that overlaps the range fires it, after the access. */
bool debug_port_set_watchpoint(struct machine *m, uint32_t addr, uint32_t len,
                               enum debug_watch_kind kind, GError **error);
void debug_port_clear_watchpoint(struct machine *m, uint32_t addr, uint32_t len,
                                 enum debug_watch_kind kind);
unsigned debug_port_watchpoints(const struct machine *m);

/* A system reset (AIRCR.SYSRESETREQ's), halted at the reset vector when
 * halt is set (the core must then be resumed or stepped). */
void debug_port_reset(struct machine *m, bool halt);
/* Halt at the reset vector on every reset (DEMCR.VC_CORERESET), and on
 * every fault's exception entry (VC_HARDERR and the others).  Attaching
 * sets halt_on_fault and clears halt_on_reset. */
void debug_port_set_halt_on_reset(struct machine *m, bool on);
void debug_port_set_halt_on_fault(struct machine *m, bool on);

#endif
