/* emu/crypto_host.c: the CRYPTO engine's arithmetic on the host.  AES and
 * the P-256 / RSA big-number work are OpenSSL 3 (EVP, EC_POINT, BIGNUM:
 * none of them deprecated); the SHA-256 compression function is written out
 * here because OpenSSL 3 only offers it through the deprecated
 * SHA256_Transform, and the engine must continue from a state the firmware
 * holds. */
#include "crypto_host.h"

#include <glib.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <string.h>

int crypto_host_aes128_ecb(bool encrypt, const uint8_t key[16], const uint8_t *in,
                           uint8_t *out, size_t len)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0, ok;

    if (!c)
        return CRYPTO_HOST_E_FAILED;
    ok = EVP_CipherInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL, encrypt ? 1 : 0) &&
         EVP_CIPHER_CTX_set_padding(c, 0) &&
         EVP_CipherUpdate(c, out, &outl, in, (int)len) && (size_t)outl == len;
    EVP_CIPHER_CTX_free(c);
    return ok ? CRYPTO_HOST_OK : CRYPTO_HOST_E_FAILED;
}

int crypto_host_aes128_ctr(const uint8_t key[16], uint8_t ctr[16], const uint8_t *in,
                           uint8_t *out, size_t len)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0, ok;
    size_t blocks = (len + 15) / 16;

    if (!c)
        return CRYPTO_HOST_E_FAILED;
    ok = EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, ctr) &&
         EVP_EncryptUpdate(c, out, &outl, in, (int)len) && (size_t)outl == len;
    EVP_CIPHER_CTX_free(c);
    /* OpenSSL's CTR mode increments the whole block as one big-endian
     * number, as mbedtls_aes_crypt_ctr does. */
    for (int i = 15; i >= 0 && blocks; i--) {
        unsigned sum = ctr[i] + (unsigned)(blocks & 0xFF);
        ctr[i] = (uint8_t)sum;
        blocks = (blocks >> 8) + (sum >> 8);
    }
    return ok ? CRYPTO_HOST_OK : CRYPTO_HOST_E_FAILED;
}

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

void crypto_host_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
    for (size_t b = 0; b < nblocks; b++, blocks += 64) {
        uint32_t w[64], v[8];

        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)blocks[4 * i] << 24 | (uint32_t)blocks[4 * i + 1] << 16 |
                   (uint32_t)blocks[4 * i + 2] << 8 | blocks[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        memcpy(v, state, sizeof(v));
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
                          ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
            uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
                          ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
            memmove(v + 1, v, 7 * sizeof(v[0]));
            v[4] += t1;
            v[0] = t1 + t2;
        }
        for (int i = 0; i < 8; i++)
            state[i] += v[i];
    }
}

