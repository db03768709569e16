/* firmware/mbedtls/sw_ecdh.c: mbedTLS's own ECDH, compiled a second time
 * with every public name prefixed lamp_sw_ and without the GEN_PUBLIC /
 * COMPUTE_SHARED ALT switches, so that lib/alt_p256.c can fall back to
 * software on a lamp without the CRYPTO engine.  Only
 * lamp_sw_ecdh_gen_public and lamp_sw_ecdh_compute_shared are used; the
 * linker drops the rest. */
#include "common.h"
#undef MBEDTLS_ECDH_GEN_PUBLIC_ALT
#undef MBEDTLS_ECDH_COMPUTE_SHARED_ALT

#define mbedtls_ecdh_calc_secret lamp_sw_ecdh_calc_secret
#define mbedtls_ecdh_can_do lamp_sw_ecdh_can_do
#define mbedtls_ecdh_compute_shared lamp_sw_ecdh_compute_shared
#define mbedtls_ecdh_free lamp_sw_ecdh_free
#define mbedtls_ecdh_gen_public lamp_sw_ecdh_gen_public
#define mbedtls_ecdh_get_params lamp_sw_ecdh_get_params
#define mbedtls_ecdh_init lamp_sw_ecdh_init
#define mbedtls_ecdh_make_params lamp_sw_ecdh_make_params
#define mbedtls_ecdh_make_public lamp_sw_ecdh_make_public
#define mbedtls_ecdh_read_params lamp_sw_ecdh_read_params
#define mbedtls_ecdh_read_public lamp_sw_ecdh_read_public
#define mbedtls_ecdh_setup lamp_sw_ecdh_setup
#define mbedtls_ecdh_enable_restart lamp_sw_ecdh_enable_restart

#include "ecdh.c"
