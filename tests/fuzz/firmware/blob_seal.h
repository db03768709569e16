/* tests/fuzz/firmware/blob_seal.h: a credentials blob sealed as the cloud
 * seals one (docs/commissioning.md#credentials-blob: LCB1 header as the
 * associated data, AES-128-GCM under K(n)), for plaintext a test chose:
 * the commissioning fuzz target and tests/unit/fwparse.  The IV is fixed
 * (the cloud draws one): a test needs the same bytes every run. */
#ifndef FUZZ_BLOB_SEAL_H
#define FUZZ_BLOB_SEAL_H

#include "commission_format.h"

#include <stddef.h>
#include <stdint.h>

/* Writes header, ciphertext and tag to blob (room for COMMISSION_BLOB_MAX,
 * len <= COMMISSION_BLOB_MAX_CT) and returns the blob's length, or 0 if
 * mbedTLS failed. */
size_t blob_seal(const uint8_t key[COMMISSION_KEY_LEN], const uint8_t *serial16, uint32_t n,
                 const uint8_t *nonce, const uint8_t *plain, size_t len, uint8_t *blob);

#endif
