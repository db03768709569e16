/* firmware/lib/alt_aes.c: mbedTLS's AES block encryption
 * (MBEDTLS_AES_ENCRYPT_ALT) on the CRYPTO engine when this lamp has one,
 * else mbedTLS's own software (mbedtls/sw_aes.c).  TLS records go whole to
 * the engine (lib/alt_gcm.c), and so do image chunks (image_ctr); what
 * comes here block by block is mostly CTR_DRBG (AES-256: ten blocks and
 * more per handshake, a thousand emulated instructions each in software),
 * and mbedTLS's own GCM and CTR for the odd call those do not take.  The
 * block is copied to the stack: the input may be a const in flash, which
 * the engine's DMA does not reach. */
#include "crypto_engine.h"

#include "mbedtls/aes.h"
#include "mbedtls/platform_util.h"

int lamp_sw_aes_encrypt(mbedtls_aes_context *ctx, const unsigned char input[16],
                        unsigned char output[16]);

int mbedtls_internal_aes_encrypt(mbedtls_aes_context *ctx, const unsigned char input[16],
                                 unsigned char output[16])
{
    /* AES-128 and AES-256 (CTR_DRBG's); AES-192 stays in software. */
    uint32_t cmd = ctx->nr == 10 ? CRYPTO_CMD_AES_ENC : ctx->nr == 14 ? CRYPTO_CMD_AES256_ENC : 0;
    size_t key_len = ctx->nr == 10 ? 16 : 32;

    if (!cmd || !crypto_engine_present())
        return lamp_sw_aes_encrypt(ctx, input, output);
    /* The first Nk round-key words are the key itself (FIPS-197 5.2), in
     * the little-endian words mbedtls_aes_setkey_enc loaded it as; an
     * AES-128 schedule is longer than 8 words, so 32 bytes can be read.
     * __builtin_memcpy and field-by-field: this build is freestanding,
     * and CTR_DRBG comes here for every block. */
    uint32_t key[8], block[4];
    struct crypto_desc d;
    __builtin_memcpy(key, ctx->rk, sizeof(key));
    __builtin_memcpy(block, input, sizeof(block));
    crypto_desc_init(&d, cmd);
    d.args.src = d.args.dst = CRYPTO_BUF(block, 16);
    d.args.key = CRYPTO_BUF(key, key_len);
    uint32_t err = crypto_engine_run(&d, 1);
    mbedtls_platform_zeroize(key, sizeof(key));
    if (err)
        return MBEDTLS_ERR_AES_HW_ACCEL_FAILED;
    __builtin_memcpy(output, block, sizeof(block));
    return 0;
}
