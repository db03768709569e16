/* firmware/include/link_failure_reasons.h: why a lamp's server connection
 * failed, the bounded set of reasons the firmware counts
 * (firmware/app/link_failures.c, telemetry "failures", `net`) and writes
 * to SYSCTL LINKFAIL, one code per failure, for its twin (emu/sysctl.c,
 * lampsim's metrics).  docs/cloud.md#why-a-connection-failed says what
 * each one means. */
#ifndef LAMP_LINK_FAILURE_REASONS_H
#define LAMP_LINK_FAILURE_REASONS_H

/* X(code, name): the enum and the names come from this one list. */
#define LINK_FAILURE_REASONS(X)                                  \
    X(LF_BAD_RECORD_MAC, "bad_record_mac")                       \
    X(LF_RECORD_ERROR, "record_error")                           \
    X(LF_CERT_NOT_TRUSTED, "cert_not_trusted")                   \
    X(LF_CERT_INTERMEDIATE_NOT_CA, "cert_intermediate_not_ca")   \
    X(LF_CERT_EXPIRED, "cert_expired")                           \
    X(LF_CERT_NAME_MISMATCH, "cert_name_mismatch")               \
    X(LF_CERT_OTHER, "cert_other")                               \
    X(LF_HANDSHAKE_REFUSED, "handshake_refused")                 \
    X(LF_CLOSED_IN_HANDSHAKE, "closed_in_handshake")             \
    X(LF_DNS_TIMEOUT, "dns_timeout")                             \
    X(LF_CONNECT_TIMEOUT, "connect_timeout")                     \
    X(LF_HANDSHAKE_TIMEOUT, "handshake_timeout")                 \
    X(LF_CONNACK_TIMEOUT, "connack_timeout")                     \
    X(LF_KEEPALIVE_TIMEOUT, "keepalive_timeout")                 \
    /* a fatal alert from the server, any description: the firmware's \
     * telemetry counts them by description instead (alert_NAME) */ \
    X(LF_ALERT_RECEIVED, "alert_received")

#define LINK_FAILURE_ENUM_(code, name) code,
enum link_failure { LINK_FAILURE_REASONS(LINK_FAILURE_ENUM_) LF_REASONS };
#undef LINK_FAILURE_ENUM_

#define LINK_FAILURE_NAME_(code, name) name,
#define LINK_FAILURE_NAMES { LINK_FAILURE_REASONS(LINK_FAILURE_NAME_) }

#endif
