/* firmware/lib/rsa_pss.c: see rsa_pss.h. */
#include "rsa_pss.h"

#include "crypto_engine.h"
#include "image.h"
#include "pss_engine.h"

#include "mbedtls/rsa.h"

bool rsa_pss_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                    const uint8_t digest[32], const uint8_t *sig)
{
    mbedtls_rsa_context rsa;
    bool ok = false;

    if (crypto_engine_present())
        return pss_engine_verify(n, n_len, e, e_len, digest, sig);

    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    if (mbedtls_rsa_import_raw(&rsa, n, n_len, NULL, 0, NULL, 0, NULL, 0, e, e_len) == 0 &&
        mbedtls_rsa_complete(&rsa) == 0 && mbedtls_rsa_get_len(&rsa) == IMAGE_SIG_SIZE)
        ok = mbedtls_rsa_rsassa_pss_verify_ext(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC,
                                               MBEDTLS_MD_SHA256, 32, digest,
                                               MBEDTLS_MD_SHA256, IMAGE_SALT_LEN, sig) == 0;
    mbedtls_rsa_free(&rsa);
    return ok;
}
