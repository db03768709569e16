/* firmware/mbedtls/lamp_mbedtls_config.h: the mbedTLS 2.28 features the lamp
 * firmware uses (MBEDTLS_CONFIG_FILE).  mbedTLS itself is not in this
 * repository: tools/fetch_third_party.sh unpacks Debian's source package
 * into third_party/mbedtls.  Everything not listed here is off. */
#ifndef LAMP_MBEDTLS_CONFIG_H
#define LAMP_MBEDTLS_CONFIG_H

/* Platform: no OS, no filesystem, no libc heap.  Allocations come from a
 * static arena (mbedtls_memory_buffer_alloc_init) so their bound is known. */
#define MBEDTLS_HAVE_ASM            /* UMAAL bignum inner loops on the M4 */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS /* no libc heap, stdio or exit */
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* The arena allocator exits on heap corruption: report it and reset. */
void lamp_mbedtls_exit(int status);
#define MBEDTLS_PLATFORM_EXIT_MACRO lamp_mbedtls_exit

/* Update images: SHA-256, AES-128 (key unwrap, CTR), RSA-4096 PSS. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES      /* tables in flash, not built into RAM */
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C               /* required by RSA_C (PKCS#1 v1.5 DigestInfo) */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_MPI_MAX_SIZE 512    /* RSA-4096 */

#include "mbedtls/check_config.h"

#endif
