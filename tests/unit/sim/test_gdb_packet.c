/* tests/unit/sim/test_gdb_packet.c: the GDB Remote Serial Protocol's
 * packet layer (sim/gdb_packet.c).  A table of byte streams, well-formed
 * and malformed, each with the results the decoder must give, fed whole
 * and one byte at a time; overlong packets; encoder round trips; hex
 * numbers at their limits. */
#include "gdb_packet.h"

#include "hex.h"

#include <CUnit/Basic.h>
#include <string.h>

#define MAX_RESULTS 8

struct result {
    enum gdb_packet_kind kind;
    const char *payload; /* COMMAND only */
    size_t len;
};

struct stream_case {
    const char *what;
    const char *bytes;
    size_t len;
    /* up to the first NONE; none at all: the stream ends inside a packet */
    struct result results[MAX_RESULTS];
};

#define S(str) str, sizeof(str) - 1
#define CMD(str) { GDB_PACKET_COMMAND, str, sizeof(str) - 1 }
#define K(kind) { GDB_PACKET_##kind, NULL, 0 }

static const struct stream_case cases[] = {
    { "a one-letter command", S("$g#67"), { CMD("g") } },
    { "a command with arguments", S("$m20000000,4#4f"), { CMD("m20000000,4") } },
    { "checksum digits in upper case", S("$m20000000,4#4F"), { CMD("m20000000,4") } },
    { "an empty packet", S("$#00"), { CMD("") } },
    { "two packets back to back", S("$g#67$qSupported#37"), { CMD("g"), CMD("qSupported") } },
    { "acks, naks and an interrupt", S("+-\x03+"), { K(ACK), K(NAK), K(INTERRUPT), K(ACK) } },
    { "garbage between packets is skipped", S("xyz\r\n$g#67 junk+"), { CMD("g"), K(ACK) } },
    { "escapes: }] is }, }\\x03 is #, }\\n is *", S("$1}]}\x03}}}\n#0c"), { CMD("1}#]*") } },
    { "a run: 0* is four zeros", S("$0* #7a"), { CMD("0000") } },
    { "Ctrl-C inside a packet is data", S("$a\x03#64"), { { GDB_PACKET_COMMAND, "a\x03", 2 } } },
    { "a bad checksum", S("$g#68"), { K(BAD_CHECKSUM) } },
    { "a checksum that is not hex", S("$g#6z"), { K(BAD_CHECKSUM) } },
    { "a checksum that is not hex, first digit", S("$g#z7"), { K(BAD_CHECKSUM) } },
    { "a bad checksum, then a resent good packet", S("$g#00$g#67"),
      { K(BAD_CHECKSUM), CMD("g") } },
    { "a missing '#': the next '$' ends the packet", S("$abc$g#67"), { K(MALFORMED), CMD("g") } },
    { "'$' in place of a checksum digit", S("$g#6$g#67"), { K(BAD_CHECKSUM), CMD("g") } },
    { "a run count below ' '", S("$a*\x01#8c"), { K(MALFORMED) } },
    { "a run with nothing to repeat", S("$*a#8b"), { K(MALFORMED) } },
    { "a run marker at the end", S("$a*#8b"), { K(MALFORMED) } },
    { "an escape at the end", S("$ab}#40"), { K(MALFORMED) } },
    { "a lone escape", S("$}#7d"), { K(MALFORMED) } },
    { "the stream ends in the payload", S("$abc"), { K(NONE) } },
    { "the stream ends in the checksum", S("$abc#2"), { K(NONE) } },
    { "a malformed packet does not stop the next one", S("$a*#8b+$g#67"),
      { K(MALFORMED), K(ACK), CMD("g") } },
};

/* Feeds bytes in pieces of step bytes (0: all at once), collecting the
 * results into got; returns how many. */
static size_t decode(struct gdb_decoder *dec, const char *bytes, size_t len, size_t step,
                     struct result *got, char payloads[][64])
{
    size_t n = 0, at = 0;

