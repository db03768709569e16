/* firmware/mbedtls/sw_gcm.c: mbedTLS's own GCM, compiled a second time with
 * every public name prefixed lamp_sw_ and without MBEDTLS_GCM_ALT, so that
 * lib/alt_gcm.c can run it on a lamp without the CRYPTO engine, and for
 * the calls the engine does not take.  Its AES blocks still go through
 * MBEDTLS_AES_ENCRYPT_ALT (lib/alt_aes.c). */
#include "common.h"
#include "gcm_alt.h" /* only for LAMP_SW_GCM_CONTEXT_SIZE */
#undef MBEDTLS_GCM_ALT

#define mbedtls_gcm_context lamp_sw_gcm_context
#define mbedtls_gcm_init lamp_sw_gcm_init
#define mbedtls_gcm_setkey lamp_sw_gcm_setkey
#define mbedtls_gcm_starts lamp_sw_gcm_starts
#define mbedtls_gcm_update lamp_sw_gcm_update
#define mbedtls_gcm_finish lamp_sw_gcm_finish
#define mbedtls_gcm_crypt_and_tag lamp_sw_gcm_crypt_and_tag
#define mbedtls_gcm_auth_decrypt lamp_sw_gcm_auth_decrypt
#define mbedtls_gcm_free lamp_sw_gcm_free
#define mbedtls_gcm_self_test lamp_sw_gcm_self_test

#include "gcm.c"

/* lib/alt_gcm.c keeps this context inside its own. */
_Static_assert(sizeof(lamp_sw_gcm_context) <= LAMP_SW_GCM_CONTEXT_SIZE,
               "raise LAMP_SW_GCM_CONTEXT_SIZE in gcm_alt.h");
_Static_assert(_Alignof(lamp_sw_gcm_context) <= _Alignof(uint64_t),
               "mbedTLS's GCM context needs more than 8-byte alignment");
