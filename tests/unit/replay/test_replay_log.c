/* The recording file (emu/replay_log.c, docs/formats.md#recording): what is
 * written reads back, a file cut anywhere reads up to its last whole
 * record, and damage is found, not replayed. */
#include "replay_log.h"

#include <CUnit/Basic.h>
#include <glib/gstdio.h>
#include <string.h>

static char *dir;

struct rec {
    uint32_t kind;
    uint64_t icount;
    const char *payload;
};

static const struct rec recs[] = {
    { RR_START, 0, "start state" },
    { RR_POWER, 0, "\x01\x00\x00\x00" },
    { RR_CONSOLE, 1234, "status\r" },
    { RR_ENTROPY, 5000, "0123456789abcdef" },
    { RR_MOTION, 70000, "" },
    { RR_END, 9000000000ull, "final" },
};

static char *write_file(const char *name)
{
    g_autoptr(GError) error = NULL;
    char *path = g_build_filename(dir, name, NULL);
    struct replay_log_writer *w = replay_log_create(path, &error);

    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t i = 0; i < G_N_ELEMENTS(recs); i++)
        CU_ASSERT_TRUE(replay_log_append(w, recs[i].kind, recs[i].icount, recs[i].payload,
                                         strlen(recs[i].payload), &error));
    replay_log_close(w);
    return path;
}

/* Reads path; the number of whole records, and the final status. */
static size_t read_all(const char *path, enum replay_log_status *last)
{
    g_autoptr(GError) error = NULL;
    struct replay_log_reader *r = replay_log_open(path, &error);
    struct replay_log_record rec;
    size_t n = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    while ((*last = replay_log_next(r, &rec, &error)) == REPLAY_LOG_RECORD) {
        CU_ASSERT_TRUE_FATAL(n < G_N_ELEMENTS(recs));
        CU_ASSERT_EQUAL(rec.kind, recs[n].kind);
        CU_ASSERT_EQUAL(rec.icount, recs[n].icount);
        CU_ASSERT_EQUAL(rec.len, strlen(recs[n].payload));
        CU_ASSERT_EQUAL(memcmp(rec.payload, recs[n].payload, rec.len), 0);
        n++;
    }
    CU_ASSERT_TRUE(*last != REPLAY_LOG_CORRUPT || error != NULL);
    replay_log_close_reader(r);
    return n;
}

static void replay_log_reads_back_what_was_written(void)
{
    g_autofree char *path = write_file("whole.rec");
    enum replay_log_status last;

    CU_ASSERT_EQUAL(read_all(path, &last), G_N_ELEMENTS(recs));
    CU_ASSERT_EQUAL(last, REPLAY_LOG_EOF);
}

/* Every length the file could have been cut at by a crash. */
static void replay_log_cut_anywhere_reads_its_whole_records(void)
{
    g_autofree char *path = write_file("cut.rec"), *data = NULL;
    g_autofree char *cut = g_build_filename(dir, "cut-n.rec", NULL);
    gsize len, whole_end[G_N_ELEMENTS(recs) + 1] = { 16 };
    enum replay_log_status last;

    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
    for (size_t i = 0; i < G_N_ELEMENTS(recs); i++)
        whole_end[i + 1] = whole_end[i] + 16 + strlen(recs[i].payload) + 4;
    CU_ASSERT_EQUAL_FATAL(whole_end[G_N_ELEMENTS(recs)], len);
    for (gsize n = 16; n <= len; n++) {
        size_t want = 0;
        while (want < G_N_ELEMENTS(recs) && whole_end[want + 1] <= n)
            want++;
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(cut, data, (gssize)n, NULL));
        CU_ASSERT_EQUAL(read_all(cut, &last), want);
        CU_ASSERT_EQUAL(last, n == whole_end[want] ? REPLAY_LOG_EOF : REPLAY_LOG_TRUNCATED);
    }
}

/* A flipped bit anywhere in a record (head, payload or CRC) is found. */
static void replay_log_corrupted_record_is_refused(void)
{
    g_autofree char *path = write_file("bad.rec"), *data = NULL;
    g_autofree char *bad = g_build_filename(dir, "bad-n.rec", NULL);
    gsize len, third = 16;
    enum replay_log_status last;

    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
    for (size_t i = 0; i < 2; i++)
        third += 16 + strlen(recs[i].payload) + 4;
    for (gsize off = third; off < third + 16 + strlen(recs[2].payload) + 4; off++) {
        data[off] ^= 0x10;
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(bad, data, (gssize)len, NULL));
        CU_ASSERT_EQUAL(read_all(bad, &last), 2);
        /* a length made huge reads as corrupt or as a record cut short */
        CU_ASSERT_TRUE(last == REPLAY_LOG_CORRUPT || (off >= third + 4 && off < third + 8 &&
                                                      last == REPLAY_LOG_TRUNCATED));
        data[off] ^= 0x10;
    }
}

static void replay_log_wrong_version_or_magic_is_refused(void)
{
    g_autofree char *path = write_file("ver.rec"), *data = NULL;
    g_autofree char *other = g_build_filename(dir, "other.rec", NULL);
    static const struct {
        gsize off;
        char byte;
        const char *says;
    } cases[] = {
        { 8, 2, "format version 2" },
        { 0, 'X', "not a lampsim recording" },
    };
    gsize len;

    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        char was = data[cases[i].off];
        data[cases[i].off] = cases[i].byte;
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(other, data, (gssize)len, NULL));
        CU_ASSERT_PTR_NULL(replay_log_open(other, &error));
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        CU_ASSERT_PTR_NOT_NULL(strstr(error->message, cases[i].says));
        data[cases[i].off] = was;
    }
}

static void replay_log_payload_fields_round_trip(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    struct replay_cursor c;
    const uint8_t *p;
    size_t len;

    replay_put_u32(b, 0xdeadbeef);
    replay_put_u64(b, 0x0123456789abcdefull);
    replay_put_bytes(b, "abc", 3);
    c = (struct replay_cursor){ b->data, b->len, false };
    CU_ASSERT_EQUAL(replay_get_u32(&c), 0xdeadbeef);
    CU_ASSERT_EQUAL(replay_get_u64(&c), 0x0123456789abcdefull);
    p = replay_get_bytes(&c, &len);
    CU_ASSERT_EQUAL(len, 3);
    CU_ASSERT_EQUAL(memcmp(p, "abc", 3), 0);
    CU_ASSERT_FALSE(c.bad);
    CU_ASSERT_EQUAL(replay_get_u32(&c), 0);
    CU_ASSERT_TRUE(c.bad);
}

int main(void)
{
    CU_pSuite suite;
    unsigned failed;

    dir = g_dir_make_tmp("replay-log-XXXXXX", NULL);
    if (!dir || CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("replay_log", NULL, NULL);
    CU_add_test(suite, "replay_log_reads_back_what_was_written",
                replay_log_reads_back_what_was_written);
    CU_add_test(suite, "replay_log_cut_anywhere_reads_its_whole_records",
                replay_log_cut_anywhere_reads_its_whole_records);
    CU_add_test(suite, "replay_log_corrupted_record_is_refused",
                replay_log_corrupted_record_is_refused);
    CU_add_test(suite, "replay_log_wrong_version_or_magic_is_refused",
                replay_log_wrong_version_or_magic_is_refused);
    CU_add_test(suite, "replay_log_payload_fields_round_trip", replay_log_payload_fields_round_trip);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
    if (system(rm) != 0)
        failed++;
    g_free(dir);
    return failed ? 1 : 0;
}
