/* firmware/lib/pss_engine.h: RSASSA-PSS verification (RFC 8017 8.1.2,
 * EMSA-PSS-VERIFY 9.1.2; SHA-256, MGF1-SHA-256, 32-byte salt) with the
 * RSA public operation on the CRYPTO engine.  mbedTLS 2.28 has no hook for
 * the RSA public operation alone, so lamps with the engine verify update
 * images here; lamps without it use mbedtls_rsa_rsassa_pss_verify_ext. */
#ifndef LAMP_PSS_ENGINE_H
#define LAMP_PSS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n: modulus (n_len bytes, 4096 bits), e: exponent (e_len <= 8 bytes),
 * sig: n_len bytes.  False for any defect, or if the engine refused. */
bool pss_engine_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                       const uint8_t digest[32], const uint8_t *sig);

#endif
