/* Unit tests of the firmware's parsers of hostile input, built for the
 * host as the fuzz targets build them (tests/fuzz/firmware,
 * docs/fuzzing.md): the commissioning blob and its TLVs
 * (firmware/app/commission_blob.c), the keystore reader
 * (firmware/lib/keystore_read.c) and the MQTT decoder (firmware/app/mqtt.c).  Each input a fuzz campaign found a bug
 * with is a case here too. */
#include "blob_seal.h"
#include "commission_blob.h"
#include "commission_format.h"
#include "keystore_read.h"
#include "mqtt.h"

#include "mbedtls/sha256.h"

#include "cunit_run.h"

#include <CUnit/Basic.h>
#include <string.h>

/* ---- commission_blob ---- */

struct tlv_case {
    const char *what;
    const uint8_t *bytes;
    size_t len;
    bool ok;
};

#define B(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define SSID_LAB 1, 3, 'l', 'a', 'b'
#define PASS_8 2, 8, 'p', 'a', 's', 's', 'w', 'o', 'r', 'd'

static const struct tlv_case tlv_cases[] = {
    { "ssid and passphrase", B(SSID_LAB, PASS_8), true },
    { "passphrase first, empty proxy", B(PASS_8, 3, 0, SSID_LAB), true },
    { "no passphrase", B(SSID_LAB), false },
    { "ssid twice", B(SSID_LAB, PASS_8, SSID_LAB), false },
    { "unknown type 4", B(SSID_LAB, PASS_8, 4, 1, 'x'), false },
    { "type 0", B(0, 0, SSID_LAB, PASS_8), false },
    { "passphrase of 7", B(SSID_LAB, 2, 7, 'p', 'a', 's', 's', 'w', 'o', 'r'), false },
    { "empty ssid", B(1, 0, PASS_8), false },
    { "NUL inside the ssid", B(1, 3, 'l', 0, 'b', PASS_8), false },
    { "length past the end", B(SSID_LAB, 2, 9, 'p', 'a', 's', 's', 'w', 'o', 'r', 'd'), false },
    { "a lone type byte at the end", B(SSID_LAB, PASS_8, 3), false },
};

static void tlvs_table(void)
{
    for (size_t i = 0; i < sizeof(tlv_cases) / sizeof(tlv_cases[0]); i++) {
        const struct tlv_case *c = &tlv_cases[i];
        struct wifi_creds creds;
        bool ok = commission_parse_tlvs(c->bytes, c->len, &creds);
        if (ok != c->ok)
            fprintf(stderr, "\n  case '%s': %s\n", c->what, ok ? "accepted" : "refused");
        CU_ASSERT_EQUAL(ok, c->ok);
    }
}

static void tlvs_fill_nul_terminated_fields(void)
{
    static const uint8_t tlvs[] = { SSID_LAB, PASS_8, 3, 6, 'p', 'r', 'x', ':', '8', '0' };
    struct wifi_creds c;

    memset(&c, 0xAA, sizeof(c));
    CU_ASSERT_TRUE_FATAL(commission_parse_tlvs(tlvs, sizeof(tlvs), &c));
    CU_ASSERT_STRING_EQUAL(c.ssid, "lab");
    CU_ASSERT_STRING_EQUAL(c.passphrase, "password");
    CU_ASSERT_STRING_EQUAL(c.proxy, "prx:80");
}

static const uint8_t serial16[COMMISSION_SERIAL16] = "FUZZ-0001";
static const uint8_t key[16] = "K(0) of the lamp";
static const uint8_t nonce[COMMISSION_NONCE_LEN] = "this connection";

static size_t make_blob(uint32_t n, const uint8_t *plain, size_t len, uint8_t *blob)
{
    size_t blob_len = blob_seal(key, serial16, n, nonce, plain, len, blob);

    CU_ASSERT_FATAL(blob_len != 0);
    return blob_len;
}

static const char *reason(const struct commission_refusal *r)
{
    return r ? r->reason : "accepted";
}

static const char *open_blob(const uint8_t *blob, size_t len, uint32_t lamp_n, struct wifi_creds *c)
{
    uint32_t ct_len;
    const struct commission_refusal *why = commission_blob_check(blob, len, serial16, &ct_len);

    return why ? why->reason : reason(commission_blob_open(blob, ct_len, lamp_n, key, nonce, c));
}

static void blob_accepted_once_for_its_n(void)
{
    static const uint8_t tlvs[] = { SSID_LAB, PASS_8 };
    uint8_t blob[COMMISSION_BLOB_MAX + 1];
    struct wifi_creds c;
    size_t len = make_blob(3, tlvs, sizeof(tlvs), blob);

    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 3, &c), "accepted");
    CU_ASSERT_STRING_EQUAL(c.ssid, "lab");
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 4, &c), "replayed");
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 5, &c), "stale");
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 2, &c), "future");
}

