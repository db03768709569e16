/* tools/host/hex.c: see hex.h. */
#include "hex.h"

#include <string.h>

bool hex_decode(const char *hex, uint8_t *out, size_t len)
{
    return hex && strlen(hex) == 2 * len && hex_decode_span(hex, 2 * len, out);
}

bool hex_decode_span(const char *hex, size_t hex_len, uint8_t *out)
{
    if (hex_len % 2)
        return false;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

GBytes *hex_decode_bytes(const char *hex)
{
    size_t n = hex ? strlen(hex) : 1;
    uint8_t *out;

    if (n % 2)
        return NULL;
    out = g_malloc(n / 2 + 1); /* + 1: no zero-size allocation for "" */
    if (!hex_decode(hex, out, n / 2)) {
        g_free(out);
        return NULL;
    }
    return g_bytes_new_take(out, n / 2);
}

void hex_encode_to(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = 0;
}

char *hex_encode(const uint8_t *data, size_t len)
{
    char *out = g_malloc(2 * len + 1);

    hex_encode_to(data, len, out);
    return out;
}
