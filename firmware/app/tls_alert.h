/* firmware/app/tls_alert.h: TLS alert descriptions by their registered
 * names (RFC 5246 section 7.2 and the extensions' RFCs), so that every
 * console line and telemetry counter says "protocol_version", not 70. */
#ifndef LAMP_TLS_ALERT_H
#define LAMP_TLS_ALERT_H

#include <stdint.h>

/* How many descriptions have a name (the index range of tls_alert_index). */
#define TLS_ALERT_NAMED 32u

/* The description's name, or NULL for an unregistered value. */
const char *tls_alert_name(uint8_t description);
/* 0..TLS_ALERT_NAMED-1 for a named description, TLS_ALERT_NAMED for any
 * other value: a bounded index for counters. */
unsigned tls_alert_index(uint8_t description);
/* The name of an index tls_alert_index gave ("unregistered" for the last). */
const char *tls_alert_index_name(unsigned index);

#endif
