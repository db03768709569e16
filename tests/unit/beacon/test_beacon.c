/* tests/unit/beacon/test_beacon.c: the lamp's beacon frames.  Each case
 * is an identity and the advertising data its specification gives for
 * it, written out field by field from the specification (Apple's
 * Proximity Beacon Specification, Google's Eddystone-UID frame, the Core
 * Specification Supplement's AD structures), not from the code: the
 * firmware's builder (firmware/lib/beacon_frame.c) must produce exactly
 * those bytes, and the host's reader (blebridge/beacon_scan.c) must give
 * back exactly that identity. */
#include "beacon_frame.h"
#include "beacon_scan.h"
#include "ble.h"
#include "hex.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

struct ibeacon_case {
    const char *what, *uuid;
    uint16_t major, minor;
    int8_t power;
    const char *frame; /* hex, field by field */
};

static const struct ibeacon_case ibeacons[] = {
    { "AirLocate's UUID, major 1, minor 2, -59 dBm at 1 m",
      "e2c56db5-dffb-48d2-b060-d0f5a71096e0", 1, 2, -59,
      "020106"             /* Flags: LE General Discoverable, BR/EDR not supported */
      "1aff" "4c00"        /* 26 bytes of manufacturer data, Apple (0x004C, little endian) */
      "02" "15"            /* iBeacon, 21 bytes follow */
      "e2c56db5dffb48d2b060d0f5a71096e0" /* proximity UUID as written */
      "0001" "0002"        /* major, minor: big endian */
      "c5" },              /* -59 */
    { "big-endian major and minor, the largest major",
      "f7826da6-4fa2-4e98-8024-bc5b71e0893e", 0xFFFF, 0x1234, -77,
      "020106" "1aff4c00" "0215" "f7826da64fa24e988024bc5b71e0893e" "ffff" "1234" "b3" },
    { "zero identity, the weakest power a byte holds",
      "00000000-0000-0000-0000-000000000000", 0, 0, -128,
      "020106" "1aff4c00" "0215" "00000000000000000000000000000000" "0000" "0000" "80" },
    { "a positive measured power",
      "a7c30001-5c1e-4d6b-9a0f-6c616d700000", 256, 1, 4,
      "020106" "1aff4c00" "0215" "a7c300015c1e4d6b9a0f6c616d700000" "0100" "0001" "04" },
};

struct eddystone_case {
    const char *what, *namespace_hex, *instance_hex;
    int power;
    const char *frame; /* NULL: the power is refused */
};

static const struct eddystone_case eddystones[] = {
    { "Google's example namespace, -18 dBm at 0 m",
      "edd1ebeac04e5defa017", "0bdb87539b67", -18,
      "020106"             /* Flags */
      "0303" "aafe"        /* Complete List of 16-bit Service UUIDs: 0xFEAA, little endian */
      "1716" "aafe"        /* 23 bytes of 16-bit service data for 0xFEAA */
      "00"                 /* frame type: UID */
      "ee"                 /* ranging data: -18 */
      "edd1ebeac04e5defa017" /* namespace */
      "0bdb87539b67"       /* instance */
      "0000" },            /* reserved */
    { "the lowest ranging power, -100 dBm",
      "00112233445566778899", "aabbccddeeff", -100,
      "020106" "0303aafe" "1716aafe" "00" "9c" "00112233445566778899" "aabbccddeeff" "0000" },
    { "the highest ranging power, +20 dBm",
      "ffffffffffffffffffff", "000000000001", 20,
      "020106" "0303aafe" "1716aafe" "00" "14" "ffffffffffffffffffff" "000000000001" "0000" },
    { "below -100 dBm", "00112233445566778899", "aabbccddeeff", -101, NULL },
    { "above +20 dBm", "00112233445566778899", "aabbccddeeff", 21, NULL },
};

static void want_bytes(const char *what, const uint8_t *got, size_t len, const char *hex)
{
    g_autoptr(GBytes) want = hex_decode_bytes(hex);
    gsize want_len;
    const uint8_t *w = g_bytes_get_data(want, &want_len);

    if (len != want_len || memcmp(got, w, len)) {
        g_autofree char *h = hex_encode(got, len);
        fprintf(stderr, "%s:\n  got  %s\n  want %s\n", what, h, hex);
    }
    CU_ASSERT_EQUAL(len, want_len);
    CU_ASSERT_EQUAL(memcmp(got, w, MIN(len, want_len)), 0);
}