static void blob_refusals(void)
{
    static const uint8_t tlvs[] = { SSID_LAB, PASS_8 }, bad_tlvs[] = { SSID_LAB };
    uint8_t blob[COMMISSION_BLOB_MAX + 1];
    struct wifi_creds c;
    size_t len = make_blob(0, tlvs, sizeof(tlvs), blob);

    CU_ASSERT_STRING_EQUAL(open_blob(blob, COMMISSION_BLOB_HEADER - 1, 0, &c), "truncated");
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len - 1, 0, &c), "truncated");
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len + 1, 0, &c), "malformed");
    blob[len - 1] ^= 1;
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "forged");
    blob[len - 1] ^= 1;
    blob[COMMISSION_BLOB_OFF_NONCE] ^= 1;
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "nonce");
    blob[COMMISSION_BLOB_OFF_NONCE] ^= 1;
    blob[COMMISSION_BLOB_OFF_SERIAL] ^= 1;
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "other-lamp");
    blob[COMMISSION_BLOB_OFF_SERIAL] ^= 1;
    blob[COMMISSION_BLOB_OFF_CT_LEN] = 0;
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "malformed");
    blob[COMMISSION_BLOB_OFF_CT_LEN] = COMMISSION_BLOB_MAX_CT + 1;
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "malformed");
    blob[0] = 'X';
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "malformed");
    len = make_blob(0, bad_tlvs, sizeof(bad_tlvs), blob);
    CU_ASSERT_STRING_EQUAL(open_blob(blob, len, 0, &c), "content");
}

/* ---- keystore_read ---- */

/* A keystore of two entries (a 5-byte serial, padded, and a 16-byte
 * key), sealed with its SHA-256; returns its size. */
static size_t make_keystore(uint8_t *ks)
{
    static const uint8_t entries[] = { 1, 0, 5, 0, 'S', 'N', '-', '0', '1', 0, 0, 0,
                                       8, 0, 16, 0, 'K', '0', 'K', '0', 'K', '0', 'K', '0',
                                       'K', '0', 'K', '0', 'K', '0', 'K', '0' };
    struct keystore_header h = { .magic = KEYSTORE_MAGIC, .version = KEYSTORE_VERSION,
                                 .entry_count = 2, .entries_size = sizeof(entries) };

    CU_ASSERT_EQUAL(mbedtls_sha256_ret(entries, sizeof(entries), h.entries_sha256, 0), 0);
    memcpy(ks, &h, sizeof(h));
    memcpy(ks + sizeof(h), entries, sizeof(entries));
    return sizeof(h) + sizeof(entries);
}

static void keystore_finds_entries_in_bounds(void)
{
    static uint8_t ks[KEYSTORE_SIZE] __attribute__((aligned(4)));
    size_t size = make_keystore(ks), len = 0;
    const uint8_t *v;

    CU_ASSERT_PTR_NULL_FATAL(keystore_check_in(ks, size));
    v = keystore_find_in(ks, KS_SERIAL, &len);
    CU_ASSERT_PTR_EQUAL(v, ks + 48 + 4);
    CU_ASSERT_EQUAL(len, 5u);
    v = keystore_find_in(ks, KS_COMMISSION_KEY, &len);
    CU_ASSERT_PTR_EQUAL(v, ks + 48 + 16);
    CU_ASSERT_EQUAL(len, 16u);
    CU_ASSERT_PTR_NULL(keystore_find_in(ks, KS_FW_RSA_N, &len));
}

static void keystore_refusals(void)
{
    static uint8_t ks[KEYSTORE_SIZE] __attribute__((aligned(4)));
    size_t size = make_keystore(ks);
    struct keystore_header *h = (struct keystore_header *)ks;

    CU_ASSERT_PTR_NOT_NULL(keystore_check_in(ks, sizeof(*h) - 1));
    CU_ASSERT_PTR_NOT_NULL(keystore_check_in(ks, size - 1)); /* entries past the end */
    ks[size - 1] ^= 1;
    CU_ASSERT_PTR_NOT_NULL(keystore_check_in(ks, size)); /* digest */
    ks[size - 1] ^= 1;
    h->version = 2;
    CU_ASSERT_PTR_NOT_NULL(keystore_check_in(ks, size));
    h->version = KEYSTORE_VERSION;
    h->magic ^= 1;
    CU_ASSERT_PTR_NOT_NULL(keystore_check_in(ks, size));
}

static void keystore_entry_longer_than_the_rest_is_not_found(void)
{
    static uint8_t ks[KEYSTORE_SIZE] __attribute__((aligned(4)));
    size_t size = make_keystore(ks), len;
    struct keystore_header *h = (struct keystore_header *)ks;

    ks[48 + 12 + 2] = 17; /* the key's length one past the entries */
    CU_ASSERT_EQUAL(mbedtls_sha256_ret(ks + 48, h->entries_size, h->entries_sha256, 0), 0);
    CU_ASSERT_PTR_NULL_FATAL(keystore_check_in(ks, size));
    CU_ASSERT_PTR_NULL(keystore_find_in(ks, KS_COMMISSION_KEY, &len));
    CU_ASSERT_PTR_NOT_NULL(keystore_find_in(ks, KS_SERIAL, &len));
}

