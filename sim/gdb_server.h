/* sim/gdb_server.h: the GDB Remote Serial Protocol server of one lamp
 * (`lampsim run --gdb`): a listening socket and one debugger's session at
 * a time, driven from the lamp's GMainContext (no thread of its own),
 * talking to the lamp through its debug port (emu/debug_port.h).
 * docs/debugging.md. */
#ifndef LAMPSIM_GDB_SERVER_H
#define LAMPSIM_GDB_SERVER_H

#include "lamp.h"
#include "scheduler.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Where the server listens when --gdb gives a port alone. */
#define GDB_SERVER_DEFAULT_HOST "127.0.0.1"

struct gdb_server;
typedef struct gdb_server gdb_server; /* for g_autoptr */

/* Parses "[HOST:]PORT" (PORT 0: any free port); the error says what is
 * wrong with spec. */
bool gdb_server_parse_address(const char *spec, char **host, uint16_t *port, GError **error);

/* Listens on host:port for a debugger of lamp (run by sched on ctx, NULL:
 * the default context; sched NULL: by a caller that runs it with lamp_run
 * and looks at it again on its wake callback, as a replay does) and opens
 * the lamp's debug port.  halt_at_reset:
 * the lamp stops at its reset vector until a debugger lets it go.  Fails
 * only when the socket cannot be had; a lamp whose port refuses (DEBUG_LOCK
 * blown) still gets a server, which tells each debugger why and hangs up:
 * gdb_server_refusal says why. */
struct gdb_server *gdb_server_new(struct lamp *lamp, struct scheduler *sched, GMainContext *ctx,
                                  const char *host, uint16_t port, bool halt_at_reset,
                                  GError **error);
/* The lamp's run is over (a replay reached its end): a debugger waiting
 * for the lamp to stop is told it exited with status (W packet), so
 * that GDB says "exited" rather than "connection closed". */
void gdb_server_exited(struct gdb_server *srv, unsigned status);
/* gdb_server_new for `lampsim run --gdb` (sched NULL: a replay's), which
 * says on stderr where it listens, or why the lamp's port refuses (the
 * lamp runs on; each debugger is told so and disconnected). */
struct gdb_server *gdb_server_new_announced(struct lamp *lamp, struct scheduler *sched,
                                            const char *host, uint16_t port, bool halt_at_reset,
                                            GError **error);
void gdb_server_free(struct gdb_server *srv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(gdb_server, gdb_server_free)

/* The port actually listened on (port 0 picks one). */
uint16_t gdb_server_port(const struct gdb_server *srv);
/* Why the lamp's debug port refused, or NULL when it answers. */
const char *gdb_server_refusal(const struct gdb_server *srv);

#endif
