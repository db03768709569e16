/* sim/fleet_limits.h: what N lamps in one lampsim process need of the
 * host, checked before a fleet provisions or boots anything
 * (tools/host/host_limits.h; docs/tools.md#host-limits). */
#ifndef LAMPSIM_SIM_FLEET_LIMITS_H
#define LAMPSIM_SIM_FLEET_LIMITS_H

#include <glib.h>
#include <stdbool.h>

/* Memory mappings a lamp adds to the process: measured 2.0 a lamp in
 * /proc/self/maps, idle and connected, with 150 and 300 lamps (Unicorn
 * 2.1.1: guest memory and translation buffer); 3 leaves room for the
 * allocator.  `lampsim fleet` reports maps_per_lamp: update this figure
 * when that moves. */
#define FLEET_MAPS_PER_LAMP 3u
#define FLEET_MAPS_BASE 512u    /* the program, its libraries, threads' stacks */
/* A connected lamp holds one socket (two during an OTA download); the
 * fleet's state directories one lock for them all (emu/state_lock.h). */
#define FLEET_FDS_PER_CONNECTED_LAMP 1u
#define FLEET_FDS_BASE 64u      /* standard streams, event fds, the registry, BLE sockets */
#define FLEET_PORTS_BASE 64u    /* the cloud's own clients, OTA downloads in flight */

/* vm.max_map_count holds FLEET_MAPS_BASE + lamps * maps_per_lamp. */
bool fleet_check_map_count(guint lamps, guint maps_per_lamp, GError **error);
/* Descriptors, memory mappings and, when the lamps connect to a cloud
 * (networked), local ports; the first that falls short fails with the
 * limit, the number needed and the fix. */
bool fleet_check_limits(guint lamps, bool networked, GError **error);

#endif
