/* firmware/mbedtls/sw_aes.c: mbedTLS's own AES, compiled a second time
 * with every public name prefixed lamp_sw_ and without
 * MBEDTLS_AES_ENCRYPT_ALT, so that lib/alt_aes.c can fall back to
 * the software block function on a lamp without the CRYPTO engine.  Only
 * lamp_sw_aes_encrypt is used; the linker drops the rest. */
#include "common.h" /* the config, before the ALT switch is taken away */
#undef MBEDTLS_AES_ENCRYPT_ALT

#define mbedtls_aes_crypt_ctr lamp_sw_aes_crypt_ctr
#define mbedtls_aes_crypt_ecb lamp_sw_aes_crypt_ecb
#define mbedtls_aes_decrypt lamp_sw_aes_decrypt_deprecated
#define mbedtls_aes_encrypt lamp_sw_aes_encrypt_deprecated
#define mbedtls_aes_free lamp_sw_aes_free
#define mbedtls_aes_init lamp_sw_aes_init
#define mbedtls_aes_setkey_dec lamp_sw_aes_setkey_dec
#define mbedtls_aes_setkey_enc lamp_sw_aes_setkey_enc
#define mbedtls_aes_self_test lamp_sw_aes_self_test
#define mbedtls_internal_aes_decrypt lamp_sw_aes_decrypt
#define mbedtls_internal_aes_encrypt lamp_sw_aes_encrypt

#include "aes.c"
