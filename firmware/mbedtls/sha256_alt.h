/* firmware/mbedtls/sha256_alt.h: the SHA-256 context of lib/alt_sha256.c
 * (MBEDTLS_SHA256_ALT; mbedtls/sha256.h includes this file).  Unlike
 * mbedTLS's own it holds back up to SHA256_ALT_HOLD bytes: the many small
 * updates of a TLS handshake (HMAC pads, the PRF's label and seed, the
 * handshake transcript) then reach the engine as one command at the next
 * update that overflows, or at finish. */
#ifndef LAMP_SHA256_ALT_H
#define LAMP_SHA256_ALT_H

#include <stdint.h>

#define SHA256_ALT_HOLD 192u /* bytes held back at most between calls */

typedef struct mbedtls_sha256_context {
    uint32_t state[8]; /* in CPU word order: the engine's KEY buffer */
    uint64_t total;    /* bytes hashed so far */
    uint32_t held;     /* bytes in buf not compressed yet */
    int is224;
    int engine;        /* compressions go to the CRYPTO engine (set at start) */
    /* held bytes, and room for finish's padding after the most held */
    unsigned char buf[SHA256_ALT_HOLD + 64];
} mbedtls_sha256_context;

#endif
