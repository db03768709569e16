/* emu/crypto_host.c: the CRYPTO engine's public-key arithmetic on the
 * host: P-256 and RSA with OpenSSL 3's EC_POINT and BIGNUM (none of them
 * deprecated).  AES is in crypto_host_aes.c, SHA-256 in
 * crypto_host_sha256.c. */
#include "crypto_host.h"

#include <glib.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <string.h>

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
