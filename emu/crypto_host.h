/* emu/crypto_host.h: the operations of the CRYPTO engine done on the host
 * with OpenSSL 3 (docs/hardware.md#crypto).  Byte strings are big-endian
 * as in SEC1 / PKCS#1; P-256 points are X||Y, 32 bytes each.  Each returns
 * 0 or a CRYPTO_HOST_E_* code. */
#ifndef LAMPSIM_EMU_CRYPTO_HOST_H
#define LAMPSIM_EMU_CRYPTO_HOST_H

#include "crypto_hw.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    CRYPTO_HOST_OK = 0,
    CRYPTO_HOST_E_INVALID = CRYPTO_ERR_INVALID, /* key, point or value out of range */
    CRYPTO_HOST_E_FAILED = CRYPTO_ERR_HOST,     /* the host library failed */
};

/* A source of nonce bytes (host entropy or the lamp's seeded stream). */
typedef void (*crypto_host_random_fn)(void *user, uint8_t *out, size_t len);

/* One engine's AES contexts (crypto_host_aes.c), each kept with the last
 * key it was set up with: TLS uses one key per direction for a whole
 * session, so a record costs no key schedule and no allocation.  Owned by
 * one machine, used from its thread only. */
struct crypto_host_aes;
struct crypto_host_aes *crypto_host_aes_new(void);
void crypto_host_aes_free(struct crypto_host_aes *h);
/* Drops the kept keys (engine reset). */
void crypto_host_aes_forget(struct crypto_host_aes *h);

/* in and out may be the same buffer, but must not overlap otherwise.
 * key_len 16 (AES-128) or 32 (AES-256). */
int crypto_host_aes_ecb(struct crypto_host_aes *h, bool encrypt, const uint8_t *key,
                        size_t key_len, const uint8_t *in, uint8_t *out, size_t len);
/* AES-128-CTR over len bytes; ctr (a big-endian 128-bit counter block) is
 * advanced by the blocks used, a partial last block counting as one. */
int crypto_host_aes128_ctr(struct crypto_host_aes *h, const uint8_t key[16], uint8_t ctr[16],
                           const uint8_t *in, uint8_t *out, size_t len);
/* AES-128-GCM with a 96-bit IV (SP 800-38D); tag_len 4 to 16.  Open sets
 * *valid, and on a mismatch leaves out zeroed (no unauthenticated
 * plaintext leaves the engine). */
int crypto_host_aes128_gcm_seal(struct crypto_host_aes *h, const uint8_t key[16],
                                const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                                const uint8_t *in, uint8_t *out, size_t len, uint8_t *tag,
                                size_t tag_len);
int crypto_host_aes128_gcm_open(struct crypto_host_aes *h, const uint8_t key[16],
                                const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                                const uint8_t *in, uint8_t *out, size_t len, const uint8_t *tag,
                                size_t tag_len, bool *valid);

/* SHA-256 compression of nblocks 64-byte blocks into state[8]
 * (crypto_host_sha256.c): the host's SHA instructions when it has them,
 * else the portable C, which tests check on every host. */
void crypto_host_sha256_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks);
void crypto_host_sha256_compress_portable(uint32_t state[8], const uint8_t *blocks,
                                          size_t nblocks);

int crypto_host_p256_mul_base(const uint8_t d[32], uint8_t q[64]);
int crypto_host_p256_ecdh(const uint8_t d[32], const uint8_t peer[64], uint8_t x[32]);
int crypto_host_p256_sign(const uint8_t d[32], const uint8_t *hash, size_t hash_len,
                          crypto_host_random_fn rnd, void *user, uint8_t rs[64]);
/* *valid is set when the call returns 0. */
int crypto_host_p256_verify(const uint8_t q[64], const uint8_t *hash, size_t hash_len,
                            const uint8_t rs[64], bool *valid);
/* out = in^e mod n, all len bytes except e (e_len bytes). */
int crypto_host_rsa_public(const uint8_t *n, size_t len, const uint8_t *e, size_t e_len,
                           const uint8_t *in, uint8_t *out);

#endif
