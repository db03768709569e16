/* firmware/app/tls_alert.c: the one table of alert description names. */
#include "tls_alert.h"

#include <stddef.h>

static const struct {
    uint8_t description;
    const char *name;
} alerts[TLS_ALERT_NAMED] = {
    /* RFC 5246 section 7.2 (the _RESERVED ones are SSL 3.0's and TLS 1.0's) */
    { 0, "close_notify" },
    { 10, "unexpected_message" },
    { 20, "bad_record_mac" },
    { 21, "decryption_failed_RESERVED" },
    { 22, "record_overflow" },
    { 30, "decompression_failure" },
    { 40, "handshake_failure" },
    { 41, "no_certificate_RESERVED" },
    { 42, "bad_certificate" },
    { 43, "unsupported_certificate" },
    { 44, "certificate_revoked" },
    { 45, "certificate_expired" },
    { 46, "certificate_unknown" },
    { 47, "illegal_parameter" },
    { 48, "unknown_ca" },
    { 49, "access_denied" },
    { 50, "decode_error" },
    { 51, "decrypt_error" },
    { 60, "export_restriction_RESERVED" },
    { 70, "protocol_version" },
    { 71, "insufficient_security" },
    { 80, "internal_error" },
    { 86, "inappropriate_fallback" },        /* RFC 7507 */
    { 90, "user_canceled" },
    { 100, "no_renegotiation" },
    { 110, "unsupported_extension" },
    { 111, "certificate_unobtainable" },      /* RFC 6066 */
    { 112, "unrecognized_name" },             /* RFC 6066 */
    { 113, "bad_certificate_status_response" }, /* RFC 6066 */
    { 114, "bad_certificate_hash_value" },    /* RFC 6066 */
    { 115, "unknown_psk_identity" },          /* RFC 4279 */
    { 120, "no_application_protocol" },       /* RFC 7301 */
};

unsigned tls_alert_index(uint8_t description)
{
    for (unsigned i = 0; i < TLS_ALERT_NAMED; i++)
        if (alerts[i].description == description)
            return i;
    return TLS_ALERT_NAMED;
}

const char *tls_alert_name(uint8_t description)
{
    unsigned i = tls_alert_index(description);

    return i < TLS_ALERT_NAMED ? alerts[i].name : NULL;
}

const char *tls_alert_index_name(unsigned index)
{
    return index < TLS_ALERT_NAMED ? alerts[index].name : "unregistered";
}
