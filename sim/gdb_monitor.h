/* sim/gdb_monitor.h: GDB's `monitor` commands (qRcmd) on a lamp: reset,
 * halt, fuses, mpu, fault, status, help (docs/debugging.md#monitor). */
#ifndef LAMPSIM_GDB_MONITOR_H
#define LAMPSIM_GDB_MONITOR_H

#include "machine.h"

#include <glib.h>

/* Runs one command line on m's debug port (attached) and appends its
 * output, or why it failed, to out as lines of text. */
void gdb_monitor_command(struct machine *m, const char *line, GString *out);

#endif
