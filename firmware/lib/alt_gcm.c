/* firmware/lib/alt_gcm.c: AES-GCM for mbedTLS (MBEDTLS_GCM_ALT, context in
 * mbedtls/gcm_alt.h).  A TLS record is one call, encrypt-and-tag or
 * decrypt-and-check, and on a lamp with the CRYPTO engine that call is one
 * engine command: key, IV, associated data, data and tag in one
 * descriptor (mbedTLS's own GCM would make two engine calls per 16-byte
 * block).  The engine takes AES-128 with a 96-bit IV and buffers in SRAM;
 * anything else, the step-by-step calls (starts, update, finish) and lamps
 * without the engine run mbedTLS's own GCM (mbedtls/sw_gcm.c). */
#include "crypto_engine.h"

#include "mbedtls/gcm.h"
#include "mbedtls/platform_util.h"

#include <string.h>

typedef struct lamp_sw_gcm_context lamp_sw_gcm_context;
void lamp_sw_gcm_init(lamp_sw_gcm_context *ctx);
int lamp_sw_gcm_setkey(lamp_sw_gcm_context *ctx, mbedtls_cipher_id_t cipher,
                       const unsigned char *key, unsigned int keybits);
int lamp_sw_gcm_crypt_and_tag(lamp_sw_gcm_context *ctx, int mode, size_t length,
                              const unsigned char *iv, size_t iv_len, const unsigned char *add,
                              size_t add_len, const unsigned char *input, unsigned char *output,
                              size_t tag_len, unsigned char *tag);
int lamp_sw_gcm_auth_decrypt(lamp_sw_gcm_context *ctx, size_t length, const unsigned char *iv,
                             size_t iv_len, const unsigned char *add, size_t add_len,
                             const unsigned char *tag, size_t tag_len,
                             const unsigned char *input, unsigned char *output);
int lamp_sw_gcm_starts(lamp_sw_gcm_context *ctx, int mode, const unsigned char *iv,
                       size_t iv_len, const unsigned char *add, size_t add_len);
int lamp_sw_gcm_update(lamp_sw_gcm_context *ctx, size_t length, const unsigned char *input,
                       unsigned char *output);
int lamp_sw_gcm_finish(lamp_sw_gcm_context *ctx, unsigned char *tag, size_t tag_len);
void lamp_sw_gcm_free(lamp_sw_gcm_context *ctx);

static lamp_sw_gcm_context *sw(mbedtls_gcm_context *ctx) { return (lamp_sw_gcm_context *)ctx->sw; }

/* The software context, keyed on first use when the engine has the key
 * (otherwise setkey keyed it, or failed and mbedTLS reports that). */
static int sw_ready(mbedtls_gcm_context *ctx)
{
    if (ctx->engine && !ctx->sw_keyed) {
        int ret = lamp_sw_gcm_setkey(sw(ctx), MBEDTLS_CIPHER_ID_AES, ctx->key, 128);
        if (ret)
            return ret;
        ctx->sw_keyed = 1;
    }
    return 0;
}

/* A whole message the engine can take (SRAM only: mbedTLS's record
 * buffers are on the heap; a caller's const in flash is not). */
static int engine_takes(const mbedtls_gcm_context *ctx, size_t length, const unsigned char *iv,
                        size_t iv_len, const unsigned char *add, size_t add_len,
                        const unsigned char *input, const unsigned char *output,
                        const unsigned char *tag, size_t tag_len)
{
    return ctx->engine && iv_len == CRYPTO_GCM_IV_LEN && tag_len >= CRYPTO_GCM_TAG_MIN &&
           tag_len <= CRYPTO_GCM_TAG_MAX && length <= CRYPTO_BULK_MAX &&
           add_len <= CRYPTO_BULK_MAX && crypto_engine_reaches(ctx->key, sizeof(ctx->key)) &&
           crypto_engine_reaches(iv, iv_len) && crypto_engine_reaches(tag, tag_len) &&
           (!add_len || crypto_engine_reaches(add, add_len)) &&
           (!length || (crypto_engine_reaches(input, length) &&
                        crypto_engine_reaches(output, length)));
}

