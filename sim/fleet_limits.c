/* sim/fleet_limits.c: see fleet_limits.h. */
#include "fleet_limits.h"

#include "host_limits.h"

/* The host's message, and the other way out. */
static bool or_fewer(bool ok, GError **error)
{
    if (!ok && error && *error) {
        char *msg = g_strdup_printf("%s; or run fewer lamps (--count)", (*error)->message);
        g_free((*error)->message);
        (*error)->message = msg;
    }
    return ok;
}

bool fleet_check_map_count(guint lamps, guint maps_per_lamp, GError **error)
{
    g_autofree char *what = g_strdup_printf("%u lamps (%u mappings each)", lamps, maps_per_lamp);

    return or_fewer(host_check_map_count(FLEET_MAPS_BASE + (uint64_t)lamps * maps_per_lamp,
                                         what, error), error);
}

bool fleet_check_limits(guint lamps, bool networked, GError **error)
{
    g_autofree char *what = g_strdup_printf(networked ? "%u lamps connected to a cloud"
                                                      : "%u lamps", lamps);
    uint64_t fds = FLEET_FDS_BASE + (networked ? (uint64_t)lamps * FLEET_FDS_PER_CONNECTED_LAMP : 0);

    return or_fewer(host_check_nofile(fds, what, error), error) &&
           fleet_check_map_count(lamps, FLEET_MAPS_PER_LAMP, error) &&
           (!networked ||
            or_fewer(host_check_local_ports(FLEET_PORTS_BASE + lamps, what, error), error));
}
