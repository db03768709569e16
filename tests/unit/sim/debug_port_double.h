/* tests/unit/sim/debug_port_double.h: a stand-in for emu/debug_port.c in
 * the GDB command layer's unit test: registers, SRAM_BASE..+DOUBLE_RAM of
 * memory (nothing else answers), breakpoints and watchpoints counted, and
 * the stop a test sets.  It models no CPU: the end-to-end test
 * (tests/integration/gdb_remote.sh) runs the real port under a real GDB. */
#ifndef LAMPSIM_TEST_DEBUG_PORT_DOUBLE_H
#define LAMPSIM_TEST_DEBUG_PORT_DOUBLE_H

#include "debug_port.h"

#define DOUBLE_RAM 256u

struct debug_port_double {
    struct debug_stop stop;       /* reason DEBUG_RUNNING while "running" */
    uint32_t regs[DEBUG_REGS];
    uint8_t ram[DOUBLE_RAM];
    uint8_t flash[2 * 4096];      /* the first two sectors of flash */
    unsigned breakpoints, watchpoints;
    unsigned steps, resumes, resets;
    uint64_t now_ns, instructions;
    bool locked;                  /* DEBUG_LOCK blown: attach refuses */
};

/* The one port every machine pointer reaches (the test passes NULL). */
extern struct debug_port_double port_double;
/* Halted at pc, registers r_n = n * 0x01010101, SRAM bytes = their offset. */
void port_double_reset(uint32_t pc);

#endif
