/* firmware/mbedtls/sw_ecdsa.c: mbedTLS's own ECDSA, compiled a second time
 * with every public name prefixed lamp_sw_ and without the SIGN/VERIFY
 * ALT switches, so that lib/alt_p256.c can fall back to software on a lamp
 * without the CRYPTO engine.  Only lamp_sw_ecdsa_sign and
 * lamp_sw_ecdsa_verify are used; the linker drops the rest. */
#include "common.h"
#undef MBEDTLS_ECDSA_SIGN_ALT
#undef MBEDTLS_ECDSA_VERIFY_ALT

#define mbedtls_ecdsa_can_do lamp_sw_ecdsa_can_do
#define mbedtls_ecdsa_free lamp_sw_ecdsa_free
#define mbedtls_ecdsa_from_keypair lamp_sw_ecdsa_from_keypair
#define mbedtls_ecdsa_genkey lamp_sw_ecdsa_genkey
#define mbedtls_ecdsa_init lamp_sw_ecdsa_init
#define mbedtls_ecdsa_read_signature lamp_sw_ecdsa_read_signature
#define mbedtls_ecdsa_read_signature_restartable lamp_sw_ecdsa_read_signature_restartable
#define mbedtls_ecdsa_sign lamp_sw_ecdsa_sign
#define mbedtls_ecdsa_sign_det lamp_sw_ecdsa_sign_det
#define mbedtls_ecdsa_sign_det_ext lamp_sw_ecdsa_sign_det_ext
#define mbedtls_ecdsa_verify lamp_sw_ecdsa_verify
#define mbedtls_ecdsa_write_signature lamp_sw_ecdsa_write_signature
#define mbedtls_ecdsa_write_signature_det lamp_sw_ecdsa_write_signature_det
#define mbedtls_ecdsa_write_signature_restartable lamp_sw_ecdsa_write_signature_restartable
#define mbedtls_ecdsa_restart_init lamp_sw_ecdsa_restart_init
#define mbedtls_ecdsa_restart_free lamp_sw_ecdsa_restart_free

#include "ecdsa.c"
