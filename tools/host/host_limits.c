/* tools/host/host_limits.c: see host_limits.h. */
#include "host_limits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/resource.h>

#define MAP_COUNT_FILE "/proc/sys/vm/max_map_count"
#define MAP_COUNT_HOOK "LAMPSIM_MAX_MAP_COUNT"
#define PORT_RANGE_FILE "/proc/sys/net/ipv4/ip_local_port_range"

G_DEFINE_QUARK(lampsim-host-limits-error-quark, host_limits_error)

bool host_raise_nofile(uint64_t *soft, uint64_t *hard, GError **error)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_FAILED,
                    "reading RLIMIT_NOFILE: %s", g_strerror(errno));
        return false;
    }
    if (rl.rlim_cur != rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_FAILED,
                        "raising the RLIMIT_NOFILE soft limit from %" PRIu64 " to %" PRIu64 ": %s",
                        (uint64_t)was, (uint64_t)rl.rlim_max, g_strerror(errno));
            return false;
        }
    }
    if (soft)
        *soft = rl.rlim_cur;
    if (hard)
        *hard = rl.rlim_max;
    return true;
}

bool host_check_nofile(uint64_t needed, const char *what, GError **error)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_FAILED,
                    "reading RLIMIT_NOFILE: %s", g_strerror(errno));
        return false;
    }
    if (rl.rlim_cur == RLIM_INFINITY || needed <= rl.rlim_cur)
        return true;
    if (rl.rlim_cur < rl.rlim_max) {
        g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_TOO_LOW,
                    "%s need about %" PRIu64 " file descriptors, but the soft limit "
                    "RLIMIT_NOFILE is %" PRIu64 ": raise it with `ulimit -n %" PRIu64 "` "
                    "(the hard limit allows %" PRIu64 ")", what, needed, (uint64_t)rl.rlim_cur,
                    needed, (uint64_t)rl.rlim_max);
        return false;
    }
    g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_TOO_LOW,
                "%s need about %" PRIu64 " file descriptors, but the hard limit RLIMIT_NOFILE "
                "(ulimit -Hn) is %" PRIu64 ". Raise it before starting: `ulimit -Hn %" PRIu64
                "` as root in the shell that starts the program, a line `* hard nofile %" PRIu64
                "` in /etc/security/limits.conf for login sessions, or LimitNOFILE=%" PRIu64
                " in its systemd unit", what, needed, (uint64_t)rl.rlim_max, needed,
                needed, needed);
    return false;
}

/* The first number of a /proc/sys file (or of the test hook's value). */
static bool read_sysctl(const char *path, const char *hook, uint64_t *value, uint64_t *second,
                        GError **error)
{
    g_autofree char *text = NULL;
    const char *env = hook ? g_getenv(hook) : NULL;
    char *end;

    if (env && *env)
        text = g_strdup(env);
    else if (!g_file_get_contents(path, &text, NULL, error))
        return false;
    errno = 0;
    *value = g_ascii_strtoull(text, &end, 10);
    if (second)
        *second = g_ascii_strtoull(end, &end, 10);
    if (errno || end == text) {
        g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_FAILED, "%s: not a number: %s",
                    env && *env ? hook : path, g_strstrip(text));
        return false;
    }
    return true;
}

bool host_check_map_count(uint64_t needed, const char *what, GError **error)
{
    uint64_t max;

    if (!read_sysctl(MAP_COUNT_FILE, MAP_COUNT_HOOK, &max, NULL, error))
        return false;
    if (needed <= max)
        return true;
    g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_TOO_LOW,
                "%s need about %" PRIu64 " memory mappings, but vm.max_map_count is %" PRIu64
                ": raise it with `sysctl -w vm.max_map_count=%" PRIu64 "` as root (a line "
                "`vm.max_map_count = %" PRIu64 "` in /etc/sysctl.d/90-lampsim.conf keeps it "
                "across reboots)", what, needed, max, needed, needed);
    return false;
}

bool host_check_local_ports(uint64_t needed, const char *what, GError **error)
{
    uint64_t lo, hi;

    if (!read_sysctl(PORT_RANGE_FILE, NULL, &lo, &hi, error))
        return false;
    if (hi >= lo && hi - lo + 1 >= needed)
        return true;
    g_set_error(error, HOST_LIMITS_ERROR, HOST_LIMITS_ERROR_TOO_LOW,
                "%s need about %" PRIu64 " local ports to the broker, but "
                "net.ipv4.ip_local_port_range (%" PRIu64 "-%" PRIu64 ") holds %" PRIu64
                ": widen it with `sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"` as "
                "root", what, needed, lo, hi, hi >= lo ? hi - lo + 1 : 0);
    return false;
}
