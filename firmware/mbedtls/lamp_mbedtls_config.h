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

/* Lamp to cloud (docs/cloud.md): TLS 1.2 client only, one suite,
 * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 on P-256, mutual authentication,
 * resumption by session ticket or session ID. */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE      /* certificate validity against the RTC */
#define MBEDTLS_PLATFORM_TIME_ALT   /* mbedtls_platform_set_time(rtc) */
#define MBEDTLS_ENTROPY_C           /* fed by the hardware RNG only */
#define MBEDTLS_ENTROPY_FORCE_SHA256
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET /* resumption bound to the handshake */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384   /* the server may send full records */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096   /* ours stay small */
#define MBEDTLS_ERROR_C             /* console reasons for refused handshakes */
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf /* newlib's (lib/syscalls.c) */

/* The CRYPTO engine, when the lamp has one (lib/alt_*.c; each falls back
 * to mbedTLS's software, compiled a second time as mbedtls/sw_*.c).
 * SHA-256 and GCM are replaced whole (contexts in mbedtls/sha256_alt.h and
 * gcm_alt.h): an update or a TLS record is then one engine command, not
 * one per block. */
#define MBEDTLS_AES_ENCRYPT_ALT
#define MBEDTLS_SHA256_ALT
#define MBEDTLS_GCM_ALT
#define MBEDTLS_ECDH_GEN_PUBLIC_ALT
#define MBEDTLS_ECDH_COMPUTE_SHARED_ALT
#define MBEDTLS_ECDSA_SIGN_ALT
#define MBEDTLS_ECDSA_VERIFY_ALT

#include "mbedtls/check_config.h"

#endif
