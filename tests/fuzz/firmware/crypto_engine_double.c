/* tests/fuzz/firmware/crypto_engine_double.c: the fuzzed firmware code
 * runs as a lamp without the CRYPTO engine (docs/hardware.md#crypto):
 * crypto_engine_present() is false, so image_ctr and rsa_pss_verify take
 * mbedTLS's software path.  The engine's entry points are never called
 * then; if one is, that is a bug, and the double aborts. */
#include "crypto_engine.h"
#include "pss_engine.h"

#include <stdio.h>
#include <stdlib.h>

bool crypto_engine_present(void)
{
    return false;
}

uint32_t crypto_engine_run(struct crypto_desc *d, size_t n)
{
    (void)d, (void)n;
    fprintf(stderr, "crypto engine double: run called although no engine is present\n");
    abort();
}

bool pss_engine_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                       const uint8_t digest[32], const uint8_t *sig)
{
    (void)n, (void)n_len, (void)e, (void)e_len, (void)digest, (void)sig;
    fprintf(stderr, "crypto engine double: PSS engine called although no engine is present\n");
    abort();
}
