/* firmware/app/commission_blob.h: reading a credentials blob
 * (docs/commissioning.md#credentials-blob, include/commission_format.h):
 * the parsing and authentication of what a central wrote, apart from the
 * BLE service and the key store around it (commission.c), so the same
 * code is fuzzed on the host (tests/fuzz/firmware/fuzz_commission.c). */
#ifndef LAMP_COMMISSION_BLOB_H
#define LAMP_COMMISSION_BLOB_H

#include "wifi_creds.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a blob is refused: the status characteristic says
 * "rejected <reason>: <text>". */
struct commission_refusal {
    const char *reason, *text;
};

/* What needs no key: length, magic, L, the lamp's serial (serial16, NUL
 * padded).  NULL, with *ct_len = L, when the blob may be opened. */
const struct commission_refusal *commission_blob_check(const uint8_t *blob, size_t len,
                                                       const uint8_t *serial16, uint32_t *ct_len);

/* A blob commission_blob_check passed (ct_len its L), against the lamp's
 * key counter n and key K(n) and this connection's nonce: counter, nonce,
 * GCM tag, then the TLVs.  NULL and the credentials in *c when accepted. */
const struct commission_refusal *commission_blob_open(const uint8_t *blob, uint32_t ct_len,
                                                      uint32_t n, const uint8_t key[16],
                                                      const uint8_t *nonce,
                                                      struct wifi_creds *c);

/* The TLVs of an authentic blob: SSID and passphrase required, each type
 * once, lengths within the limits, no NUL.  False leaves *c zeroed or
 * partly filled: use it only on true. */
bool commission_parse_tlvs(const uint8_t *p, size_t len, struct wifi_creds *c);

#endif
