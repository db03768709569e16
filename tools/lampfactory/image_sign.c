/* tools/lampfactory/image_sign.c: a firmware binary becomes an update
 * image (docs/formats.md#update-image). */
#include "factory.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

bool factory_parse_version(const char *text, uint32_t *version, GError **error)
{
    unsigned long part[3];
    const char *p = text;
    char *end;

    for (int i = 0; i < 3; i++) {
        if (!g_ascii_isdigit(*p))
            goto bad;
        part[i] = strtoul(p, &end, 10);
        if (part[i] > 255 || (i < 2 && *end != '.') || (i == 2 && *end))
            goto bad;
        p = end + 1;
    }
    *version = (uint32_t)(part[0] << 16 | part[1] << 8 | part[2]);
    return true;
bad:
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                "version '%s': MAJOR.MINOR.PATCH, each 0-255", text);
    return false;
}

bool factory_check_app_binary(const uint8_t *bin, size_t len, GError **error)
{
    uint32_t sp, reset;

    if (len < 8 || len > IMAGE_MAX_PAYLOAD) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "application binary of %zu bytes: must be 8 to %u bytes", len, IMAGE_MAX_PAYLOAD);
        return false;
    }
    memcpy(&sp, bin, 4);
    memcpy(&reset, bin + 4, 4);
    if (sp <= SRAM_BASE || sp > SRAM_BASE + SRAM_SIZE) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "not an application binary: initial stack pointer 0x%08x is outside SRAM", sp);
        return false;
    }
    if (!(reset & 1) || reset < IMAGE_LOAD_ADDR || reset >= IMAGE_LOAD_ADDR + len) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "not an application linked at 0x%08x: reset vector 0x%08x is outside it",
                    IMAGE_LOAD_ADDR, reset);
        return false;
    }
    return true;
}

static bool wrap_key(const uint8_t kek[16], const uint8_t key[16], uint8_t out[24], GError **error)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok;

    if (ctx)
        EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_wrap(), NULL, kek, NULL) &&
         EVP_EncryptUpdate(ctx, out, &n, key, 16) && EVP_EncryptFinal_ex(ctx, out + n, &m) &&
         n + m == IMAGE_WRAPPED_KEY_SIZE;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        factory_set_openssl_error(error, "AES key wrap");
    return ok;
}

bool factory_aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
                     uint8_t *out, size_t len, GError **error)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) &&
              EVP_EncryptUpdate(ctx, out, &n, in, (int)len) &&
              EVP_EncryptFinal_ex(ctx, out + n, &m) && (size_t)(n + m) == len;

    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        factory_set_openssl_error(error, "AES-128-CTR");
    return ok;
}

GBytes *factory_sign_image(const uint8_t *bin, size_t len, const struct image_sign_params *p,
                           const uint8_t enc_key[16], struct factory_signer *signer,
                           GError **error)
{
    size_t total = IMAGE_HEADER_SIZE + len + IMAGE_SIG_SIZE;
    uint8_t *img, content_key[16], digest[32];
    struct image_header h = {
        .magic = IMAGE_MAGIC, .header_version = IMAGE_HEADER_VERSION,
        .header_size = IMAGE_HEADER_SIZE, .fw_version = p->version,
        .security_epoch = p->epoch, .payload_size = (uint32_t)len, .load_addr = IMAGE_LOAD_ADDR,
    };

    if (!factory_check_app_binary(bin, len, error))
        return NULL;
    if (p->epoch > IMAGE_MAX_EPOCH) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "epoch %u: the fuses hold 0 to %u", p->epoch, IMAGE_MAX_EPOCH);
        return NULL;
    }
    img = g_malloc0(total);
    SHA256(bin, len, h.plain_sha256);
    if (RAND_priv_bytes(content_key, 16) != 1 || RAND_bytes(h.iv, IMAGE_IV_SIZE) != 1) {
        factory_set_openssl_error(error, "drawing the content key");
        goto fail;
    }
    if (!wrap_key(enc_key, content_key, h.wrapped_key, error) ||
        !factory_aes_ctr(content_key, h.iv, bin, img + IMAGE_HEADER_SIZE, len, error))
        goto fail;
    memcpy(img, &h, sizeof(h));
    SHA256(img, IMAGE_HEADER_SIZE + len, digest);
    if (!factory_signer_sign(signer, digest, img + IMAGE_HEADER_SIZE + len, error))
        goto fail;
    OPENSSL_cleanse(content_key, sizeof(content_key));
    return g_bytes_new_take(img, total);
fail:
    OPENSSL_cleanse(content_key, sizeof(content_key));
    g_free(img);
    return NULL;
}
