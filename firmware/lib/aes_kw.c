/* firmware/lib/aes_kw.c: RFC 3394 key unwrap for n = 2 64-bit blocks,
 * written out here because mbedTLS's NIST_KW module needs its whole cipher
 * layer, too big for the 64 KiB bootloader. */
#include "aes_kw.h"

#include "mbedtls/aes.h"
#include "mbedtls/platform_util.h"

#include <string.h>

static const uint8_t default_iv[8] = { 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6 };

int aes_kw_unwrap128(const uint8_t kek[16], const uint8_t wrapped[24], uint8_t key[16])
{
    mbedtls_aes_context aes;
    uint8_t a[8], r[2][8], b[16];
    uint8_t diff = 0;
    int rc = -1;

    mbedtls_aes_init(&aes);
    if (mbedtls_aes_setkey_dec(&aes, kek, 128) != 0)
        goto out;
    memcpy(a, wrapped, 8);
    memcpy(r[0], wrapped + 8, 8);
    memcpy(r[1], wrapped + 16, 8);
    for (int j = 5; j >= 0; j--) {
        for (int i = 2; i >= 1; i--) {
            uint32_t t = (uint32_t)(2 * j + i);
            memcpy(b, a, 8);
            b[4] ^= (uint8_t)(t >> 24);
            b[5] ^= (uint8_t)(t >> 16);
            b[6] ^= (uint8_t)(t >> 8);
            b[7] ^= (uint8_t)t;
            memcpy(b + 8, r[i - 1], 8);
            if (mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_DECRYPT, b, b) != 0)
                goto out;
            memcpy(a, b, 8);
            memcpy(r[i - 1], b + 8, 8);
        }
    }
    for (int i = 0; i < 8; i++)
        diff |= a[i] ^ default_iv[i];
    if (diff == 0) {
        memcpy(key, r[0], 8);
        memcpy(key + 8, r[1], 8);
        rc = 0;
    }
out:
    mbedtls_platform_zeroize(r, sizeof(r));
    mbedtls_platform_zeroize(b, sizeof(b));
    mbedtls_aes_free(&aes);
    return rc;
}
