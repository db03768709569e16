/* firmware/mbedtls/gcm_alt.h: the GCM context of lib/alt_gcm.c
 * (MBEDTLS_GCM_ALT; mbedtls/gcm.h includes this file).  A whole-message
 * call (a TLS record) goes to the CRYPTO engine with the key kept here;
 * everything else runs mbedTLS's own GCM (mbedtls/sw_gcm.c) on the
 * context embedded at the end, whose size sw_gcm.c checks at compile
 * time. */
#ifndef LAMP_GCM_ALT_H
#define LAMP_GCM_ALT_H

#include <stdint.h>

#define LAMP_SW_GCM_CONTEXT_SIZE 384u /* >= sizeof mbedTLS's own GCM context (2.28: 384) */

typedef struct mbedtls_gcm_context {
    unsigned char key[16]; /* AES-128 key for the engine (engine set) */
    int engine;            /* whole-message calls may go to the engine */
    int sw_keyed;          /* sw holds the key (set up on its first use) */
    uint64_t sw[LAMP_SW_GCM_CONTEXT_SIZE / 8];
} mbedtls_gcm_context;

#endif
