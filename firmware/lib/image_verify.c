/* firmware/lib/image_verify.c: signature, epoch and content checks of an
 * update image. */
#include "image_verify.h"

#include "aes_kw.h"
#include "crypto_engine.h"
#include "hw.h"
#include "keystore_read.h"
#include "rsa_pss.h"

#include "mbedtls/aes.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

#include <stdbool.h>
#include <string.h>

#define CHUNK 256u

const char *fw_keys_load(struct fw_keys *k)
{
    return fw_keys_from(KEYSTORE_BASE, KEYSTORE_SIZE, k);
}

const char *fw_keys_from(const uint8_t *keystore, size_t size, struct fw_keys *k)
{
    const char *why = keystore_check_in(keystore, size);
    size_t len;

    if (why)
        return why;
    k->rsa_n = keystore_find_in(keystore, KS_FW_RSA_N, &k->rsa_n_len);
    k->rsa_e = keystore_find_in(keystore, KS_FW_RSA_E, &k->rsa_e_len);
    k->enc_key = keystore_find_in(keystore, KS_FW_ENC_KEY, &len);
    if (!k->rsa_n || k->rsa_n_len != IMAGE_SIG_SIZE || !k->rsa_e || k->rsa_e_len == 0 ||
        k->rsa_e_len > 4)
        return "keystore has no RSA-4096 firmware verification key";
    if (!k->enc_key || len != IMAGE_KEY_SIZE)
        return "keystore has no firmware encryption key";
    return NULL;
}

const char *image_check_header(const struct image_header *h)
{
    uint8_t any = 0;

    if (h->magic != IMAGE_MAGIC)
        return "not an update image (bad magic)";
    if (h->header_version != IMAGE_HEADER_VERSION || h->header_size != IMAGE_HEADER_SIZE)
        return "unknown header version";
    for (size_t i = 0; i < sizeof(h->reserved); i++)
        any |= h->reserved[i];
    if (h->flags != 0 || h->reserved0 != 0 || any)
        return "header has fields this bootloader does not know (flags or reserved bytes set)";
    if (h->load_addr != IMAGE_LOAD_ADDR)
        return "load address is not slot A";
    if (h->payload_size < 8 || h->payload_size > IMAGE_MAX_PAYLOAD)
        return "payload size out of range";
    if (h->security_epoch > IMAGE_MAX_EPOCH)
        return "security epoch above the fuses' range";
    return NULL;
}

int image_ctr(const uint8_t key[16], const uint8_t iv[16], uint32_t offset,
              const uint8_t *in, uint8_t *out, size_t len)
{
    mbedtls_aes_context aes;
    uint8_t counter[16], stream[16];
    size_t nc_off = 0;
    uint32_t add = offset / 16;
    int rc;

    memcpy(counter, iv, 16);
    for (int i = 15; i >= 0 && add; i--) {
        uint32_t sum = counter[i] + (add & 0xFF);
        counter[i] = (uint8_t)sum;
        add = (add >> 8) + (sum >> 8);
    }
    if (crypto_engine_present() && offset % 16 == 0) {
        /* One engine command per chunk instead of one per block; the
         * engine reads SRAM only, so a chunk in flash goes through out. */
        uint8_t k[16];
        if (in != out)
            memcpy(out, in, len);
        memcpy(k, key, 16);
        struct crypto_desc d = { .cmd = CRYPTO_CMD_AES_CTR,
                                 .args = { .src = CRYPTO_BUF(out, len), .dst = CRYPTO_BUF(out, len),
                                           .key = CRYPTO_BUF(k, 16),
                                           .aux = CRYPTO_BUF(counter, 16) } };
        rc = crypto_engine_run(&d, 1) ? MBEDTLS_ERR_AES_HW_ACCEL_FAILED : 0;
        mbedtls_platform_zeroize(k, sizeof(k));
        return rc;
    }
    mbedtls_aes_init(&aes);
    rc = mbedtls_aes_setkey_enc(&aes, key, 128);
    if (rc == 0)
        rc = mbedtls_aes_crypt_ctr(&aes, len, &nc_off, counter, stream, in, out);
    mbedtls_aes_free(&aes);
    mbedtls_platform_zeroize(stream, sizeof(stream));
    return rc;
}

