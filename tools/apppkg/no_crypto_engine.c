/* tools/apppkg/no_crypto_engine.c: the host is a lamp without the CRYPTO
 * engine (docs/hardware.md#crypto): rsa_pss.c takes mbedTLS's software
 * path, the one such a lamp runs.  A program that wants to check that the
 * engine path is never taken defines these itself (tests/unit/apppkg);
 * the linker then leaves this file out. */
#include "crypto_engine.h"
#include "pss_engine.h"

bool crypto_engine_present(void)
{
    return false;
}

bool pss_engine_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                       const uint8_t digest[32], const uint8_t *sig)
{
    (void)n, (void)n_len, (void)e, (void)e_len, (void)digest, (void)sig;
    return false; /* never called: crypto_engine_present() is false */
}
