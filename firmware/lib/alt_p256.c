/* firmware/lib/alt_p256.c: P-256 ECDH and ECDSA for mbedTLS
 * (MBEDTLS_ECDH_GEN_PUBLIC_ALT, _COMPUTE_SHARED_ALT, MBEDTLS_ECDSA_SIGN_ALT,
 * _VERIFY_ALT) on the CRYPTO engine when this lamp has one, else mbedTLS's
 * own software (mbedtls/sw_ecdh.c, mbedtls/sw_ecdsa.c).  These four are
 * what a TLS handshake spends its time on.  Private scalars pass through
 * stack buffers that are wiped after use. */
#include "crypto_engine.h"
#include "hw.h"

#include "mbedtls/ecdh.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/platform_util.h"

#include <string.h>

int lamp_sw_ecdh_gen_public(mbedtls_ecp_group *grp, mbedtls_mpi *d, mbedtls_ecp_point *Q,
                            int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
int lamp_sw_ecdh_compute_shared(mbedtls_ecp_group *grp, mbedtls_mpi *z,
                                const mbedtls_ecp_point *Q, const mbedtls_mpi *d,
                                int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
int lamp_sw_ecdsa_sign(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
                       const mbedtls_mpi *d, const unsigned char *buf, size_t blen,
                       int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
int lamp_sw_ecdsa_verify(mbedtls_ecp_group *grp, const unsigned char *buf, size_t blen,
                         const mbedtls_ecp_point *Q, const mbedtls_mpi *r,
                         const mbedtls_mpi *s);

static bool use_engine(const mbedtls_ecp_group *grp)
{
    return grp->id == MBEDTLS_ECP_DP_SECP256R1 && crypto_engine_present();
}

/* An affine point as X||Y; fails for the point at infinity or a
 * coordinate wider than 32 bytes (the engine then never sees it). */
static int point_to_bytes(const mbedtls_ecp_point *P, uint8_t out[64])
{
    if (mbedtls_mpi_cmp_int(&P->Z, 1) != 0 || mbedtls_mpi_write_binary(&P->X, out, 32) ||
        mbedtls_mpi_write_binary(&P->Y, out + 32, 32))
        return MBEDTLS_ERR_ECP_INVALID_KEY;
    return 0;
}

static int engine_error(uint32_t err)
{
    return err == CRYPTO_ERR_INVALID ? MBEDTLS_ERR_ECP_INVALID_KEY : MBEDTLS_ERR_ECP_HW_ACCEL_FAILED;
}

int mbedtls_ecdh_gen_public(mbedtls_ecp_group *grp, mbedtls_mpi *d, mbedtls_ecp_point *Q,
                            int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    if (!use_engine(grp))
        return lamp_sw_ecdh_gen_public(grp, d, Q, f_rng, p_rng);
    uint8_t priv[32], q[64];
    int ret = mbedtls_ecp_gen_privkey(grp, d, f_rng, p_rng);
    if (!ret)
        ret = mbedtls_mpi_write_binary(d, priv, sizeof(priv));
    if (!ret) {
        struct crypto_desc dc = { .cmd = CRYPTO_CMD_P256_MUL_BASE,
                                  .args = { .dst = CRYPTO_BUF(q, 64), .key = CRYPTO_BUF(priv, 32) } };
        uint32_t err = crypto_engine_run(&dc, 1);
        ret = err ? engine_error(err) : 0;
    }
    mbedtls_platform_zeroize(priv, sizeof(priv));
    if (!ret)
        ret = mbedtls_mpi_read_binary(&Q->X, q, 32);
    if (!ret)
        ret = mbedtls_mpi_read_binary(&Q->Y, q + 32, 32);
    if (!ret)
        ret = mbedtls_mpi_lset(&Q->Z, 1);
    return ret;
}

int mbedtls_ecdh_compute_shared(mbedtls_ecp_group *grp, mbedtls_mpi *z,
                                const mbedtls_ecp_point *Q, const mbedtls_mpi *d,
                                int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    if (!use_engine(grp))
        return lamp_sw_ecdh_compute_shared(grp, z, Q, d, f_rng, p_rng);
    uint8_t priv[32], peer[64], x[32];
    int ret = point_to_bytes(Q, peer);
    if (!ret)
        ret = mbedtls_mpi_write_binary(d, priv, sizeof(priv)) ? MBEDTLS_ERR_ECP_INVALID_KEY : 0;
    if (!ret) {
        struct crypto_desc dc = { .cmd = CRYPTO_CMD_P256_ECDH,
                                  .args = { .src = CRYPTO_BUF(peer, 64), .dst = CRYPTO_BUF(x, 32),
                                            .key = CRYPTO_BUF(priv, 32) } };
        uint32_t err = crypto_engine_run(&dc, 1);
        ret = err ? engine_error(err) : mbedtls_mpi_read_binary(z, x, 32);
    }
    mbedtls_platform_zeroize(priv, sizeof(priv));
    mbedtls_platform_zeroize(x, sizeof(x));
    return ret;
}

int mbedtls_ecdsa_sign(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
                       const mbedtls_mpi *d, const unsigned char *buf, size_t blen,
                       int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    if (!use_engine(grp) || blen == 0 || blen > 64)
        return lamp_sw_ecdsa_sign(grp, r, s, d, buf, blen, f_rng, p_rng);
    uint8_t priv[32], hash[64], rs[64];
    int ret = mbedtls_mpi_write_binary(d, priv, sizeof(priv)) ? MBEDTLS_ERR_ECP_INVALID_KEY : 0;
    memcpy(hash, buf, blen);
    if (!ret) {
        /* The engine draws the nonce from its own entropy source. */
        struct crypto_desc dc = { .cmd = CRYPTO_CMD_P256_SIGN,
                                  .args = { .src = CRYPTO_BUF(hash, blen), .dst = CRYPTO_BUF(rs, 64),
                                            .key = CRYPTO_BUF(priv, 32) } };
        uint32_t err = crypto_engine_run(&dc, 1);
        ret = err ? engine_error(err) : 0;
    }
    mbedtls_platform_zeroize(priv, sizeof(priv));
    if (!ret)
        ret = mbedtls_mpi_read_binary(r, rs, 32);
    if (!ret)
        ret = mbedtls_mpi_read_binary(s, rs + 32, 32);
    return ret;
}

int mbedtls_ecdsa_verify(mbedtls_ecp_group *grp, const unsigned char *buf, size_t blen,
                         const mbedtls_ecp_point *Q, const mbedtls_mpi *r, const mbedtls_mpi *s)
{
    if (!use_engine(grp) || blen == 0 || blen > 64)
        return lamp_sw_ecdsa_verify(grp, buf, blen, Q, r, s);
    uint8_t pub[64], hash[64], rs[64];
    /* r or s wider than the group order is simply an invalid signature. */
    if (point_to_bytes(Q, pub) || mbedtls_mpi_write_binary(r, rs, 32) ||
        mbedtls_mpi_write_binary(s, rs + 32, 32))
        return MBEDTLS_ERR_ECP_VERIFY_FAILED;
    memcpy(hash, buf, blen);
    struct crypto_desc dc = { .cmd = CRYPTO_CMD_P256_VERIFY,
                              .args = { .src = CRYPTO_BUF(hash, blen), .key = CRYPTO_BUF(pub, 64),
                                        .aux = CRYPTO_BUF(rs, 64) } };
    uint32_t err = crypto_engine_run(&dc, 1);
    if (err)
        return err == CRYPTO_ERR_INVALID ? MBEDTLS_ERR_ECP_VERIFY_FAILED : engine_error(err);
    return dc.result == 1 ? 0 : MBEDTLS_ERR_ECP_VERIFY_FAILED;
}
