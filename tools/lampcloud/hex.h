/* tools/lampcloud/hex.h: hexadecimal text of keys, nonces and blobs, as the
 * registry and the commissioning API carry them. */
#ifndef LAMPCLOUD_HEX_H
#define LAMPCLOUD_HEX_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Exactly 2 * len hex digits (either case) into out; false otherwise. */
bool hex_decode(const char *hex, uint8_t *out, size_t len);
/* Lower-case hex of len bytes; g_free it. */
char *hex_encode(const uint8_t *data, size_t len);

#endif
