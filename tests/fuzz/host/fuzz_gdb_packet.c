/* Fuzz target: the GDB packet decoder (sim/gdb_packet.c) fed a stream in
 * pieces whose sizes the input picks, as a socket would deliver it.
 * Beyond crashes, it checks what the server relies on: a payload is never
 * longer than GDB_PACKET_MAX, every read makes progress, and each packet
 * decoded, framed again by the encoder, decodes to the same payload. */
#include "gdb_packet.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const uint8_t *payload, size_t len)
{
    size_t framed_len = gdb_packet_encoded_len(payload, len);
    uint8_t *framed = malloc(framed_len);
    if (!framed)
        abort();
    if (gdb_packet_encode(payload, len, framed, framed_len) != framed_len)
        abort();
    struct gdb_decoder *dec = gdb_decoder_new();
    struct gdb_packet_event ev = { 0 };
    size_t used = gdb_decoder_feed(dec, framed, framed_len, &ev);
    if (used != framed_len || ev.kind != GDB_PACKET_COMMAND || ev.len != len ||
        memcmp(ev.payload, payload, len) != 0)
        abort();
    gdb_decoder_free(dec);
    free(framed);
}

static void parse_numbers(const uint8_t *payload, size_t len)
{
    const char *cursor = (const char *)payload;
    const char *end = cursor + len;
    while (cursor < end) {
        uint64_t value;
        const char *before = cursor;
        if (gdb_hex_number(&cursor, end, UINT32_MAX, &value)) {
            if (cursor <= before || cursor > end || value > UINT32_MAX)
                abort();
        } else {
            if (cursor != before)
                abort();
            cursor++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* The first byte picks the piece size (1..256 bytes). */
    size_t piece = (size_t)data[0] + 1;
    data++, size--;
    struct gdb_decoder *dec = gdb_decoder_new();
    size_t off = 0;
    while (off < size) {
        size_t n = size - off < piece ? size - off : piece;
        const uint8_t *chunk = data + off;
        while (n > 0) {
            struct gdb_packet_event ev = { 0 };
            size_t used = gdb_decoder_feed(dec, chunk, n, &ev);
            if (used == 0 || used > n)
                abort();
            if (ev.kind == GDB_PACKET_COMMAND) {
                if (ev.len > GDB_PACKET_MAX || ev.payload[ev.len] != '\0')
                    abort();
                check_round_trip(ev.payload, ev.len);
                parse_numbers(ev.payload, ev.len);
            }
            chunk += used, n -= used, off += used;
        }
    }
    gdb_decoder_free(dec);
    return 0;
}
