/* tools/lampcloud/commission_blob.c: see commission_blob.h.  Byte layouts
 * are docs/commissioning.md's tables: lamp info and credentials blob. */
#include "commission_blob.h"
#include "factory.h"
#include "lampcloud.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <string.h>

/* factory_set_openssl_error, as a value for `return ok || ...` */
static bool openssl_fail(GError **error, const char *what)
{
    factory_set_openssl_error(error, what);
    return false;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

bool commission_key_next(const uint8_t key[COMMISSION_KEY_LEN], uint32_t n,
                         uint8_t next[COMMISSION_KEY_LEN], GError **error)
{
    /* RFC 5869 with the salt absent: OpenSSL then uses HashLen zero bytes. */
    uint8_t info[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, COMMISSION_KEY_LEN),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info)),
        OSSL_PARAM_construct_end(),
    };
    bool ok = ctx && EVP_KDF_derive(ctx, next, COMMISSION_KEY_LEN, params) == 1;

    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok || openssl_fail(error, "HKDF-SHA256 for the next commissioning key");
}

bool commission_key_derive(const uint8_t key[COMMISSION_KEY_LEN], uint32_t from, uint32_t to,
                           uint8_t out[COMMISSION_KEY_LEN], GError **error)
{
    uint8_t k[COMMISSION_KEY_LEN];
    bool ok = true;

    g_return_val_if_fail(to >= from, false);
    memcpy(k, key, sizeof(k));
    for (uint32_t n = from; ok && n < to; n++)
        ok = commission_key_next(k, n, k, error);
    if (ok)
        memcpy(out, k, sizeof(k));
    OPENSSL_cleanse(k, sizeof(k));
    return ok;
}

/* serial16: the ASCII serial, NUL padded. */
static bool serial16(const char *serial, uint8_t out[COMMISSION_SERIAL16], GError **error)
{
    size_t len = strlen(serial);

    if (len < 1 || len > COMMISSION_SERIAL16) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "serial '%s': 1 to %d characters", serial, COMMISSION_SERIAL16);
        return false;
    }
    memset(out, 0, COMMISSION_SERIAL16);
    memcpy(out, serial, len);
    return true;
}

bool commission_info_head(uint8_t flags, const char *serial, uint32_t n,
                          const uint8_t nonce[COMMISSION_NONCE_LEN],
                          uint8_t out[COMMISSION_INFO_PROVED], GError **error)
{
    memset(out, 0, COMMISSION_INFO_PROVED);
    out[COMMISSION_INFO_OFF_VERSION] = COMMISSION_INFO_VERSION;
    out[COMMISSION_INFO_OFF_FLAGS] = flags;
    if (!serial16(serial, out + COMMISSION_INFO_OFF_SERIAL, error))
        return false;
    put_le32(out + COMMISSION_INFO_OFF_N, n);
    memcpy(out + COMMISSION_INFO_OFF_NONCE, nonce, COMMISSION_NONCE_LEN);
    return true;
}

bool commission_info_proof(const uint8_t key[COMMISSION_KEY_LEN],
                           const uint8_t head[COMMISSION_INFO_PROVED],
                           uint8_t proof[COMMISSION_PROOF_LEN], GError **error)
{
    uint8_t msg[COMMISSION_INFO_PROOF_LABEL_LEN + COMMISSION_INFO_PROVED], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    memcpy(msg, COMMISSION_INFO_PROOF_LABEL, COMMISSION_INFO_PROOF_LABEL_LEN);
    memcpy(msg + COMMISSION_INFO_PROOF_LABEL_LEN, head, COMMISSION_INFO_PROVED);
    if (!HMAC(EVP_sha256(), key, COMMISSION_KEY_LEN, msg, sizeof(msg), mac, &mac_len) ||
        mac_len < COMMISSION_PROOF_LEN)
        return openssl_fail(error, "HMAC-SHA256 of the lamp info");
    memcpy(proof, mac, COMMISSION_PROOF_LEN);
    return true;
}

bool commission_info_proof_ok(const uint8_t key[COMMISSION_KEY_LEN],
                              const uint8_t head[COMMISSION_INFO_PROVED],
                              const uint8_t proof[COMMISSION_PROOF_LEN])
{
    uint8_t want[COMMISSION_PROOF_LEN];

    return commission_info_proof(key, head, want, NULL) &&
           CRYPTO_memcmp(want, proof, COMMISSION_PROOF_LEN) == 0;
}

