/* firmware/app/link_failures.h: why the lamp's server connections failed,
 * counted by reason since the boot: a bounded set (link_failure_reasons.h,
 * and one counter per named alert description), reported in telemetry as
 * "failures", by the `net` command (docs/cloud.md#why-a-connection-failed)
 * and to the twin.  Counted by whoever detects the failure: tls_link
 * (TLS), tls_dial (its timeouts), netmgr (MQTT timeouts).  Pure C: the
 * host tests build it with their own link_failure_tell_twin. */
#ifndef LAMP_LINK_FAILURES_H
#define LAMP_LINK_FAILURES_H

#include "link_failure_reasons.h"

#include <stddef.h>
#include <stdint.h>

void link_failure_count(enum link_failure why);
/* A fatal alert received from a server, by its description. */
void link_failure_count_alert(uint8_t description);
/* Calls fn for every counter that is not 0: its name ("bad_record_mac",
 * "alert_protocol_version", ...) and value. */
void link_failures_each(void (*fn)(const char *name, uint32_t n, void *user), void *user);
/* Writes {"name":n,...} of the counters that are not 0 into out; what
 * does not fit is left out and "more":true says so.  The length written
 * (out is always terminated when cap > 0). */
size_t link_failures_json(char *out, size_t cap);
/* Writes the reason to SYSCTL LINKFAIL (link_failures_twin.c). */
void link_failure_tell_twin(enum link_failure why);
/* Forgets every count (host tests; the lamp counts from boot). */
void link_failures_clear(void);

#endif
