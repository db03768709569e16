/* tools/host/host_limits.h: the limits of the host that a process running
 * thousands of lamps, or serving thousands of them, runs into.  What a
 * process may raise itself is raised; what it may not is checked against
 * what it needs, and the error names the limit, the number needed, the
 * number in force and the fix (docs/tools.md#host-limits). */
#ifndef LAMPSIM_HOST_LIMITS_H
#define LAMPSIM_HOST_LIMITS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define HOST_LIMITS_ERROR (host_limits_error_quark())
GQuark host_limits_error_quark(void);
enum host_limits_error_code {
    HOST_LIMITS_ERROR_TOO_LOW, /* the host's limit is below what is needed */
    HOST_LIMITS_ERROR_FAILED,  /* the limit could not be read or raised */
};

/* Raises this process's RLIMIT_NOFILE soft limit to its hard limit (no
 * privilege needed; children started afterwards inherit it).  soft and
 * hard, if not NULL, get the limits now in force. */
bool host_raise_nofile(uint64_t *soft, uint64_t *hard, GError **error);

/* `needed` descriptors fit under the soft limit; else the error says so
 * for `what` ("10000 connected lamps") and how to raise the hard limit. */
bool host_check_nofile(uint64_t needed, const char *what, GError **error);

/* vm.max_map_count allows `needed` memory mappings.  The value comes from
 * /proc/sys/vm/max_map_count, or from $LAMPSIM_MAX_MAP_COUNT when set: a
 * test hook, so the refusal can be tested without root. */
bool host_check_map_count(uint64_t needed, const char *what, GError **error);

/* net.ipv4.ip_local_port_range holds `needed` ports: every connection to
 * one broker address takes a local port of its own. */
bool host_check_local_ports(uint64_t needed, const char *what, GError **error);

#endif
