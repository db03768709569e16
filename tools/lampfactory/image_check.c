/* tools/lampfactory/image_check.c: reading update images back: structure,
 * signature, decryption. */
#include "factory.h"

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <string.h>

static bool bad(GError **error, const char *msg)
{
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s", msg);
    return false;
}

bool factory_image_parse(const uint8_t *img, size_t len, struct image_header *h, GError **error)
{
    uint8_t any = 0;

    if (len < IMAGE_HEADER_SIZE)
        return bad(error, "truncated: shorter than the 256-byte header");
    memcpy(h, img, sizeof(*h));
    if (h->magic != IMAGE_MAGIC)
        return bad(error, "not an update image (bad magic)");
    if (h->header_version != IMAGE_HEADER_VERSION || h->header_size != IMAGE_HEADER_SIZE)
        return bad(error, "unknown header version or size");
    for (size_t i = 0; i < sizeof(h->reserved); i++)
        any |= h->reserved[i];
    if (h->flags || h->reserved0 || any)
        return bad(error, "header has unknown fields (flags or reserved bytes set)");
    if (h->load_addr != IMAGE_LOAD_ADDR)
        return bad(error, "load address is not 0x00020100");
    if (h->payload_size < 8 || h->payload_size > IMAGE_MAX_PAYLOAD)
        return bad(error, "payload size out of range");
    if (h->security_epoch > IMAGE_MAX_EPOCH)
        return bad(error, "security epoch above 128");
    if (len < (size_t)IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "truncated: %zu bytes, the header says %u", len,
                    IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE);
        return false;
    }
    if (len > (size_t)IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%zu bytes, longer than the %u its header says", len,
                    IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE);
        return false;
    }
    return true;
}

bool factory_image_verify(const uint8_t *img, size_t len, EVP_PKEY *pub, GError **error)
{
    struct image_header h;
    uint8_t digest[32];
    EVP_PKEY_CTX *ctx;
    bool ok;

    if (!factory_image_parse(img, len, &h, error))
        return false;
    SHA256(img, IMAGE_HEADER_SIZE + h.payload_size, digest);
    ctx = EVP_PKEY_CTX_new(pub, NULL);
    ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, IMAGE_SALT_LEN) > 0 &&
         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0 &&
         EVP_PKEY_verify(ctx, img + IMAGE_HEADER_SIZE + h.payload_size, IMAGE_SIG_SIZE, digest,
                         32) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_VERIFY,
                    "signature does not verify with this key (tampered, or another fleet's)");
    return ok;
}

GBytes *factory_image_decrypt(const uint8_t *img, size_t len, const uint8_t enc_key[16],
                              GError **error)
{
    struct image_header h;
    EVP_CIPHER_CTX *ctx;
    uint8_t key[24], digest[32], *plain;
    int n = 0, m = 0;
    bool ok;

    if (!factory_image_parse(img, len, &h, error))
        return NULL;
    ctx = EVP_CIPHER_CTX_new();
    if (ctx)
        EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_128_wrap(), NULL, enc_key, NULL) &&
         EVP_DecryptUpdate(ctx, key, &n, h.wrapped_key, IMAGE_WRAPPED_KEY_SIZE) &&
         EVP_DecryptFinal_ex(ctx, key + n, &m) && n + m == 16;
    EVP_CIPHER_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_VERIFY,
                    "content key does not unwrap with this fleet key (encrypted for another fleet)");
        return NULL;
    }
    plain = g_malloc(h.payload_size);
    if (!factory_aes_ctr(key, h.iv, img + IMAGE_HEADER_SIZE, plain, h.payload_size, error)) {
        OPENSSL_cleanse(key, sizeof(key));
        g_free(plain);
        return NULL;
    }
    OPENSSL_cleanse(key, sizeof(key));
    SHA256(plain, h.payload_size, digest);
    if (memcmp(digest, h.plain_sha256, 32) != 0) {
        g_free(plain);
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_VERIFY,
                    "decrypted payload's SHA-256 does not match the header");
        return NULL;
    }
    return g_bytes_new_take(plain, h.payload_size);
}
