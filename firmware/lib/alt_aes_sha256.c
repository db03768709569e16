/* firmware/lib/alt_aes_sha256.c: mbedTLS's AES block encryption and SHA-256
 * compression (MBEDTLS_AES_ENCRYPT_ALT, MBEDTLS_SHA256_PROCESS_ALT) on the
 * CRYPTO engine when this lamp has one, else mbedTLS's own software
 * (mbedtls/sw_aes.c, mbedtls/sw_sha256.c).  Used by the bootloader (image
 * hash) and the application (TLS record protection and hashes).  The
 * engine only reaches SRAM, so inputs that may sit in flash (an image
 * being hashed, a const block) are copied to the stack first. */
#include "crypto_engine.h"

#include "mbedtls/aes.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

#include <string.h>

int lamp_sw_aes_encrypt(mbedtls_aes_context *ctx, const unsigned char input[16],
                        unsigned char output[16]);
int lamp_sw_sha256_process(mbedtls_sha256_context *ctx, const unsigned char data[64]);

int mbedtls_internal_aes_encrypt(mbedtls_aes_context *ctx, const unsigned char input[16],
                                 unsigned char output[16])
{
    /* The first AES-128 round key is the key itself (FIPS-197 5.2), in the
     * little-endian words mbedtls_aes_setkey_enc loaded it as. */
    if (ctx->nr != 10 || !crypto_engine_present())
        return lamp_sw_aes_encrypt(ctx, input, output);
    uint32_t key[4], block[4];
    memcpy(key, ctx->rk, sizeof(key));
    memcpy(block, input, sizeof(block));
    struct crypto_desc d = { .cmd = CRYPTO_CMD_AES_ENC,
                             .args = { .src = CRYPTO_BUF(block, 16), .dst = CRYPTO_BUF(block, 16),
                                       .key = CRYPTO_BUF(key, 16) } };
    uint32_t err = crypto_engine_run(&d, 1);
    mbedtls_platform_zeroize(key, sizeof(key));
    if (err)
        return MBEDTLS_ERR_AES_HW_ACCEL_FAILED;
    memcpy(output, block, sizeof(block));
    return 0;
}

int mbedtls_internal_sha256_process(mbedtls_sha256_context *ctx, const unsigned char data[64])
{
    if (!crypto_engine_present() || !crypto_engine_reaches(ctx->state, sizeof(ctx->state)))
        return lamp_sw_sha256_process(ctx, data);
    uint32_t block[16];
    const void *src = data;
    if (!crypto_engine_reaches(data, 64)) {
        memcpy(block, data, sizeof(block));
        src = block;
    }
    struct crypto_desc d = { .cmd = CRYPTO_CMD_SHA256,
                             .args = { .src = CRYPTO_BUF(src, 64), .key = CRYPTO_BUF(ctx->state, 32) } };
    return crypto_engine_run(&d, 1) ? MBEDTLS_ERR_SHA256_HW_ACCEL_FAILED : 0;
}