    while (at < len) {
        size_t piece = step && len - at > step ? step : len - at;
        size_t used = 0;

        while (used < piece) {
            struct gdb_packet_event ev;

            used += gdb_decoder_feed(dec, (const uint8_t *)bytes + at + used, piece - used, &ev);
            if (ev.kind == GDB_PACKET_NONE || n == MAX_RESULTS)
                continue;
            got[n].kind = ev.kind;
            got[n].len = ev.len;
            got[n].payload = NULL;
            if (ev.kind == GDB_PACKET_COMMAND) {
                CU_ASSERT_FATAL(ev.len < 64);
                CU_ASSERT_EQUAL(ev.payload[ev.len], 0);
                memcpy(payloads[n], ev.payload, ev.len);
                got[n].payload = payloads[n];
            }
            n++;
        }
        at += piece;
    }
    return n;
}

static void check_case(const struct stream_case *c, size_t step)
{
    g_autoptr(gdb_decoder) dec = gdb_decoder_new();
    struct result got[MAX_RESULTS];
    char payloads[MAX_RESULTS][64];
    size_t n = decode(dec, c->bytes, c->len, step, got, payloads), want = 0;

    while (want < MAX_RESULTS && c->results[want].kind != GDB_PACKET_NONE)
        want++;
    if (n != want)
        fprintf(stderr, "\n%s (step %zu): %zu results, expected %zu\n", c->what, step, n, want);
    CU_ASSERT_EQUAL(n, want);
    for (size_t i = 0; i < n && i < want; i++) {
        if (got[i].kind != c->results[i].kind)
            fprintf(stderr, "\n%s (step %zu): result %zu is %d, expected %d\n", c->what, step, i,
                    got[i].kind, c->results[i].kind);
        CU_ASSERT_EQUAL(got[i].kind, c->results[i].kind);
        if (got[i].kind == GDB_PACKET_COMMAND && c->results[i].kind == GDB_PACKET_COMMAND) {
            CU_ASSERT_EQUAL(got[i].len, c->results[i].len);
            CU_ASSERT(got[i].len == c->results[i].len &&
                      memcmp(got[i].payload, c->results[i].payload, got[i].len) == 0);
        }
    }
    CU_ASSERT_EQUAL(gdb_decoder_in_packet(dec), want == 0);
}

static void test_streams_whole(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        check_case(&cases[i], 0);
}

static void test_streams_byte_by_byte(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check_case(&cases[i], 1);
        check_case(&cases[i], 3);
    }
}

static void test_garbage_counted(void)
{
    g_autoptr(gdb_decoder) dec = gdb_decoder_new();
    struct result got[MAX_RESULTS];
    char payloads[MAX_RESULTS][64];

    CU_ASSERT_EQUAL(decode(dec, S("xyz$g#67\r\n"), 0, got, payloads), 1);
    CU_ASSERT_EQUAL(gdb_decoder_skipped(dec), 5);
}

/* A packet of len payload bytes written literally, or as runs of 97. */
static GString *long_packet(size_t len, bool runs)
{
    GString *s = g_string_new("$");
    uint8_t sum = 0;

    if (runs) {
        /* "a*~" is 1 + 97 bytes: 'a' then '~' - 29 repeats */
        for (size_t i = 0; i < len / 98; i++)
            g_string_append(s, "a*~");
        for (size_t i = 0; i < len % 98; i++)
            g_string_append_c(s, 'a');
    } else {
        for (size_t i = 0; i < len; i++)
            g_string_append_c(s, 'a');
    }
    for (size_t i = 1; i < s->len; i++)
        sum += (uint8_t)s->str[i];
    g_string_append_printf(s, "#%02x", sum);
    return s;
}

static void check_long(size_t len, bool runs, enum gdb_packet_kind want)
{
    g_autoptr(gdb_decoder) dec = gdb_decoder_new();
    g_autoptr(GString) s = long_packet(len, runs);
    g_autoptr(GString) next = g_string_new("$g#67");
    struct gdb_packet_event ev;
    size_t used = gdb_decoder_feed(dec, (const uint8_t *)s->str, s->len, &ev);

    CU_ASSERT_EQUAL(used, s->len);
    CU_ASSERT_EQUAL(ev.kind, want);
    if (want == GDB_PACKET_COMMAND)
        CU_ASSERT_EQUAL(ev.len, len);
    /* the decoder is back in step after it */
    gdb_decoder_feed(dec, (const uint8_t *)next->str, next->len, &ev);
    CU_ASSERT_EQUAL(ev.kind, GDB_PACKET_COMMAND);
}

