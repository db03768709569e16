/* firmware/app/commission_blob.c: see commission_blob.h. */
#include "commission_blob.h"

#include "commission_format.h"

#include "mbedtls/gcm.h"
#include "mbedtls/platform_util.h"

#include <string.h>

static const struct commission_refusal
    truncated_header = { "truncated", "shorter than the header" },
    not_a_blob = { "malformed", "not a credentials blob" },
    bad_length = { "malformed", "bad length" },
    truncated_body = { "truncated", "shorter than its ciphertext and tag" },
    too_long = { "malformed", "longer than its ciphertext and tag" },
    other_lamp = { "other-lamp", "made for another lamp" },
    replayed = { "replayed", "this blob was already used" },
    stale = { "stale", "made under an old key" },
    future = { "future", "made under a key the lamp has not reached" },
    wrong_nonce = { "nonce", "not made for this connection (read lamp info again)" },
    forged = { "forged", "the tag does not verify" },
    bad_content = { "content", "not a valid SSID and passphrase" };

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const struct commission_refusal *commission_blob_check(const uint8_t *blob, size_t len,
                                                       const uint8_t *serial16, uint32_t *ct_len)
{
    uint32_t l;
    bool magic_ok;

    if (len < COMMISSION_BLOB_HEADER)
        return &truncated_header;
    l = blob[COMMISSION_BLOB_OFF_CT_LEN] | (uint32_t)blob[COMMISSION_BLOB_OFF_CT_LEN + 1] << 8;
    magic_ok = memcmp(blob, COMMISSION_BLOB_MAGIC, COMMISSION_BLOB_MAGIC_LEN) == 0;
    if (!magic_ok)
        return &not_a_blob;
    if (l < 1 || l > COMMISSION_BLOB_MAX_CT)
        return &bad_length;
    if (len < COMMISSION_BLOB_HEADER + l + COMMISSION_BLOB_TAG_LEN)
        return &truncated_body;
    if (len > COMMISSION_BLOB_HEADER + l + COMMISSION_BLOB_TAG_LEN)
        return &too_long;
    if (memcmp(blob + COMMISSION_BLOB_OFF_SERIAL, serial16, COMMISSION_SERIAL16) != 0)
        return &other_lamp;
    *ct_len = l;
    return NULL;
}

const struct commission_refusal *commission_blob_open(const uint8_t *blob, uint32_t ct_len,
                                                      uint32_t n, const uint8_t key[16],
                                                      const uint8_t *nonce,
                                                      struct wifi_creds *c)
{
    uint8_t plain[COMMISSION_BLOB_MAX_CT];
    uint32_t blob_n = get_le32(blob + COMMISSION_BLOB_OFF_N);
    const struct commission_refusal *why = NULL;
    mbedtls_gcm_context gcm;
    int ret;

    if (blob_n < n)
        return blob_n + 1 == n ? &replayed : &stale;
    if (blob_n > n)
        return &future;
    if (memcmp(blob + COMMISSION_BLOB_OFF_NONCE, nonce, COMMISSION_NONCE_LEN) != 0)
        return &wrong_nonce;
    mbedtls_gcm_init(&gcm);
    ret = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 128);
    if (!ret)
        ret = mbedtls_gcm_auth_decrypt(&gcm, ct_len, blob + COMMISSION_BLOB_OFF_IV,
                                       COMMISSION_BLOB_IV_LEN, blob, COMMISSION_BLOB_HEADER,
                                       blob + COMMISSION_BLOB_HEADER + ct_len,
                                       COMMISSION_BLOB_TAG_LEN, blob + COMMISSION_BLOB_HEADER, plain);
    mbedtls_gcm_free(&gcm);
    if (ret)
        why = &forged;
    else if (!commission_parse_tlvs(plain, ct_len, c))
        why = &bad_content;
    mbedtls_platform_zeroize(plain, sizeof(plain));
    return why;
}

bool commission_parse_tlvs(const uint8_t *p, size_t len, struct wifi_creds *c)
{
    unsigned seen = 0;

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < len;) {
        uint8_t type, l;
        char *dst;
        size_t min, max;
        if (i + 2 > len)
            return false;
        type = p[i], l = p[i + 1];
        if (i + 2u + l > len || type < COMMISSION_TLV_SSID || type > COMMISSION_TLV_PROXY ||
            (seen & (1u << type)))
            return false;
        seen |= 1u << type;
        switch (type) {
        case COMMISSION_TLV_SSID:
            dst = c->ssid, min = 1, max = COMMISSION_SSID_MAX;
            break;
        case COMMISSION_TLV_PASSPHRASE:
            dst = c->passphrase, min = COMMISSION_PASSPHRASE_MIN, max = COMMISSION_PASSPHRASE_MAX;
            break;
        default:
            dst = c->proxy, min = 0, max = COMMISSION_PROXY_MAX;
            break;
        }
        if (l < min || l > max || memchr(p + i + 2, 0, l))
            return false;
        memcpy(dst, p + i + 2, l);
        i += 2u + l;
    }
    return (seen & (1u << COMMISSION_TLV_SSID | 1u << COMMISSION_TLV_PASSPHRASE)) ==
           (1u << COMMISSION_TLV_SSID | 1u << COMMISSION_TLV_PASSPHRASE);
}