/* One GCM command; its result word (GCM decrypt: 1 = the tag matched). */
static int engine_gcm(mbedtls_gcm_context *ctx, uint32_t cmd, size_t length,
                      const unsigned char *iv, const unsigned char *add, size_t add_len,
                      const unsigned char *input, unsigned char *output,
                      const unsigned char *tag, size_t tag_len, uint32_t *result)
{
    struct crypto_desc d = {
        .cmd = cmd,
        .args = { .src = CRYPTO_BUF(input, length), .dst = CRYPTO_BUF(output, length),
                  .key = CRYPTO_BUF(ctx->key, sizeof(ctx->key)), .aux = CRYPTO_BUF(add, add_len),
                  .iv = CRYPTO_BUF(iv, CRYPTO_GCM_IV_LEN), .tag = CRYPTO_BUF(tag, tag_len) } };

    if (crypto_engine_run(&d, 1))
        return MBEDTLS_ERR_GCM_HW_ACCEL_FAILED;
    *result = d.result;
    return 0;
}

void mbedtls_gcm_init(mbedtls_gcm_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    lamp_sw_gcm_init(sw(ctx));
}

int mbedtls_gcm_setkey(mbedtls_gcm_context *ctx, mbedtls_cipher_id_t cipher,
                       const unsigned char *key, unsigned int keybits)
{
    mbedtls_platform_zeroize(ctx->key, sizeof(ctx->key));
    ctx->engine = cipher == MBEDTLS_CIPHER_ID_AES && keybits == 128 && crypto_engine_present();
    ctx->sw_keyed = 0;
    if (ctx->engine) {
        memcpy(ctx->key, key, sizeof(ctx->key));
        return 0;
    }
    int ret = lamp_sw_gcm_setkey(sw(ctx), cipher, key, keybits);
    ctx->sw_keyed = ret == 0;
    return ret;
}

int mbedtls_gcm_crypt_and_tag(mbedtls_gcm_context *ctx, int mode, size_t length,
                              const unsigned char *iv, size_t iv_len, const unsigned char *add,
                              size_t add_len, const unsigned char *input, unsigned char *output,
                              size_t tag_len, unsigned char *tag)
{
    uint32_t unused;
    int ret;

    /* The engine's decrypt checks a tag rather than returning one. */
    if (mode == MBEDTLS_GCM_ENCRYPT &&
        engine_takes(ctx, length, iv, iv_len, add, add_len, input, output, tag, tag_len))
        return engine_gcm(ctx, CRYPTO_CMD_GCM_ENC, length, iv, add, add_len, input, output, tag,
                          tag_len, &unused);
    if ((ret = sw_ready(ctx)) != 0)
        return ret;
    return lamp_sw_gcm_crypt_and_tag(sw(ctx), mode, length, iv, iv_len, add, add_len, input,
                                     output, tag_len, tag);
}

int mbedtls_gcm_auth_decrypt(mbedtls_gcm_context *ctx, size_t length, const unsigned char *iv,
                             size_t iv_len, const unsigned char *add, size_t add_len,
                             const unsigned char *tag, size_t tag_len,
                             const unsigned char *input, unsigned char *output)
{
    uint32_t valid;
    int ret;

    if (engine_takes(ctx, length, iv, iv_len, add, add_len, input, output, tag, tag_len)) {
        ret = engine_gcm(ctx, CRYPTO_CMD_GCM_DEC, length, iv, add, add_len, input, output, tag,
                         tag_len, &valid);
        /* On a mismatch the engine has zeroed output, as mbedTLS does. */
        return ret ? ret : valid == 1 ? 0 : MBEDTLS_ERR_GCM_AUTH_FAILED;
    }
    if ((ret = sw_ready(ctx)) != 0)
        return ret;
    return lamp_sw_gcm_auth_decrypt(sw(ctx), length, iv, iv_len, add, add_len, tag, tag_len,
                                    input, output);
}

int mbedtls_gcm_starts(mbedtls_gcm_context *ctx, int mode, const unsigned char *iv,
                       size_t iv_len, const unsigned char *add, size_t add_len)
{
    int ret = sw_ready(ctx);
    return ret ? ret : lamp_sw_gcm_starts(sw(ctx), mode, iv, iv_len, add, add_len);
}

int mbedtls_gcm_update(mbedtls_gcm_context *ctx, size_t length, const unsigned char *input,
                       unsigned char *output)
{
    int ret = sw_ready(ctx);
    return ret ? ret : lamp_sw_gcm_update(sw(ctx), length, input, output);
}

int mbedtls_gcm_finish(mbedtls_gcm_context *ctx, unsigned char *tag, size_t tag_len)
{
    int ret = sw_ready(ctx);
    return ret ? ret : lamp_sw_gcm_finish(sw(ctx), tag, tag_len);
}

void mbedtls_gcm_free(mbedtls_gcm_context *ctx)
{
    if (!ctx)
        return;
    lamp_sw_gcm_free(sw(ctx));
    mbedtls_platform_zeroize(ctx, sizeof(*ctx));
}
