/* firmware/lib/pss_engine.c: see pss_engine.h.  Every check of
 * EMSA-PSS-VERIFY is made, in the RFC's order; any failure is "invalid". */
#include "pss_engine.h"

#include "crypto_engine.h"
#include "hw.h"

#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

#include <string.h>

#define HLEN 32u
#define SLEN 32u
#define EM_MAX 512u

/* mask ^= MGF1-SHA-256(seed)[0..len) */
static void mgf1_xor(const uint8_t seed[HLEN], uint8_t *mask, size_t len)
{
    uint8_t block[HLEN + 4], out[HLEN];

    memcpy(block, seed, HLEN);
    for (uint32_t counter = 0; len; counter++) {
        size_t n = len < HLEN ? len : HLEN;
        block[HLEN] = (uint8_t)(counter >> 24);
        block[HLEN + 1] = (uint8_t)(counter >> 16);
        block[HLEN + 2] = (uint8_t)(counter >> 8);
        block[HLEN + 3] = (uint8_t)counter;
        mbedtls_sha256_ret(block, sizeof(block), out, 0);
        for (size_t i = 0; i < n; i++)
            mask[i] ^= out[i];
        mask += n;
        len -= n;
    }
}

bool pss_engine_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                       const uint8_t digest[32], const uint8_t *sig)
{
    /* The engine reads SRAM only: the key sits in flash (keystore) and
     * the signature maybe too. */
    static uint8_t mod[EM_MAX], s[EM_MAX], em[EM_MAX];
    uint8_t exp[8], mprime[8 + HLEN + SLEN], h2[HLEN];
    size_t em_len = n_len, db_len, ps_len;
    uint8_t *db, *h;

    if (n_len != EM_MAX || e_len == 0 || e_len > sizeof(exp) || (n[0] & 0x80) == 0)
        return false;
    memcpy(mod, n, n_len);
    memcpy(s, sig, n_len);
    memcpy(exp, e, e_len);
    struct crypto_desc d = { .cmd = CRYPTO_CMD_RSA_PUBLIC,
                             .args = { .src = CRYPTO_BUF(s, n_len), .dst = CRYPTO_BUF(em, n_len),
                                       .key = CRYPTO_BUF(mod, n_len), .aux = CRYPTO_BUF(exp, e_len) } };
    /* RSAVP1: s must be below n (the engine refuses it otherwise). */
    if (crypto_engine_run(&d, 1) != 0)
        return false;
    /* modBits = 4096, emBits = 4095: EM is n_len bytes and its top bit is
     * zero. */
    if (em[0] & 0x80)
        return false;
    if (em[em_len - 1] != 0xBC)
        return false;
    db_len = em_len - HLEN - 1;
    db = em;
    h = em + db_len;
    mgf1_xor(h, db, db_len);
    db[0] &= 0x7F;
    ps_len = em_len - HLEN - SLEN - 2;
    for (size_t i = 0; i < ps_len; i++)
        if (db[i] != 0)
            return false;
    if (db[ps_len] != 0x01)
        return false;
    memset(mprime, 0, 8);
    memcpy(mprime + 8, digest, HLEN);
    memcpy(mprime + 8 + HLEN, db + db_len - SLEN, SLEN);
    mbedtls_sha256_ret(mprime, sizeof(mprime), h2, 0);
    bool ok = memcmp(h, h2, HLEN) == 0;
    mbedtls_platform_zeroize(em, sizeof(em));
    return ok;
}
