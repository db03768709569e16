/* tools/apppkg/host_mbedtls_config.h: mbedTLS for firmware code built for
 * the host: the app package verifier (lib/app_pkg.c, lib/rsa_pss.c: SHA-256,
 * RSA PSS) and the parsers the unit tests and fuzz targets compile
 * (tests/unit/fwparse, tests/fuzz/firmware: HMAC, AES-CTR, AES key wrap,
 * GCM), in software, as a lamp without the CRYPTO engine runs them
 * (firmware/mbedtls/lamp_mbedtls_config.h, without the lamp's platform
 * hooks and engine alternatives). */
#ifndef HOST_MBEDTLS_CONFIG_H
#define HOST_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C
#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_CIPHER_C /* required by GCM_C */
#define MBEDTLS_GCM_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C /* required by RSA_C */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA-4096, as on the lamp */

#include "mbedtls/check_config.h"

#endif