static bool signature_ok(const struct fw_keys *k, const uint8_t digest[32], const uint8_t *sig)
{
    return rsa_pss_verify(k->rsa_n, k->rsa_n_len, k->rsa_e, k->rsa_e_len, digest, sig);
}

/* One pass over the payload: the digest the signature covers (header and
 * ciphertext) and, once the key is known, the plaintext digest. */
static int hash_payload(const struct image_header *h, const uint8_t *payload,
                        enum image_form form, const uint8_t *key,
                        uint8_t signed_digest[32], uint8_t plain_digest[32])
{
    mbedtls_sha256_context sig_ctx, plain_ctx;
    uint8_t buf[CHUNK];
    int rc = 0;

    mbedtls_sha256_init(&sig_ctx);
    mbedtls_sha256_init(&plain_ctx);
    if (signed_digest)
        rc = mbedtls_sha256_starts_ret(&sig_ctx, 0) ||
             mbedtls_sha256_update_ret(&sig_ctx, (const uint8_t *)h, sizeof(*h));
    if (!rc && plain_digest)
        rc = mbedtls_sha256_starts_ret(&plain_ctx, 0);
    for (uint32_t off = 0; !rc && off < h->payload_size; off += CHUNK) {
        size_t n = h->payload_size - off < CHUNK ? h->payload_size - off : CHUNK;
        const uint8_t *cipher = payload + off, *plain = payload + off;

        if (key) {
            rc = image_ctr(key, h->iv, off, payload + off, buf, n);
            if (form == IMAGE_STAGED)
                plain = buf;
            else
                cipher = buf;
        }
        if (!rc && signed_digest)
            rc = mbedtls_sha256_update_ret(&sig_ctx, cipher, n);
        if (!rc && plain_digest)
            rc = mbedtls_sha256_update_ret(&plain_ctx, plain, n);
    }
    if (!rc && signed_digest)
        rc = mbedtls_sha256_finish_ret(&sig_ctx, signed_digest);
    if (!rc && plain_digest)
        rc = mbedtls_sha256_finish_ret(&plain_ctx, plain_digest);
    mbedtls_sha256_free(&sig_ctx);
    mbedtls_sha256_free(&plain_ctx);
    mbedtls_platform_zeroize(buf, sizeof(buf));
    return rc;
}

const char *image_verify(const struct image_header *h, const uint8_t *payload,
                         const uint8_t *sig, enum image_form form, uint32_t min_epoch,
                         const struct fw_keys *k, uint8_t content_key[16])
{
    uint8_t signed_digest[32], plain_digest[32], key[16];
    const char *why = image_check_header(h);

    if (why)
        return why;
    if (form == IMAGE_STAGED) {
        /* Nothing is decrypted before the signature holds. */
        if (hash_payload(h, payload, form, NULL, signed_digest, NULL) != 0)
            return "hashing failed";
        if (!signature_ok(k, signed_digest, sig))
            return "signature invalid (not signed with this fleet's firmware key)";
        if (h->security_epoch < min_epoch)
            return "security epoch below the lamp's (rollback refused)";
        if (aes_kw_unwrap128(k->enc_key, h->wrapped_key, key) != 0)
            return "content key does not unwrap (encrypted for another fleet)";
        if (hash_payload(h, payload, form, key, NULL, plain_digest) != 0)
            return "decryption failed";
    } else {
        if (aes_kw_unwrap128(k->enc_key, h->wrapped_key, key) != 0)
            return "content key does not unwrap (encrypted for another fleet)";
        if (hash_payload(h, payload, form, key, signed_digest, plain_digest) != 0)
            return "hashing failed";
        if (!signature_ok(k, signed_digest, sig))
            return "signature invalid (installed code is not what the fleet key signed)";
        if (h->security_epoch < min_epoch)
            return "security epoch below the lamp's (rollback refused)";
    }
    if (memcmp(plain_digest, h->plain_sha256, 32) != 0) {
        mbedtls_platform_zeroize(key, sizeof(key));
        return "payload SHA-256 does not match the header";
    }
    memcpy(content_key, key, 16);
    mbedtls_platform_zeroize(key, sizeof(key));
    return NULL;
}
