/* firmware/app/link_failures.h: why the lamp's server connections failed,
 * counted by reason since the boot: a bounded set (the reasons below and
 * one counter per named alert description), reported in telemetry as
 * "failures" and by the `net` command (docs/cloud.md#why-a-connection-failed).
 * Counted by whoever detects the failure: tls_link (TLS), tls_dial (its
 * timeouts), netmgr (MQTT timeouts).  Pure C: the host tests build it. */
#ifndef LAMP_LINK_FAILURES_H
#define LAMP_LINK_FAILURES_H

#include <stddef.h>
#include <stdint.h>

enum link_failure {
    LF_BAD_RECORD_MAC,          /* a record from the server failed its check; the lamp sent the alert */
    LF_RECORD_ERROR,            /* another fatal record-layer error (malformed, unexpected) */
    LF_CERT_NOT_TRUSTED,        /* the chain does not end at the cloud CA */
    LF_CERT_INTERMEDIATE_NOT_CA, /* an intermediate without basicConstraints CA:TRUE */
    LF_CERT_EXPIRED,            /* outside its validity (either end) by the RTC */
    LF_CERT_NAME_MISMATCH,      /* not issued for the endpoint's host name */
    LF_CERT_OTHER,              /* any other verification failure */
    LF_HANDSHAKE_REFUSED,       /* the lamp refused the server's choices (version, suite, ...) */
    LF_CLOSED_IN_HANDSHAKE,     /* the server closed or reset the connection in the handshake */
    LF_DNS_TIMEOUT,
    LF_CONNECT_TIMEOUT,
    LF_HANDSHAKE_TIMEOUT,
    LF_CONNACK_TIMEOUT,
    LF_KEEPALIVE_TIMEOUT,
    LF_REASONS,
};

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
/* Forgets every count (host tests; the lamp counts from boot). */
void link_failures_clear(void);

#endif
