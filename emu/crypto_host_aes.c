/* emu/crypto_host_aes.c: the CRYPTO engine's AES modes on host OpenSSL 3
 * (EVP).  Setting a key up (provider context, key schedule) costs far more
 * than the block or two of a TLS handshake record, so each mode keeps its
 * context with the last key it was given and only resets the IV when the
 * next command brings the same key. */
#include "crypto_host.h"

#include <glib.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

/* A context and the key it holds (key_len 0: none). */
struct keyed_cipher {
    EVP_CIPHER_CTX *ctx;
    uint8_t key[32];
    size_t key_len;
};

struct crypto_host_aes {
    struct keyed_cipher ecb_enc, ecb_dec, ctr, gcm_seal, gcm_open;
};

enum { CIPHER_ECB, CIPHER_ECB256, CIPHER_CTR, CIPHER_GCM, CIPHER_COUNT };

/* Fetched once: an explicit fetch spares OpenSSL the implicit one at every
 * re-key, and fetched algorithms are immutable, so every machine's thread
 * may share them. */
static const EVP_CIPHER *cipher(int which)
{
    static const char *const names[CIPHER_COUNT] = { "AES-128-ECB", "AES-256-ECB",
                                                     "AES-128-CTR", "AES-128-GCM" };
    static EVP_CIPHER *fetched[CIPHER_COUNT];
    static gsize once;

    if (g_once_init_enter(&once)) {
        for (int i = 0; i < CIPHER_COUNT; i++)
            fetched[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
        g_once_init_leave(&once, 1);
    }
    return fetched[which];
}

struct crypto_host_aes *crypto_host_aes_new(void) { return g_new0(struct crypto_host_aes, 1); }

static void keyed_forget(struct keyed_cipher *k)
{
    OPENSSL_cleanse(k->key, sizeof(k->key));
    k->key_len = 0;
}

static void keyed_free(struct keyed_cipher *k)
{
    keyed_forget(k);
    EVP_CIPHER_CTX_free(k->ctx);
    k->ctx = NULL;
}

void crypto_host_aes_forget(struct crypto_host_aes *h)
{
    keyed_forget(&h->ecb_enc);
    keyed_forget(&h->ecb_dec);
    keyed_forget(&h->ctr);
    keyed_forget(&h->gcm_seal);
    keyed_forget(&h->gcm_open);
}

void crypto_host_aes_free(struct crypto_host_aes *h)
{
    if (!h)
        return;
    keyed_free(&h->ecb_enc);
    keyed_free(&h->ecb_dec);
    keyed_free(&h->ctr);
    keyed_free(&h->gcm_seal);
    keyed_free(&h->gcm_open);
    g_free(h);
}

/* k's context ready for a new message under key (and iv, NULL for ECB):
 * re-keyed only when the key changed.  NULL if OpenSSL failed. */
static EVP_CIPHER_CTX *keyed_ready(struct keyed_cipher *k, int which, const uint8_t *key,
                                   size_t key_len, const uint8_t *iv, int enc)
{
    if (!k->ctx && !(k->ctx = EVP_CIPHER_CTX_new()))
        return NULL;
    if (k->key_len == key_len && CRYPTO_memcmp(k->key, key, key_len) == 0) {
        /* ECB carries nothing from one command to the next (whole blocks,
         * no padding); the other modes restart at the new IV. */
        if (!iv)
            return k->ctx;
        return EVP_CipherInit_ex(k->ctx, NULL, NULL, NULL, iv, enc) ? k->ctx : NULL;
    }
    keyed_forget(k);
    if (!cipher(which) || !EVP_CipherInit_ex(k->ctx, cipher(which), NULL, key, iv, enc) ||
        !EVP_CIPHER_CTX_set_padding(k->ctx, 0))
        return NULL;
    memcpy(k->key, key, key_len);
    k->key_len = key_len;
    return k->ctx;
}

/* out NULL: in is GCM's associated data. */
static bool update(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t len)
{
    int outl = 0;
    return len == 0 || (len <= INT_MAX && EVP_CipherUpdate(c, out, &outl, in, (int)len) &&
                        (!out || (size_t)outl == len));
}

int crypto_host_aes_ecb(struct crypto_host_aes *h, bool encrypt, const uint8_t *key,
                        size_t key_len, const uint8_t *in, uint8_t *out, size_t len)
{
    EVP_CIPHER_CTX *c = keyed_ready(encrypt ? &h->ecb_enc : &h->ecb_dec,
                                    key_len == 32 ? CIPHER_ECB256 : CIPHER_ECB, key, key_len,
                                    NULL, encrypt ? 1 : 0);
    return c && update(c, out, in, len) ? CRYPTO_HOST_OK : CRYPTO_HOST_E_FAILED;
}

int crypto_host_aes128_ctr(struct crypto_host_aes *h, const uint8_t key[16], uint8_t ctr[16],
                           const uint8_t *in, uint8_t *out, size_t len)
{
    EVP_CIPHER_CTX *c = keyed_ready(&h->ctr, CIPHER_CTR, key, 16, ctr, 1);
    size_t blocks = (len + 15) / 16;
    bool ok = c && update(c, out, in, len);

    /* OpenSSL's CTR mode increments the whole block as one big-endian
     * number, as mbedtls_aes_crypt_ctr does. */
    for (int i = 15; i >= 0 && blocks; i--) {
        unsigned sum = ctr[i] + (unsigned)(blocks & 0xFF);
        ctr[i] = (uint8_t)sum;
        blocks = (blocks >> 8) + (sum >> 8);
    }
    return ok ? CRYPTO_HOST_OK : CRYPTO_HOST_E_FAILED;
}

int crypto_host_aes128_gcm_seal(struct crypto_host_aes *h, const uint8_t key[16],
                                const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                                const uint8_t *in, uint8_t *out, size_t len, uint8_t *tag,
                                size_t tag_len)
{
    EVP_CIPHER_CTX *c = keyed_ready(&h->gcm_seal, CIPHER_GCM, key, 16, iv, 1);
    uint8_t none[16]; /* GCM's final step writes no bytes */
    int outl = 0;

    if (!c || !update(c, NULL, aad, aad_len) || !update(c, out, in, len) ||
        !EVP_CipherFinal_ex(c, none, &outl) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, tag))
        return CRYPTO_HOST_E_FAILED;
    return CRYPTO_HOST_OK;
}

int crypto_host_aes128_gcm_open(struct crypto_host_aes *h, const uint8_t key[16],
                                const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                                const uint8_t *in, uint8_t *out, size_t len, const uint8_t *tag,
                                size_t tag_len, bool *valid)
{
    EVP_CIPHER_CTX *c = keyed_ready(&h->gcm_open, CIPHER_GCM, key, 16, iv, 0);
    uint8_t want[16], none[16];
    int outl = 0;

    *valid = false;
    /* Copied first: the guest may have put the tag where the plaintext goes. */
    memcpy(want, tag, tag_len);
    if (!c || !update(c, NULL, aad, aad_len) || !update(c, out, in, len) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, want))
        return CRYPTO_HOST_E_FAILED;
    *valid = EVP_CipherFinal_ex(c, none, &outl) > 0;
    if (!*valid)
        OPENSSL_cleanse(out, len);
    return CRYPTO_HOST_OK;
}
