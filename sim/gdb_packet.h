/* sim/gdb_packet.h: the packet layer of the GDB Remote Serial Protocol
 * (GDB manual, Appendix E "Overview"): a decoder fed the bytes a debugger
 * sends, in pieces of any size, and an encoder for the stub's replies.
 * No sockets and no emulator: the GDB server of issue 14 sits on top. */
#ifndef LAMPSIM_GDB_PACKET_H
#define LAMPSIM_GDB_PACKET_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload accepted, counted after escapes and run-length
 * expansion: 16 KiB holds a 'G' of all registers and an 'X' of several
 * KiB.  The server is to advertise it (qSupported PacketSize=4000, hex), so a
 * debugger that obeys never sends more; a longer packet is read to its end
 * and reported as GDB_PACKET_OVERLONG, never grown without bound. */
#define GDB_PACKET_MAX 16384

enum gdb_packet_kind {
    GDB_PACKET_NONE,         /* the bytes fed ended without a result */
    GDB_PACKET_COMMAND,      /* a good packet: payload, len; answer '+' */
    GDB_PACKET_BAD_CHECKSUM, /* checksum wrong or not hex: answer '-' */
    GDB_PACKET_INTERRUPT,    /* Ctrl-C (0x03) outside a packet */
    GDB_PACKET_ACK,          /* '+' */
    GDB_PACKET_NAK,          /* '-': resend the last reply */
    /* The checksum matched but the payload cannot be used: a resend would
     * be the same, so answer '+' and an error reply ("E01"). */
    GDB_PACKET_OVERLONG,     /* longer than GDB_PACKET_MAX */
    GDB_PACKET_MALFORMED,    /* bad run-length count, '}' before '#',
                              * or a packet cut short by a new '$' */
};

struct gdb_packet_event {
    enum gdb_packet_kind kind;
    /* COMMAND: the payload, NUL-terminated after len (binary payloads may
     * hold NULs); owned by the decoder, valid until the next feed. */
    const uint8_t *payload;
    size_t len;
};

typedef struct gdb_decoder gdb_decoder; /* for g_autoptr */

struct gdb_decoder *gdb_decoder_new(void);
void gdb_decoder_free(struct gdb_decoder *dec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(gdb_decoder, gdb_decoder_free)

/* Reads bytes up to and including the first one that completes a result,
 * stores it in *ev (GDB_PACKET_NONE if none did) and returns how many
 * bytes it read: call again with the rest until all are read. */
size_t gdb_decoder_feed(struct gdb_decoder *dec, const uint8_t *data, size_t len,
                        struct gdb_packet_event *ev);
/* True between a '$' and the packet's checksum (a stream that ends now is
 * truncated). */
bool gdb_decoder_in_packet(const struct gdb_decoder *dec);
/* Bytes skipped outside packets (line noise, stray characters). */
uint64_t gdb_decoder_skipped(const struct gdb_decoder *dec);

/* The framed length of payload: '$', payload with '$' '#' '}' '*'
 * escaped, '#', two checksum digits. */
size_t gdb_packet_encoded_len(const uint8_t *payload, size_t len);
/* Frames payload into out if it holds gdb_packet_encoded_len() bytes;
 * returns that length either way (no NUL is written). */
size_t gdb_packet_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t out_size);
/* Appends the framed payload to out. */
void gdb_packet_append(GString *out, const uint8_t *payload, size_t len);

/* Parses hex digits at *cursor (before end) as a number no larger than
 * max, as in "m20000000,40": at least one digit, stops at the first
 * non-hex byte and moves *cursor there.  False on no digit or a value
 * above max (*cursor unchanged).  Hex of bytes: tools/host/hex.h. */
bool gdb_hex_number(const char **cursor, const char *end, uint64_t max, uint64_t *out);

#endif
