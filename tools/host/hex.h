/* tools/host/hex.h: hexadecimal text of bytes (keys, nonces, blobs,
 * attribute values), the one codec every host program uses: the cloud's
 * registry and commissioning API, the installer, the factory's fleet
 * files, the BLE medium's protocol and the tests. */
#ifndef LAMPHOST_HEX_H
#define LAMPHOST_HEX_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exactly 2 * len hex digits (either case) into out; false otherwise. */
bool hex_decode(const char *hex, uint8_t *out, size_t len);
/* hex_len hex digits (even; either case) into hex_len / 2 bytes of out,
 * for hex that is part of a longer text (a GDB packet's field); false on
 * an odd length or a non-hex digit. */
bool hex_decode_span(const char *hex, size_t hex_len, uint8_t *out);
/* Any even number of hex digits (either case) as bytes; NULL otherwise. */
GBytes *hex_decode_bytes(const char *hex);
/* Lower-case hex of len bytes into out, which holds 2 * len + 1 chars
 * (no allocation: for secrets the caller wipes). */
void hex_encode_to(const uint8_t *data, size_t len, char *out);
/* Lower-case hex of len bytes; g_free it. */
char *hex_encode(const uint8_t *data, size_t len);

#endif
