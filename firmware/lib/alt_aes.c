/* firmware/lib/alt_aes.c: mbedTLS's AES block encryption
 * (MBEDTLS_AES_ENCRYPT_ALT) on the CRYPTO engine when this lamp has one,
 * else mbedTLS's own software (mbedtls/sw_aes.c).  Used by the bootloader
 * (key unwrap) and the application (TLS records).  The block is copied to
 * the stack: the input may be a const in flash, which the engine's DMA
 * does not reach. */
#include "crypto_engine.h"

#include "mbedtls/aes.h"
#include "mbedtls/platform_util.h"

#include <string.h>

int lamp_sw_aes_encrypt(mbedtls_aes_context *ctx, const unsigned char input[16],
                        unsigned char output[16]);

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
