/* tools/lampfactory/signer.c: the firmware signing key, in a PEM file or a
 * PKCS#11 token ("pkcs11:" URI). */
#include "factory.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <string.h>

struct factory_signer {
    EVP_PKEY *pem_key;          /* or: */
    struct factory_p11 *p11;
};

bool factory_check_signing_key(EVP_PKEY *pkey, GError **error)
{
    int bits = EVP_PKEY_get_bits(pkey);

    if (EVP_PKEY_is_a(pkey, "RSA") && bits == 4096)
        return true;
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                "signing key is %s %d bits; the firmware verifies RSA-4096 only",
                EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "unknown", bits);
    return false;
}

struct factory_signer *factory_signer_open(const char *spec, const char *module, GError **error)
{
    struct factory_signer *s = g_new0(struct factory_signer, 1);

    if (g_str_has_prefix(spec, "pkcs11:")) {
        s->p11 = factory_p11_open(spec, module, error);
        if (!s->p11)
            goto fail;
    } else {
        s->pem_key = factory_load_private_key(spec, error);
        if (!s->pem_key || !factory_check_signing_key(s->pem_key, error))
            goto fail;
    }
    return s;
fail:
    factory_signer_free(s);
    return NULL;
}

EVP_PKEY *factory_signer_public_key(struct factory_signer *s)
{
    return s->p11 ? factory_p11_public_key(s->p11) : s->pem_key;
}

static bool set_pss(EVP_PKEY_CTX *ctx)
{
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, IMAGE_SALT_LEN) > 0 &&
           EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0;
}

/* Verifies a PSS signature of digest with pub (used after every signing,
 * so a misbehaving token cannot produce a bad image). */
static bool pss_verify(EVP_PKEY *pub, const uint8_t digest[32], const uint8_t *sig)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
    bool ok = ctx && EVP_PKEY_verify_init(ctx) > 0 && set_pss(ctx) &&
              EVP_PKEY_verify(ctx, sig, IMAGE_SIG_SIZE, digest, 32) == 1;

    EVP_PKEY_CTX_free(ctx);
    return ok;
}

bool factory_signer_sign(struct factory_signer *s, const uint8_t digest[32],
                         uint8_t sig[IMAGE_SIG_SIZE], GError **error)
{
    if (s->p11) {
        if (!factory_p11_sign(s->p11, digest, sig, IMAGE_SIG_SIZE, error))
            return false;
    } else {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(s->pem_key, NULL);
        size_t len = IMAGE_SIG_SIZE;
        bool ok = ctx && EVP_PKEY_sign_init(ctx) > 0 && set_pss(ctx) &&
                  EVP_PKEY_sign(ctx, sig, &len, digest, 32) > 0 && len == IMAGE_SIG_SIZE;
        EVP_PKEY_CTX_free(ctx);
        if (!ok) {
            factory_set_openssl_error(error, "RSA-PSS signing");
            return false;
        }
    }
    if (!pss_verify(factory_signer_public_key(s), digest, sig)) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_VERIFY,
                    "the signature just made does not verify with the key's public half");
        return false;
    }
    return true;
}

void factory_signer_free(struct factory_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->pem_key);
    factory_p11_free(s->p11);
    g_free(s);
}