/* ---- mqtt ---- */

struct mqtt_case {
    const char *what;
    const uint8_t *bytes;
    size_t len;
    int rc;            /* mqtt_input's result */
    const char *topic; /* the publish handed over, or NULL: none */
};

static const struct mqtt_case mqtt_cases[] = {
    { "publish qos 0", B(0x30, 6, 0, 3, 'a', '/', 'b', 'x'), 0, "a/b" },
    { "publish qos 1", B(0x32, 8, 0, 3, 'a', '/', 'b', 0x12, 0x34, 'x'), 0, "a/b" },
    /* fuzz_mqtt found it (tests/fuzz/corpus/mqtt/regression-topic-with-nul):
     * the topic was handed over cut at the NUL, naming another topic */
    { "NUL inside the topic", B(0x30, 6, 0, 3, 'a', 0, 'b', 'x'), -1, NULL },
    { "qos 2", B(0x34, 8, 0, 3, 'a', '/', 'b', 0, 1, 'x'), -1, NULL },
    { "topic past the packet", B(0x30, 4, 0, 9, 'a', '/'), -1, NULL },
    { "connack of 3 bytes", B(0x20, 3, 0, 0, 0), -1, NULL },
    { "a subscribe, which no broker sends", B(0x82, 2, 0, 1), -1, NULL },
    { "remaining length of 5 bytes", B(0x30, 0x80, 0x80, 0x80, 0x80, 0x01), -1, NULL },
};

static char mqtt_topic[128];

static void on_mqtt_publish(void *user, const char *topic, const uint8_t *payload, size_t len)
{
    (void)user, (void)payload, (void)len;
    snprintf(mqtt_topic, sizeof(mqtt_topic), "%s", topic);
}

static void mqtt_table(void)
{
    static struct mqtt c;
    struct mqtt_handlers h = { .publish = on_mqtt_publish };

    for (size_t i = 0; i < sizeof(mqtt_cases) / sizeof(mqtt_cases[0]); i++) {
        const struct mqtt_case *t = &mqtt_cases[i];
        mqtt_init(&c, &h);
        mqtt_topic[0] = '\0';
        int rc = mqtt_input(&c, t->bytes, t->len);
        if (rc != t->rc || strcmp(mqtt_topic, t->topic ? t->topic : "") != 0)
            fprintf(stderr, "\n  case '%s': %d, topic '%s'\n", t->what, rc, mqtt_topic);
        CU_ASSERT_EQUAL(rc, t->rc);
        CU_ASSERT_STRING_EQUAL(mqtt_topic, t->topic ? t->topic : "");
    }
}

static void mqtt_oversize_packet_skipped_whole(void)
{
    static struct mqtt c;
    static uint8_t big[3 + 3000 + 2];
    struct mqtt_handlers h = { .publish = on_mqtt_publish };

    /* a PUBLISH of 3000 bytes (more than MQTT_IN_MAX), then PINGRESP */
    big[0] = 0x30, big[1] = 0xb8, big[2] = 0x17, big[4] = 1, big[5] = 'a';
    big[3003] = 0xd0, big[3004] = 0;
    mqtt_init(&c, &h);
    c.ping_outstanding = true;
    mqtt_topic[0] = '\0';
    CU_ASSERT_EQUAL(mqtt_input(&c, big, 1000), 0);
    CU_ASSERT_EQUAL(mqtt_input(&c, big + 1000, sizeof(big) - 1000), 0);
    CU_ASSERT_STRING_EQUAL(mqtt_topic, "");
    CU_ASSERT_FALSE(c.ping_outstanding);
}

static CU_TestInfo commission_blob_tests[] = {
    { "tlvs_table", tlvs_table },
    { "tlvs_fill_nul_terminated_fields", tlvs_fill_nul_terminated_fields },
    { "blob_accepted_once_for_its_n", blob_accepted_once_for_its_n },
    { "blob_refusals", blob_refusals },
    CU_TEST_INFO_NULL,
};

static CU_TestInfo keystore_read_tests[] = {
    { "keystore_finds_entries_in_bounds", keystore_finds_entries_in_bounds },
    { "keystore_refusals", keystore_refusals },
    { "keystore_entry_longer_than_the_rest_is_not_found", keystore_entry_longer_than_the_rest_is_not_found },
    CU_TEST_INFO_NULL,
};

static CU_TestInfo mqtt_tests[] = {
    { "mqtt_table", mqtt_table },
    { "mqtt_oversize_packet_skipped_whole", mqtt_oversize_packet_skipped_whole },
    CU_TEST_INFO_NULL,
};

int main(void)
{
    CU_SuiteInfo suites[] = {
        { "commission_blob", NULL, NULL, NULL, NULL, commission_blob_tests },
        { "keystore_read", NULL, NULL, NULL, NULL, keystore_read_tests },
        { "mqtt", NULL, NULL, NULL, NULL, mqtt_tests },
        CU_SUITE_INFO_NULL,
    };

    return cunit_run_suites(suites);
}
