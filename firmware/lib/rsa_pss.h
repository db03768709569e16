/* firmware/lib/rsa_pss.h: RSASSA-PSS verification as the lamp's signed
 * formats use it (update images, image.h; app packages, app_package.h):
 * RSA-4096, SHA-256, MGF1-SHA-256, 32-byte salt. */
#ifndef LAMP_LIB_RSA_PSS_H
#define LAMP_LIB_RSA_PSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n: modulus (IMAGE_SIG_SIZE bytes), e: exponent (1 to 4 bytes), both big
 * endian; sig: IMAGE_SIG_SIZE bytes.  On the CRYPTO engine when the lamp
 * has one (pss_engine.c), else in mbedTLS.  False for any defect. */
bool rsa_pss_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                    const uint8_t digest[32], const uint8_t *sig);

#endif
