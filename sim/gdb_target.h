/* sim/gdb_target.h: what the GDB server tells a debugger the lamp is: the
 * target description (GDB manual, G "Target Descriptions": a Cortex-M4
 * with the M-profile core and system registers) and the memory map
 * (G "Memory Map Format": flash with its erase size, SRAM, OTP, the
 * peripheral windows and the SCS), both built from the shared headers. */
#ifndef LAMPSIM_GDB_TARGET_H
#define LAMPSIM_GDB_TARGET_H

#include "debug_port.h"

#include <stdbool.h>
#include <stddef.h>

/* GDB's register numbers, as in the target description and the g/G and
 * p/P packets, are the port's enum debug_reg: r0-r12, sp, lr, pc, xpsr,
 * then msp, psp, primask, basepri, faultmask, control. */
#define GDB_TARGET_REGS DEBUG_REGS
#define GDB_TARGET_REG_SIZE 4u
/* r0..xpsr: the feature org.gnu.gdb.arm.m-profile; the rest m-system. */
#define GDB_TARGET_CORE_REGS (DEBUG_REG_XPSR + 1)

const char *gdb_target_reg_name(enum debug_reg reg);

/* The documents qXfer:features:read:target.xml and qXfer:memory-map:read
 * serve, NUL-terminated, built once. */
const char *gdb_target_description(void);
const char *gdb_target_memory_map(void);

/* The qXfer reply for annex text at offset, at most length bytes: "m" and
 * a piece when more follows, "l" and the last piece. */
void gdb_target_xfer_reply(const char *text, size_t offset, size_t length, GString *reply);

#endif
