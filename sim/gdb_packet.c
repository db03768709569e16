/* sim/gdb_packet.c: see gdb_packet.h.  Framing, escapes and run-length
 * encoding as in the GDB manual, Appendix E.1 "Overview". */
#include "gdb_packet.h"

enum decoder_state { OUTSIDE, BODY, CHECKSUM_HIGH, CHECKSUM_LOW };

struct gdb_decoder {
    enum decoder_state state;
    uint8_t sum;            /* of the raw bytes between '$' and '#' */
    int checksum_high;      /* first checksum digit, -1 if not hex */
    bool escaped;           /* the last raw byte was '}' */
    bool run_count;         /* the last raw byte was '*' */
    bool have_previous;     /* a decoded byte a run can repeat */
    uint8_t previous;
    bool overlong, malformed;
    size_t len;
    uint64_t skipped;
    uint8_t payload[GDB_PACKET_MAX + 1]; /* + 1: the NUL after it */
};

struct gdb_decoder *gdb_decoder_new(void)
{
    return g_new0(struct gdb_decoder, 1);
}

void gdb_decoder_free(struct gdb_decoder *dec)
{
    g_free(dec);
}

bool gdb_decoder_in_packet(const struct gdb_decoder *dec)
{
    return dec->state != OUTSIDE;
}

uint64_t gdb_decoder_skipped(const struct gdb_decoder *dec)
{
    return dec->skipped;
}

static void start_packet(struct gdb_decoder *dec)
{
    dec->state = BODY;
    dec->sum = 0;
    dec->escaped = dec->run_count = dec->have_previous = false;
    dec->overlong = dec->malformed = false;
    dec->len = 0;
}

static void put_byte(struct gdb_decoder *dec, uint8_t b)
{
    if (dec->len < GDB_PACKET_MAX)
        dec->payload[dec->len++] = b;
    else
        dec->overlong = true;
    dec->previous = b;
    dec->have_previous = true;
}

/* A raw byte between '$' and '#'. */
static void body_byte(struct gdb_decoder *dec, uint8_t b)
{
    dec->sum += b;
    if (dec->escaped) {
        dec->escaped = false;
        put_byte(dec, b ^ 0x20);
    } else if (dec->run_count) {
        /* "X*c": X repeated c - 29 more times; c is printable, so 3 to 97
         * (the manual's range; '#' and '$' never reach here). */
        dec->run_count = false;
        if (b < ' ' || b > '~') {
            dec->malformed = true;
            return;
        }
        for (int i = 0; i < b - 29; i++)
            put_byte(dec, dec->previous);
    } else if (b == '}') {
        dec->escaped = true;
    } else if (b == '*') {
        if (!dec->have_previous)
            dec->malformed = true; /* nothing to repeat */
        else
            dec->run_count = true;
    } else {
        put_byte(dec, b);
    }
}

static enum gdb_packet_kind finish_packet(struct gdb_decoder *dec, int checksum)
{
    dec->state = OUTSIDE;
    if (checksum < 0 || checksum != dec->sum)
        return GDB_PACKET_BAD_CHECKSUM;
    if (dec->overlong)
        return GDB_PACKET_OVERLONG;
    if (dec->malformed)
        return GDB_PACKET_MALFORMED;
    dec->payload[dec->len] = 0;
    return GDB_PACKET_COMMAND;
}

/* One byte; a result, or GDB_PACKET_NONE. */
static enum gdb_packet_kind decode_byte(struct gdb_decoder *dec, uint8_t b)
{
    switch (dec->state) {
    case OUTSIDE:
        switch (b) {
        case '$': start_packet(dec); return GDB_PACKET_NONE;
        case '+': return GDB_PACKET_ACK;
        case '-': return GDB_PACKET_NAK;
        case 0x03: return GDB_PACKET_INTERRUPT;
        default: dec->skipped++; return GDB_PACKET_NONE;
        }
    case BODY:
        if (b == '$') {
            /* A debugger that gave up on a packet starts the next one:
             * report the lost one, read the new one. */
            start_packet(dec);
            return GDB_PACKET_MALFORMED;
        }
        if (b != '#') {
            body_byte(dec, b);
            return GDB_PACKET_NONE;
        }
        if (dec->escaped || dec->run_count)
            dec->malformed = true; /* '}' or '*' with nothing after it */
        dec->state = CHECKSUM_HIGH;
        return GDB_PACKET_NONE;
    case CHECKSUM_HIGH:
    case CHECKSUM_LOW:
        if (b == '$') {
            start_packet(dec);
            return GDB_PACKET_BAD_CHECKSUM;
        }
        if (dec->state == CHECKSUM_HIGH) {
            dec->checksum_high = g_ascii_xdigit_value((char)b);
            dec->state = CHECKSUM_LOW;
            return GDB_PACKET_NONE;
        }
        {
            int low = g_ascii_xdigit_value((char)b);
            int checksum = dec->checksum_high < 0 || low < 0 ? -1 : dec->checksum_high << 4 | low;
            return finish_packet(dec, checksum);
        }
    }
    return GDB_PACKET_NONE;
}

size_t gdb_decoder_feed(struct gdb_decoder *dec, const uint8_t *data, size_t len,
                        struct gdb_packet_event *ev)
{
    *ev = (struct gdb_packet_event){ GDB_PACKET_NONE, NULL, 0 };
    for (size_t i = 0; i < len; i++) {
        enum gdb_packet_kind kind = decode_byte(dec, data[i]);

        if (kind == GDB_PACKET_NONE)
            continue;
        ev->kind = kind;
        if (kind == GDB_PACKET_COMMAND) {
            ev->payload = dec->payload;
            ev->len = dec->len;
        }
        return i + 1;
    }
    return len;
}

static bool needs_escape(uint8_t b)
{
    return b == '$' || b == '#' || b == '}' || b == '*';
}

size_t gdb_packet_encoded_len(const uint8_t *payload, size_t len)
{
    size_t n = len + 4;

    for (size_t i = 0; i < len; i++)
        n += needs_escape(payload[i]);
    return n;
}

size_t gdb_packet_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t out_size)
{
    static const char digits[] = "0123456789abcdef";
    size_t need = gdb_packet_encoded_len(payload, len), n = 0;
    uint8_t sum = 0;

    if (need > out_size)
        return need;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        if (needs_escape(payload[i])) {
            out[n++] = '}';
            sum += '}';
            out[n++] = payload[i] ^ 0x20;
            sum += payload[i] ^ 0x20;
        } else {
            out[n++] = payload[i];
            sum += payload[i];
        }
    }
    out[n++] = '#';
    out[n++] = digits[sum >> 4];
    out[n++] = digits[sum & 15];
    return n;
}

void gdb_packet_append(GString *out, const uint8_t *payload, size_t len)
{
    size_t start = out->len, need = gdb_packet_encoded_len(payload, len);

    g_string_set_size(out, start + need);
    gdb_packet_encode(payload, len, (uint8_t *)out->str + start, need);
}

bool gdb_hex_number(const char **cursor, const char *end, uint64_t max, uint64_t *out)
{
    const char *p = *cursor;
    uint64_t value = 0;
    int digit;

    if (p >= end || g_ascii_xdigit_value(*p) < 0)
        return false;
    for (; p < end && (digit = g_ascii_xdigit_value(*p)) >= 0; p++) {
        if ((uint64_t)digit > max || value > (max - (uint64_t)digit) / 16)
            return false;
        value = value * 16 + (uint64_t)digit;
    }
    *cursor = p;
    *out = value;
    return true;
}
