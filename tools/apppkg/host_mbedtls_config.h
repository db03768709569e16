/* tests/unit/apppkg/host_mbedtls_config.h: mbedTLS for the host build of
 * the firmware's app package verifier: what lib/app_pkg.c and
 * lib/rsa_pss.c call (SHA-256, RSA PSS), in software, as a lamp without
 * the CRYPTO engine runs them (firmware/mbedtls/lamp_mbedtls_config.h,
 * without the lamp's platform hooks and engine alternatives). */
#ifndef HOST_MBEDTLS_CONFIG_H
#define HOST_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA256_C
#define MBEDTLS_MD_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C /* required by RSA_C */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA-4096, as on the lamp */

#include "mbedtls/check_config.h"

#endif