static struct ibeacon_id ibeacon_of(const struct ibeacon_case *c)
{
    struct ibeacon_id id = { .major = c->major, .minor = c->minor, .measured_power = c->power };

    CU_ASSERT_TRUE_FATAL(ble_uuid_parse(c->uuid, id.uuid));
    return id;
}

static struct eddystone_uid_id eddystone_of(const struct eddystone_case *c)
{
    struct eddystone_uid_id id = { .ranging_power = (int8_t)c->power };

    CU_ASSERT_TRUE_FATAL(hex_decode(c->namespace_hex, id.namespace_id, sizeof(id.namespace_id)));
    CU_ASSERT_TRUE_FATAL(hex_decode(c->instance_hex, id.instance_id, sizeof(id.instance_id)));
    return id;
}

/* ---- the firmware's builder ---- */

static void ibeacon_frames_are_byte_exact(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ibeacons); i++) {
        struct ibeacon_id id = ibeacon_of(&ibeacons[i]);
        uint8_t out[BLE_ADV_MAX];
        int n = beacon_ibeacon_frame(&id, out);
        CU_ASSERT_EQUAL(n, 30);
        if (n > 0)
            want_bytes(ibeacons[i].what, out, (size_t)n, ibeacons[i].frame);
    }
}

static void eddystone_uid_frames_are_byte_exact_and_fill_31_bytes(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(eddystones); i++) {
        struct eddystone_uid_id id = eddystone_of(&eddystones[i]);
        uint8_t out[BLE_ADV_MAX];
        int n;

        memset(out, 0x5A, sizeof(out));
        n = beacon_eddystone_uid_frame(&id, out);
        if (!eddystones[i].frame) {
            CU_ASSERT_EQUAL(n, -BEACON_E_RANGE);
            CU_ASSERT_EQUAL(out[0], 0x5A); /* untouched */
            continue;
        }
        CU_ASSERT_EQUAL(n, 31);
        if (n > 0)
            want_bytes(eddystones[i].what, out, (size_t)n, eddystones[i].frame);
    }
}

/* ---- the host's reader ---- */

static void reader_gives_back_each_ibeacon_identity(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ibeacons); i++) {
        struct ibeacon_id want = ibeacon_of(&ibeacons[i]);
        g_autoptr(GBytes) frame = hex_decode_bytes(ibeacons[i].frame);
        gsize len;
        const uint8_t *p = g_bytes_get_data(frame, &len);
        struct beacon b;

        CU_ASSERT_EQUAL(beacon_scan(p, len, &b), BEACON_IBEACON);
        CU_ASSERT_EQUAL(memcmp(b.ibeacon.uuid, want.uuid, 16), 0);
        CU_ASSERT_EQUAL(b.ibeacon.major, want.major);
        CU_ASSERT_EQUAL(b.ibeacon.minor, want.minor);
        CU_ASSERT_EQUAL(b.ibeacon.measured_power, want.measured_power);
    }
}

static void reader_gives_back_each_eddystone_uid_identity(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(eddystones); i++) {
        struct eddystone_uid_id want;
        g_autoptr(GBytes) frame = NULL;
        gsize len;
        const uint8_t *p;
        struct beacon b;

        if (!eddystones[i].frame)
            continue;
        want = eddystone_of(&eddystones[i]);
        frame = hex_decode_bytes(eddystones[i].frame);
        p = g_bytes_get_data(frame, &len);
        CU_ASSERT_EQUAL(beacon_scan(p, len, &b), BEACON_EDDYSTONE_UID);
        CU_ASSERT_EQUAL(memcmp(b.eddystone_uid.namespace_id, want.namespace_id, 10), 0);
        CU_ASSERT_EQUAL(memcmp(b.eddystone_uid.instance_id, want.instance_id, 6), 0);
        CU_ASSERT_EQUAL(b.eddystone_uid.ranging_power, want.ranging_power);
    }
}

