/* sim/gdb_commands.h: the GDB Remote Serial Protocol's commands (GDB
 * manual, E.2 "Packets"), answered through one lamp's debug port.  A
 * packet's payload in, a reply out: no sockets (gdb_server.c carries the
 * bytes), so every packet and its reply can be tested from a table.
 * Packets and replies: docs/debugging.md. */
#ifndef LAMPSIM_GDB_COMMANDS_H
#define LAMPSIM_GDB_COMMANDS_H

#include "debug_port.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The only thread the lamp shows GDB (qC, qfThreadInfo, T, thread:). */
#define GDB_THREAD_ID 1

/* What the server does with a command's reply. */
enum gdb_command_result {
    GDB_CMD_REPLY,          /* send the reply */
    GDB_CMD_RESUMED,        /* the core runs (c, s, vCont): no reply until
                               it stops (gdb_commands_stop_reply) */
    GDB_CMD_REPLY_NO_ACK,   /* send the reply, then stop acknowledging
                               (QStartNoAckMode) */
    GDB_CMD_REPLY_AND_END,  /* send the reply and end the session (D) */
    GDB_CMD_END,            /* end the session without a reply (k) */
};

struct gdb_commands;

/* One debugger's session on m, whose port the caller has attached. */
struct gdb_commands *gdb_commands_new(struct machine *m);
void gdb_commands_free(struct gdb_commands *c);

/* Answers one packet's payload (NUL-terminated after len) into reply. */
enum gdb_command_result gdb_commands_dispatch(struct gdb_commands *c, const uint8_t *payload,
                                              size_t len, GString *reply);
/* A debugger's Ctrl-C: halts the core; the stop reply says SIGINT. */
void gdb_commands_interrupt(struct gdb_commands *c);
/* The stop reply for the way the core is halted now (T.., W.., X..);
 * false, with nothing written, while it runs. */
bool gdb_commands_stop_reply(struct gdb_commands *c, GString *reply);
/* The GDB signal number a stop reports (GDB's own numbering, as in
 * gdb/signals.def: 2 SIGINT, 4 SIGILL, 5 SIGTRAP, 11 SIGSEGV...). */
int gdb_commands_stop_signal(const struct debug_stop *stop);

#endif
