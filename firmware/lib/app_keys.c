/* firmware/lib/app_keys.c: what the lamp trusts app packages by, from its
 * keystore.  Apart from app_pkg.c, which the host's tests build without a
 * keystore. */
#include "app_pkg.h"

#include "keystore_read.h"

#include "mbedtls/sha256.h"

const char *app_pkg_keys_load(struct app_pkg_keys *k)
{
    return app_pkg_keys_from(KEYSTORE_BASE, KEYSTORE_SIZE, k);
}

const char *app_pkg_keys_from(const uint8_t *keystore, size_t size, struct app_pkg_keys *k)
{
    const char *why = keystore_check_in(keystore, size);
    const uint8_t *ca;
    size_t ca_len;

    if (why)
        return why;
    k->rsa_n = keystore_find_in(keystore, KS_APP_RSA_N, &k->rsa_n_len);
    k->rsa_e = keystore_find_in(keystore, KS_APP_RSA_E, &k->rsa_e_len);
    if (!k->rsa_n || k->rsa_n_len != APP_PKG_SIG_SIZE || !k->rsa_e || k->rsa_e_len == 0 ||
        k->rsa_e_len > 4)
        return "keystore has no RSA-4096 app-signing key (provisioned before apps existed?)";
    /* The fleet is the one whose cloud CA the lamp trusts: every keystore
     * already holds it, and sign-app reads the same certificate. */
    ca = keystore_find_in(keystore, KS_CLOUD_CA_CERT, &ca_len);
    if (!ca || mbedtls_sha256_ret(ca, ca_len, k->fleet_id, 0) != 0)
        return "keystore has no cloud CA certificate";
    return NULL;
}