/* Frames as they come from elsewhere, and near misses. */
static void reader_takes_variants_and_refuses_near_misses(void)
{
    static const struct {
        const char *what, *hex;
        enum beacon_kind kind;
    } cases[] = {
        { "iBeacon without Flags (BlueZ's broadcast advertisements)",
          "1aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002c5", BEACON_IBEACON },
        { "Eddystone-UID without its reserved bytes",
          "0201060303aafe1516aafe00eeedd1ebeac04e5defa0170bdb87539b67", BEACON_EDDYSTONE_UID },
        { "Eddystone-UID after a name",
          "03096c6d1716aafe00eeedd1ebeac04e5defa0170bdb87539b670000", BEACON_EDDYSTONE_UID },
        { "another company's manufacturer data",
          "0201061aff4d000215e2c56db5dffb48d2b060d0f5a71096e000010002c5", BEACON_NONE },
        { "Apple data of another type",
          "0201061aff4c000315e2c56db5dffb48d2b060d0f5a71096e000010002c5", BEACON_NONE },
        { "an iBeacon length byte that is not 0x15",
          "0201061aff4c000216e2c56db5dffb48d2b060d0f5a71096e000010002c5", BEACON_NONE },
        { "one byte short of an iBeacon",
          "02010619ff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002", BEACON_NONE },
        { "an Eddystone-URL frame (type 0x10)",
          "0201060303aafe0b16aafe10ee036c616d7000", BEACON_NONE },
        { "UID data under another 16-bit service",
          "1716abfe00eeedd1ebeac04e5defa0170bdb87539b670000", BEACON_NONE },
        { "a structure whose length runs past the end, before the beacon",
          "0201062aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002c5", BEACON_NONE },
        { "a zero length byte ends the data", "00" "1aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002c5",
          BEACON_NONE },
        { "nothing", "", BEACON_NONE },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GBytes) frame = hex_decode_bytes(cases[i].hex);
        gsize len;
        const uint8_t *p = g_bytes_get_data(frame, &len);
        struct beacon b;
        enum beacon_kind k = beacon_scan(p, len, &b);
        if (k != cases[i].kind)
            fprintf(stderr, "case '%s': kind %d, want %d\n", cases[i].what, k, cases[i].kind);
        CU_ASSERT_EQUAL(k, cases[i].kind);
    }
}

/* The medium's scan lines (docs/ble.md#the-central-socket). */
static void scan_lines_name_what_each_set_carries(void)
{
    static const char addr[] = "C1:02:03:04:05:06";
    static const struct {
        const char *hex, *line;
    } cases[] = {
        { "0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002c5",
          "ibeacon C1:02:03:04:05:06 e2c56db5-dffb-48d2-b060-d0f5a71096e0 1 2 -59" },
        { "0201060303aafe1716aafe0014edd1ebeac04e5defa0170bdb87539b670000",
          "eddystone-uid C1:02:03:04:05:06 edd1ebeac04e5defa017 0bdb87539b67 20" },
        { "020106", "broadcast C1:02:03:04:05:06 020106" },
        { "", "broadcast C1:02:03:04:05:06 -" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GBytes) frame = hex_decode_bytes(cases[i].hex);
        gsize len;
        const uint8_t *p = g_bytes_get_data(frame, &len);
        g_autofree char *line = beacon_scan_line(addr, p, len);
        CU_ASSERT_STRING_EQUAL(line, cases[i].line);
    }
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("beacon_frame", NULL, NULL);
    CU_add_test(s, "ibeacon_frames_are_byte_exact", ibeacon_frames_are_byte_exact);
    CU_add_test(s, "eddystone_uid_frames_are_byte_exact_and_fill_31_bytes",
                eddystone_uid_frames_are_byte_exact_and_fill_31_bytes);
    s = CU_add_suite("beacon_scan", NULL, NULL);
    CU_add_test(s, "reader_gives_back_each_ibeacon_identity", reader_gives_back_each_ibeacon_identity);
    CU_add_test(s, "reader_gives_back_each_eddystone_uid_identity",
                reader_gives_back_each_eddystone_uid_identity);
    CU_add_test(s, "reader_takes_variants_and_refuses_near_misses",
                reader_takes_variants_and_refuses_near_misses);
    CU_add_test(s, "scan_lines_name_what_each_set_carries", scan_lines_name_what_each_set_carries);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