/* P-256 and a BN_CTX, created once; lampsim runs every lamp on one thread. */
static EC_GROUP *p256(void)
{
    static EC_GROUP *group;
    if (g_once_init_enter(&group))
        g_once_init_leave(&group, EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
    return group;
}

struct p256_work {
    BN_CTX *bn;
    EC_POINT *pt;
    BIGNUM *a, *b, *c, *d;
};

static bool work_init(struct p256_work *w)
{
    memset(w, 0, sizeof(*w));
    if (!p256() || !(w->bn = BN_CTX_new()) || !(w->pt = EC_POINT_new(p256())))
        return false;
    BN_CTX_start(w->bn);
    w->a = BN_CTX_get(w->bn);
    w->b = BN_CTX_get(w->bn);
    w->c = BN_CTX_get(w->bn);
    w->d = BN_CTX_get(w->bn);
    return w->d != NULL;
}

static void work_done(struct p256_work *w)
{
    if (w->bn) {
        BN_CTX_end(w->bn);
        BN_CTX_free(w->bn);
    }
    EC_POINT_free(w->pt);
}

static const BIGNUM *order(void) { return EC_GROUP_get0_order(p256()); }

/* A scalar from 32 big-endian bytes, in [1, n-1]. */
static bool scalar_in_range(BIGNUM *x, const uint8_t bytes[32])
{
    return BN_bin2bn(bytes, 32, x) && !BN_is_zero(x) && BN_cmp(x, order()) < 0;
}

static bool point_from_bytes(struct p256_work *w, EC_POINT *pt, const uint8_t q[64])
{
    return BN_bin2bn(q, 32, w->a) && BN_bin2bn(q + 32, 32, w->b) &&
           EC_POINT_set_affine_coordinates(p256(), pt, w->a, w->b, w->bn) &&
           EC_POINT_is_on_curve(p256(), pt, w->bn) == 1;
}

/* The hash as an integer mod n (SEC1 4.1.3 step 5: the leftmost 256 bits). */
static bool hash_to_int(BIGNUM *e, const uint8_t *hash, size_t len, BN_CTX *bn)
{
    return BN_bin2bn(hash, (int)(len > 32 ? 32 : len), e) && BN_nnmod(e, e, order(), bn);
}

int crypto_host_p256_mul_base(const uint8_t d[32], uint8_t q[64])
{
    struct p256_work w;
    int rc = CRYPTO_HOST_E_FAILED;

    if (!work_init(&w))
        goto out;
    if (!scalar_in_range(w.a, d)) {
        rc = CRYPTO_HOST_E_INVALID;
        goto out;
    }
    if (EC_POINT_mul(p256(), w.pt, w.a, NULL, NULL, w.bn) &&
        EC_POINT_get_affine_coordinates(p256(), w.pt, w.b, w.c, w.bn) &&
        BN_bn2binpad(w.b, q, 32) == 32 && BN_bn2binpad(w.c, q + 32, 32) == 32)
        rc = CRYPTO_HOST_OK;
out:
    work_done(&w);
    return rc;
}

int crypto_host_p256_ecdh(const uint8_t d[32], const uint8_t peer[64], uint8_t x[32])
{
    struct p256_work w;
    EC_POINT *r = NULL;
    int rc = CRYPTO_HOST_E_FAILED;

    if (!work_init(&w) || !(r = EC_POINT_new(p256())))
        goto out;
    if (!scalar_in_range(w.c, d) || !point_from_bytes(&w, w.pt, peer)) {
        rc = CRYPTO_HOST_E_INVALID;
        goto out;
    }
    if (EC_POINT_mul(p256(), r, NULL, w.pt, w.c, w.bn) && !EC_POINT_is_at_infinity(p256(), r) &&
        EC_POINT_get_affine_coordinates(p256(), r, w.a, NULL, w.bn) &&
        BN_bn2binpad(w.a, x, 32) == 32)
        rc = CRYPTO_HOST_OK;
out:
    EC_POINT_free(r);
    work_done(&w);
    return rc;
}

int crypto_host_p256_sign(const uint8_t d[32], const uint8_t *hash, size_t hash_len,
                          crypto_host_random_fn rnd, void *user, uint8_t rs[64])
{
    struct p256_work w;
    BIGNUM *k, *r, *s;
    int rc = CRYPTO_HOST_E_FAILED;

    if (!work_init(&w) || !(k = BN_CTX_get(w.bn)) || !(r = BN_CTX_get(w.bn)) ||
        !(s = BN_CTX_get(w.bn)))
        goto out;
    if (!scalar_in_range(w.d, d)) {
        rc = CRYPTO_HOST_E_INVALID;
        goto out;
    }
    if (!hash_to_int(w.a, hash, hash_len, w.bn))
        goto out;
    BN_set_flags(k, BN_FLG_CONSTTIME);
    for (int tries = 0; tries < 16; tries++) {
        /* 64 bits more than n so that k mod n is unbiased enough. */
        uint8_t kb[40];
        rnd(user, kb, sizeof(kb));
        if (!BN_bin2bn(kb, sizeof(kb), k) || !BN_nnmod(k, k, order(), w.bn))
            goto out;
        if (BN_is_zero(k))
            continue;
        if (!EC_POINT_mul(p256(), w.pt, k, NULL, NULL, w.bn) ||
            !EC_POINT_get_affine_coordinates(p256(), w.pt, w.b, NULL, w.bn) ||
            !BN_nnmod(r, w.b, order(), w.bn))
            goto out;
        if (BN_is_zero(r))
            continue;
        /* s = k^-1 (e + r d) mod n */
        if (!BN_mod_mul(w.c, r, w.d, order(), w.bn) ||
            !BN_mod_add(w.c, w.c, w.a, order(), w.bn) ||
            !BN_mod_inverse(w.b, k, order(), w.bn) ||
            !BN_mod_mul(s, w.b, w.c, order(), w.bn))
            goto out;
        if (BN_is_zero(s))
            continue;
        if (BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32)
            rc = CRYPTO_HOST_OK;
        goto out;
    }
out:
    work_done(&w);
    return rc;
}

int crypto_host_p256_verify(const uint8_t q[64], const uint8_t *hash, size_t hash_len,
                            const uint8_t rs[64], bool *valid)
{
    struct p256_work w;
    EC_POINT *pub = NULL;
    BIGNUM *r, *s;
    int rc = CRYPTO_HOST_E_FAILED;

    *valid = false;
    if (!work_init(&w) || !(pub = EC_POINT_new(p256())) || !(r = BN_CTX_get(w.bn)) ||
        !(s = BN_CTX_get(w.bn)))
        goto out;
    if (!point_from_bytes(&w, pub, q)) {
        rc = CRYPTO_HOST_E_INVALID;
        goto out;
    }
    rc = CRYPTO_HOST_OK;
    if (!scalar_in_range(r, rs) || !scalar_in_range(s, rs + 32))
        goto out; /* a signature out of range is invalid, not an error */
    rc = CRYPTO_HOST_E_FAILED;
    /* u1 = e s^-1, u2 = r s^-1; valid if (u1 G + u2 Q).x mod n == r */
    if (!hash_to_int(w.a, hash, hash_len, w.bn) || !BN_mod_inverse(w.b, s, order(), w.bn) ||
        !BN_mod_mul(w.c, w.a, w.b, order(), w.bn) || !BN_mod_mul(w.d, r, w.b, order(), w.bn) ||
        !EC_POINT_mul(p256(), w.pt, w.c, pub, w.d, w.bn))
        goto out;
    rc = CRYPTO_HOST_OK;
    if (EC_POINT_is_at_infinity(p256(), w.pt))
        goto out;
    if (!EC_POINT_get_affine_coordinates(p256(), w.pt, w.a, NULL, w.bn) ||
        !BN_nnmod(w.a, w.a, order(), w.bn)) {
        rc = CRYPTO_HOST_E_FAILED;
        goto out;
    }
    *valid = BN_cmp(w.a, r) == 0;
out:
    EC_POINT_free(pub);
    work_done(&w);
    return rc;
}

int crypto_host_rsa_public(const uint8_t *n, size_t len, const uint8_t *e, size_t e_len,
                           const uint8_t *in, uint8_t *out)
{
    BN_CTX *bn = BN_CTX_new();
    BIGNUM *bn_n = BN_bin2bn(n, (int)len, NULL), *bn_e = BN_bin2bn(e, (int)e_len, NULL);
    BIGNUM *x = BN_bin2bn(in, (int)len, NULL), *y = BN_new();
    int rc = CRYPTO_HOST_E_FAILED;

    if (!bn || !bn_n || !bn_e || !x || !y)
        goto out;
    if (!BN_is_odd(bn_n) || BN_is_zero(bn_e) || BN_cmp(x, bn_n) >= 0) {
        rc = CRYPTO_HOST_E_INVALID;
        goto out;
    }
    if (BN_mod_exp(y, x, bn_e, bn_n, bn) && BN_bn2binpad(y, out, (int)len) == (int)len)
        rc = CRYPTO_HOST_OK;
out:
    BN_free(bn_n);
    BN_free(bn_e);
    BN_free(x);
    BN_free(y);
    BN_CTX_free(bn);
    return rc;
}
