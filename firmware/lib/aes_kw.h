/* firmware/lib/aes_kw.h: AES-128 key unwrap (RFC 3394), for the content key
 * of an update image. */
#ifndef LAMP_LIB_AES_KW_H
#define LAMP_LIB_AES_KW_H

#include <stdint.h>

/* Unwraps a 24-byte wrapped 128-bit key under kek; 0 on success, -1 when
 * the integrity check fails (wrong key-encryption key or tampered). */
int aes_kw_unwrap128(const uint8_t kek[16], const uint8_t wrapped[24], uint8_t key[16]);

#endif
