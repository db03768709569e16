/* sim/fleet_gdb.h: a GDB server for a chosen lamp of a fleet, on request
 * (`lampsim serve`: /api/lamps/SERIAL/gdb in docs/api.md).
 * The server lives on the lamp's worker, in its main context, and goes
 * with the lamp (lamp_set_debugger); the other lamps run on undisturbed. */
#ifndef LAMPSIM_SIM_FLEET_GDB_H
#define LAMPSIM_SIM_FLEET_GDB_H

#include "fleet.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Starts lamp index's server on host:port (port 0: any free one) and
 * gives the address it listens on.  Fails with SIM_ERROR_REFUSED and the
 * port's reason on a lamp whose DEBUG_LOCK fuse is blown (no server is
 * left behind), SIM_ERROR_BUSY when the lamp has one already (its address
 * in the message), or the socket's error. */
bool fleet_gdb_start(struct fleet *f, guint index, const char *host, uint16_t port,
                     char **address, GError **error);
/* Stops it: a debugger attached is hung up on, breakpoints and
 * watchpoints go, and the lamp runs on.  The address it listened on, or
 * NULL when it had none. */
char *fleet_gdb_stop(struct fleet *f, guint index);
/* "HOST:PORT" of the lamp's server, or NULL. */
char *fleet_gdb_address(struct fleet *f, guint index);

#endif