static void test_overlong_payloads(void)
{
    check_long(GDB_PACKET_MAX, false, GDB_PACKET_COMMAND);
    check_long(GDB_PACKET_MAX + 1, false, GDB_PACKET_OVERLONG);
    check_long(GDB_PACKET_MAX, true, GDB_PACKET_COMMAND);
    check_long(GDB_PACKET_MAX + 1, true, GDB_PACKET_OVERLONG);
    check_long(10 * 1024 * 1024, false, GDB_PACKET_OVERLONG);
}

static void check_round_trip(const uint8_t *payload, size_t len)
{
    g_autoptr(gdb_decoder) dec = gdb_decoder_new();
    g_autoptr(GString) s = g_string_new("+");
    struct gdb_packet_event ev;
    size_t need = gdb_packet_encoded_len(payload, len), used;
    uint8_t small[4];
    g_autofree uint8_t *buf = g_malloc(need);

    CU_ASSERT_EQUAL(gdb_packet_encode(payload, len, small, sizeof(small)), need);
    CU_ASSERT_EQUAL(gdb_packet_encode(payload, len, buf, need), need);
    gdb_packet_append(s, payload, len);
    CU_ASSERT_EQUAL(s->len, need + 1);
    CU_ASSERT(memcmp(s->str + 1, buf, need) == 0);

    used = gdb_decoder_feed(dec, (const uint8_t *)s->str, s->len, &ev);
    CU_ASSERT_EQUAL(used, 1);
    CU_ASSERT_EQUAL(ev.kind, GDB_PACKET_ACK);
    gdb_decoder_feed(dec, (const uint8_t *)s->str + 1, s->len - 1, &ev);
    CU_ASSERT_EQUAL(ev.kind, GDB_PACKET_COMMAND);
    CU_ASSERT(ev.len == len && memcmp(ev.payload, payload, len) == 0);
}

static void test_encoder_round_trips(void)
{
    uint8_t all[256];
    uint8_t buf[8];

    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    check_round_trip(all, sizeof(all));
    check_round_trip((const uint8_t *)"", 0);
    check_round_trip((const uint8_t *)"OK", 2);
    check_round_trip((const uint8_t *)"$#}*", 4);

    CU_ASSERT_EQUAL(gdb_packet_encode((const uint8_t *)"OK", 2, buf, sizeof(buf)), 6);
    CU_ASSERT(memcmp(buf, "$OK#9a", 6) == 0);
    CU_ASSERT_EQUAL(gdb_packet_encode((const uint8_t *)"#", 1, buf, sizeof(buf)), 6);
    CU_ASSERT(memcmp(buf, "$}\x03#80", 6) == 0);
}

/* Random streams rich in the protocol's special bytes, fed in random
 * pieces: every result is one of the kinds, a payload stays within the
 * limit and NUL-terminated, and every byte is read. */
static void test_random_streams(void)
{
    static const uint8_t special[] = { '$', '#', '}', '*', '+', '-', 0x03, '0', 'a', 'F', ' ', '~' };
    g_autoptr(GRand) rand = g_rand_new_with_seed(14);
    g_autoptr(gdb_decoder) dec = gdb_decoder_new();
    uint8_t stream[4096];

    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)g_rand_int_range(rand, 1, sizeof(stream)), at = 0;

        for (size_t i = 0; i < len; i++)
            stream[i] = g_rand_boolean(rand) ? special[g_rand_int_range(rand, 0, sizeof(special))]
                                             : (uint8_t)g_rand_int_range(rand, 0, 256);
        while (at < len) {
            size_t piece = (size_t)g_rand_int_range(rand, 1, 64);
            struct gdb_packet_event ev;
            size_t used;

            piece = piece < len - at ? piece : len - at;
            used = gdb_decoder_feed(dec, stream + at, piece, &ev);
            CU_ASSERT_FATAL(used >= 1 && used <= piece);
            CU_ASSERT(ev.kind <= GDB_PACKET_MALFORMED);
            if (ev.kind == GDB_PACKET_COMMAND) {
                CU_ASSERT_FATAL(ev.len <= GDB_PACKET_MAX);
                CU_ASSERT(ev.payload[ev.len] == 0);
            }
            at += used;
        }
    }
}