static bool add_tlv(GByteArray *out, uint8_t type, const char *name, const char *value,
                    size_t min, size_t max, GError **error)
{
    size_t len = strlen(value);
    uint8_t head[2] = { type, (uint8_t)len };

    if (len < min || len > max) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "%s: %zu bytes; it must be %zu to %zu bytes", name, len, min, max);
        return false;
    }
    g_byte_array_append(out, head, sizeof(head));
    g_byte_array_append(out, (const uint8_t *)value, (guint)len);
    return true;
}

/* "host:port", port 1..65535: what the lamp's network module can dial. */
static bool proxy_ok(const char *proxy, GError **error)
{
    const char *colon = strrchr(proxy, ':');
    guint64 port = 0;

    if (!*proxy)
        return true;
    if (colon && colon > proxy &&
        g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL))
        return true;
    g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                "proxy '%s': expected host:port with a port of 1 to 65535", proxy);
    return false;
}

GBytes *commission_tlvs(const struct commission_wifi *wifi, GError **error)
{
    g_autoptr(GByteArray) out = g_byte_array_new();

    if (!wifi->ssid || !wifi->passphrase) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "the SSID and the passphrase are required");
        return NULL;
    }
    if (!add_tlv(out, COMMISSION_TLV_SSID, "ssid", wifi->ssid, 1, COMMISSION_SSID_MAX, error) ||
        !add_tlv(out, COMMISSION_TLV_PASSPHRASE, "passphrase", wifi->passphrase,
                 COMMISSION_PASSPHRASE_MIN, COMMISSION_PASSPHRASE_MAX, error) ||
        (wifi->proxy && (!add_tlv(out, COMMISSION_TLV_PROXY, "proxy", wifi->proxy, 0,
                                  COMMISSION_PROXY_MAX, error) ||
                         !proxy_ok(wifi->proxy, error))))
        return NULL;
    /* the largest (2+32 + 2+63 + 2+63 bytes) fits L's 200 */
    G_STATIC_ASSERT(2 + COMMISSION_SSID_MAX + 2 + COMMISSION_PASSPHRASE_MAX + 2 + COMMISSION_PROXY_MAX <=
                    COMMISSION_BLOB_MAX_CT);
    return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static bool gcm_seal(const uint8_t key[COMMISSION_KEY_LEN], const uint8_t *iv,
                     const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
                     uint8_t *ct, uint8_t *tag, GError **error)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl = 0, fin = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, COMMISSION_BLOB_IV_LEN, NULL) == 1 &&
              EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) == 1 &&
              EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1 &&
              EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)len) == 1 &&
              EVP_EncryptFinal_ex(ctx, ct + outl, &fin) == 1 &&
              (size_t)(outl + fin) == len &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, COMMISSION_BLOB_TAG_LEN, tag) == 1;

    EVP_CIPHER_CTX_free(ctx);
    return ok || openssl_fail(error, "AES-128-GCM of the credentials");
}

GBytes *commission_blob_build(const uint8_t key[COMMISSION_KEY_LEN], const char *serial,
                              uint32_t n, const uint8_t nonce[COMMISSION_NONCE_LEN],
                              const struct commission_wifi *wifi, GError **error)
{
    g_autoptr(GBytes) pt = commission_tlvs(wifi, error);
    uint8_t *blob, *iv;
    size_t len, total;

    if (!pt)
        return NULL;
    len = g_bytes_get_size(pt);
    total = COMMISSION_BLOB_HEADER + len + COMMISSION_BLOB_TAG_LEN;
    blob = g_malloc0(total);
    memcpy(blob, COMMISSION_BLOB_MAGIC, COMMISSION_BLOB_MAGIC_LEN);
    iv = blob + COMMISSION_BLOB_OFF_IV;
    if (!serial16(serial, blob + COMMISSION_BLOB_OFF_SERIAL, error))
        goto fail;
    put_le32(blob + COMMISSION_BLOB_OFF_N, n);
    memcpy(blob + COMMISSION_BLOB_OFF_NONCE, nonce, COMMISSION_NONCE_LEN);
    if (RAND_bytes(iv, COMMISSION_BLOB_IV_LEN) != 1) {
        openssl_fail(error, "drawing the blob's IV");
        goto fail;
    }
    blob[COMMISSION_BLOB_OFF_CT_LEN] = (uint8_t)len;
    blob[COMMISSION_BLOB_OFF_CT_LEN + 1] = (uint8_t)(len >> 8);
    if (!gcm_seal(key, iv, blob, COMMISSION_BLOB_HEADER, g_bytes_get_data(pt, NULL), len,
                  blob + COMMISSION_BLOB_HEADER, blob + COMMISSION_BLOB_HEADER + len, error))
        goto fail;
    return g_bytes_new_take(blob, total);
fail:
    g_free(blob);
    return NULL;
}
