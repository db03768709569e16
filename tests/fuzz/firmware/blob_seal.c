/* tests/fuzz/firmware/blob_seal.c: see blob_seal.h. */
#include "blob_seal.h"

#include "mbedtls/gcm.h"

#include <string.h>

size_t blob_seal(const uint8_t key[COMMISSION_KEY_LEN], const uint8_t *serial16, uint32_t n,
                 const uint8_t *nonce, const uint8_t *plain, size_t len, uint8_t *blob)
{
    mbedtls_gcm_context gcm;
    int ret;

    memset(blob, 0, COMMISSION_BLOB_HEADER);
    memcpy(blob, COMMISSION_BLOB_MAGIC, COMMISSION_BLOB_MAGIC_LEN);
    memcpy(blob + COMMISSION_BLOB_OFF_SERIAL, serial16, COMMISSION_SERIAL16);
    for (int i = 0; i < 4; i++)
        blob[COMMISSION_BLOB_OFF_N + i] = (uint8_t)(n >> (8 * i));
    memcpy(blob + COMMISSION_BLOB_OFF_NONCE, nonce, COMMISSION_NONCE_LEN);
    memset(blob + COMMISSION_BLOB_OFF_IV, 0x5a, COMMISSION_BLOB_IV_LEN);
    blob[COMMISSION_BLOB_OFF_CT_LEN] = (uint8_t)len;
    blob[COMMISSION_BLOB_OFF_CT_LEN + 1] = (uint8_t)(len >> 8);
    mbedtls_gcm_init(&gcm);
    ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 128);
    if (!ret)
        ret = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len,
                                        blob + COMMISSION_BLOB_OFF_IV, COMMISSION_BLOB_IV_LEN,
                                        blob, COMMISSION_BLOB_HEADER, plain,
                                        blob + COMMISSION_BLOB_HEADER, COMMISSION_BLOB_TAG_LEN,
                                        blob + COMMISSION_BLOB_HEADER + len);
    mbedtls_gcm_free(&gcm);
    return ret ? 0 : COMMISSION_BLOB_HEADER + len + COMMISSION_BLOB_TAG_LEN;
}