struct number_case {
    const char *text;
    uint64_t max;
    bool ok;
    uint64_t value;
    size_t consumed;
};

static const struct number_case numbers[] = {
    { "20000000,4", UINT32_MAX, true, 0x20000000, 8 },
    { "ffffffff", UINT32_MAX, true, 0xffffffff, 8 },
    { "100000000", UINT32_MAX, false, 0, 0 },
    { "FFFFFFFFFFFFFFFF", UINT64_MAX, true, UINT64_MAX, 16 },
    { "10000000000000000", UINT64_MAX, false, 0, 0 },
    { "0000000000000000000001", UINT64_MAX, true, 1, 22 },
    { "f", 14, false, 0, 0 },
    { "e", 14, true, 14, 1 },
    { "", UINT64_MAX, false, 0, 0 },
    { ",4", UINT64_MAX, false, 0, 0 },
    { "-1", UINT64_MAX, false, 0, 0 },
};

static void test_hex_numbers(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(numbers); i++) {
        const struct number_case *c = &numbers[i];
        const char *cursor = c->text;
        uint64_t value = 0;
        bool ok = gdb_hex_number(&cursor, c->text + strlen(c->text), c->max, &value);

        CU_ASSERT_EQUAL(ok, c->ok);
        CU_ASSERT_EQUAL(value, c->value);
        CU_ASSERT_EQUAL((size_t)(cursor - c->text), c->consumed);
    }
    /* end bounds the digits: "12" of "1234" */
    {
        const char *text = "1234", *cursor = text;
        uint64_t value;

        CU_ASSERT(gdb_hex_number(&cursor, text + 2, UINT64_MAX, &value));
        CU_ASSERT_EQUAL(value, 0x12);
    }
}

static void test_hex_bytes_in_a_packet(void)
{
    /* an 'M' packet's data is the tail of the payload; a 'P' value too */
    const char *payload = "M20000000,2:beEF";
    const char *data = strchr(payload, ':') + 1;
    uint8_t out[2];
    char back[5];

    CU_ASSERT(hex_decode_span(data, 4, out));
    CU_ASSERT(out[0] == 0xbe && out[1] == 0xef);
    hex_encode_to(out, 2, back);
    CU_ASSERT_STRING_EQUAL(back, "beef");
    CU_ASSERT(hex_decode_span("beEF,", 4, out));
    CU_ASSERT_FALSE(hex_decode_span("bee", 3, out));
    CU_ASSERT_FALSE(hex_decode_span("bxef", 4, out));
}

int main(void)
{
    CU_pSuite suite;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("gdb_packet", NULL, NULL);
    CU_add_test(suite, "streams_fed_whole_give_their_results", test_streams_whole);
    CU_add_test(suite, "streams_fed_in_pieces_give_the_same_results", test_streams_byte_by_byte);
    CU_add_test(suite, "bytes_outside_packets_are_skipped_and_counted", test_garbage_counted);
    CU_add_test(suite, "payload_over_the_limit_is_reported_not_kept", test_overlong_payloads);
    CU_add_test(suite, "random_streams_never_break_the_decoder", test_random_streams);
    CU_add_test(suite, "encoded_packets_decode_to_their_payload", test_encoder_round_trips);
    CU_add_test(suite, "hex_numbers_parse_within_their_limit", test_hex_numbers);
    CU_add_test(suite, "hex_bytes_decode_from_part_of_a_packet", test_hex_bytes_in_a_packet);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
