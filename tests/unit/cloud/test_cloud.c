/* tests/unit/cloud/test_cloud.c: the reference cloud's commissioning parts
 * (tools/lampcloud): the key chain against RFC 5869 computed here from
 * HMAC alone, the lamp info proof, the credentials blob opened here with
 * OpenSSL as a lamp would, TLV limits, installer passwords and login
 * tokens; what the HTTPS services read from a request (Content-Length,
 * Range, image names) and the broker plugin's topic rules, as tables
 * (their fuzz targets: docs/fuzzing.md).  The HTTP services' framing is
 * libsoup's, tested through the running cloud
 * (tests/integration/cloud_http.sh). */
#include "commission_blob.h"
#include "https_request.h"
#include "image_range.h"
#include "installers.h"
#include "lamp_keys.h"
#include "lampcloud.h"
#include "registry_acl.h"
#include "tokens.h"

#include <CUnit/Basic.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

static const uint8_t k0[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const struct commission_wifi lab = { "lab", "password123", "proxy.lan:3128" };

/* ---- commission_blob ---------------------------------------------------- */

/* RFC 5869 by hand: PRK = HMAC(zero salt, IKM), T(1) = HMAC(PRK, info || 1). */
static void hkdf_by_hmac(const uint8_t key[16], uint32_t n, uint8_t out[16])
{
    uint8_t salt[32] = { 0 }, prk[32], t[32], msg[5];
    unsigned int len;

    HMAC(EVP_sha256(), salt, sizeof(salt), key, 16, prk, &len);
    msg[0] = (uint8_t)(n >> 24);
    msg[1] = (uint8_t)(n >> 16);
    msg[2] = (uint8_t)(n >> 8);
    msg[3] = (uint8_t)n;
    msg[4] = 1;
    HMAC(EVP_sha256(), prk, sizeof(prk), msg, sizeof(msg), t, &len);
    memcpy(out, t, 16);
}

static void key_chain_is_rfc5869_hkdf(void)
{
    uint8_t mine[16], theirs[16], derived[16];

    memcpy(mine, k0, 16);
    for (uint32_t n = 0; n < 5; n++) {
        hkdf_by_hmac(mine, n, theirs);
        CU_ASSERT_TRUE_FATAL(commission_key_next(mine, n, mine, NULL));
        CU_ASSERT_EQUAL(memcmp(mine, theirs, 16), 0);
    }
    /* K(5) in one step equals five steps; K(n) to K(n) is the key itself */
    CU_ASSERT_TRUE(commission_key_derive(k0, 0, 5, derived, NULL));
    CU_ASSERT_EQUAL(memcmp(derived, mine, 16), 0);
    CU_ASSERT_TRUE(commission_key_derive(k0, 7, 7, derived, NULL));
    CU_ASSERT_EQUAL(memcmp(derived, k0, 16), 0);
    /* info is n, not a step count: K(1) from K(0) differs from the step at n = 1 */
    commission_key_next(k0, 0, mine, NULL);
    commission_key_next(k0, 1, theirs, NULL);
    CU_ASSERT_NOT_EQUAL(memcmp(mine, theirs, 16), 0);
}

static void lamp_info_head_layout(void)
{
    uint8_t head[40];
    static const uint8_t want[24] = { 1, 0x01, 0, 0, 'L', 'M', 'P', '-', '7', 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x03, 0x02, 0x01 };
    g_autoptr(GError) error = NULL;

    CU_ASSERT_TRUE_FATAL(commission_info_head(1, "LMP-7", 0x01020304, nonce, head, NULL));
    CU_ASSERT_EQUAL(memcmp(head, want, sizeof(want)), 0);
    CU_ASSERT_EQUAL(memcmp(head + 24, nonce, 16), 0);
    CU_ASSERT_FALSE(commission_info_head(0, "", 0, nonce, head, &error));
    CU_ASSERT_FALSE(commission_info_head(0, "SEVENTEEN-CHARS-X", 0, nonce, head, NULL));
}

static void proof_accepts_the_key_and_nothing_else(void)
{
    uint8_t head[40], proof[16], mac[32], k1[16];
    unsigned int len;
    uint8_t msg[44];

    commission_info_head(0, "LMP-7", 0, nonce, head, NULL);
    /* the lamp's proof: HMAC-SHA256(K, "LINF" || head), first 16 bytes */
    memcpy(msg, "LINF", 4);
    memcpy(msg + 4, head, 40);
    HMAC(EVP_sha256(), k0, 16, msg, sizeof(msg), mac, &len);
    memcpy(proof, mac, 16);
    CU_ASSERT_TRUE(commission_info_proof_ok(k0, head, proof));
    commission_key_next(k0, 0, k1, NULL);
    CU_ASSERT_FALSE(commission_info_proof_ok(k1, head, proof));
    /* every proved byte counts: the flags, and the last nonce byte */
    head[1] ^= 1;
    CU_ASSERT_FALSE(commission_info_proof_ok(k0, head, proof));
    head[1] ^= 1;
    head[39] ^= 0x80;
    CU_ASSERT_FALSE(commission_info_proof_ok(k0, head, proof));
    head[39] ^= 0x80;
    proof[15] ^= 1;
    CU_ASSERT_FALSE(commission_info_proof_ok(k0, head, proof));
}

/* Opens a blob as the lamp does; the plaintext into pt (len returned), or -1. */
static int open_blob(const uint8_t *blob, size_t size, const uint8_t key[16], uint8_t *pt)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    size_t len = blob[52] | blob[53] << 8;
    int outl = 0, fin = 0, ok;

    if (size != 54 + len + 16)
        return -1;
    ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
         EVP_DecryptInit_ex(ctx, NULL, NULL, key, blob + 40) == 1 &&
         EVP_DecryptUpdate(ctx, NULL, &outl, blob, 54) == 1 &&
         EVP_DecryptUpdate(ctx, pt, &outl, blob + 54, (int)len) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(blob + 54 + len)) == 1 &&
         EVP_DecryptFinal_ex(ctx, pt + outl, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? outl + fin : -1;
}

static void blob_opens_under_the_key_with_its_header(void)
{
    uint8_t k2[16], pt[256];
    static const uint8_t tlvs[] = { 1, 3, 'l', 'a', 'b', 2, 11, 'p', 'a', 's', 's', 'w', 'o',
                                    'r', 'd', '1', '2', '3', 3, 14, 'p', 'r', 'o', 'x', 'y',
                                    '.', 'l', 'a', 'n', ':', '3', '1', '2', '8' };
    g_autoptr(GBytes) blob = NULL, again = NULL;
    const uint8_t *b;
    size_t size;

    commission_key_derive(k0, 0, 2, k2, NULL);
    blob = commission_blob_build(k2, "LMP-7", 2, nonce, &lab, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(blob);
    b = g_bytes_get_data(blob, &size);
    CU_ASSERT_EQUAL(size, 54 + sizeof(tlvs) + 16);
    CU_ASSERT_EQUAL(memcmp(b, "LCB1", 4), 0);
    CU_ASSERT_EQUAL(memcmp(b + 4, "LMP-7\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
    CU_ASSERT_EQUAL(b[20] | b[21] << 8 | b[22] << 16 | (uint32_t)b[23] << 24, 2);
    CU_ASSERT_EQUAL(memcmp(b + 24, nonce, 16), 0);
    CU_ASSERT_EQUAL(b[52] | b[53] << 8, sizeof(tlvs));
    CU_ASSERT_EQUAL(open_blob(b, size, k2, pt), (int)sizeof(tlvs));
    CU_ASSERT_EQUAL(memcmp(pt, tlvs, sizeof(tlvs)), 0);
    /* under K(0) or K(3) it does not open */
    CU_ASSERT_EQUAL(open_blob(b, size, k0, pt), -1);
    /* a fresh IV each time */
    again = commission_blob_build(k2, "LMP-7", 2, nonce, &lab, NULL);
    CU_ASSERT_NOT_EQUAL(memcmp(g_bytes_get_data(again, NULL) + 40, b + 40, 12), 0);
}

static void blob_tampered_anywhere_fails_gcm(void)
{
    g_autoptr(GBytes) blob = commission_blob_build(k0, "LMP-7", 0, nonce, &lab, NULL);
    size_t size;
    const uint8_t *b = g_bytes_get_data(blob, &size);
    g_autofree uint8_t *copy = g_memdup2(b, size);
    uint8_t pt[256];
    /* header (serial, n, nonce, IV), ciphertext, tag; L is left: it changes the framing */
    static const size_t at[] = { 0, 5, 20, 30, 45, 54, 60 };

    CU_ASSERT_TRUE_FATAL(open_blob(copy, size, k0, pt) > 0);
    for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
        copy[at[i]] ^= 0x01;
        CU_ASSERT_EQUAL(open_blob(copy, size, k0, pt), -1);
        copy[at[i]] ^= 0x01;
    }
    copy[size - 1] ^= 0x80;
    CU_ASSERT_EQUAL(open_blob(copy, size, k0, pt), -1);
}

static void tlv_limits(void)
{
    static const char s32[] = "ssid-of-exactly-thirty-two-bytes";
    static const char s33[] = "ssid-of-exactly-thirty-two-bytes!";
    static const char p63[] = "passphrase-of-63-bytes-passphrase-of-63-bytes-passphrase-of-63-";
    static const char p64[] = "passphrase-of-64-bytes-passphrase-of-64-bytes-passphrase-of-64-b";
    static const char x63[] = "proxy-host-of-sixty-three-bytes.example.comxxxxxxxxxxxxxxx:3128";
    static const char x64[] = "proxy-host-of-sixty-three-bytes.example.comxxxxxxxxxxxxxxxx:3128";
    static const struct {
        struct commission_wifi w;
        const char *error; /* NULL: valid */
    } cases[] = {
        { { "lab", "password", NULL }, NULL },
        { { s32, p63, x63 }, NULL },
        { { "l", "password", "" }, NULL },
        { { "", "password123", NULL }, "ssid: 0 bytes" },
        { { s33, "password123", NULL }, "ssid: 33 bytes" },
        { { "lab", "passwor", NULL }, "passphrase: 7 bytes" },
        { { "lab", p64, NULL }, "passphrase: 64 bytes" },
        { { "lab", "password123", x64 }, "proxy: 64 bytes" },
        { { "lab", "password123", "proxy.lan" }, "proxy 'proxy.lan'" },
        { { "lab", "password123", "proxy.lan:0" }, "proxy 'proxy.lan:0'" },
        { { NULL, "password123", NULL }, "required" },
    };

    CU_ASSERT_TRUE_FATAL(strlen(s32) == 32 && strlen(p63) == 63 && strlen(x63) == 63 &&
                         strlen(x64) == 64);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) tlvs = commission_tlvs(&cases[i].w, &error);
        g_autoptr(GBytes) blob = commission_blob_build(k0, "LMP-7", 0, nonce, &cases[i].w, NULL);
        bool as_expected = cases[i].error ? !tlvs && !blob && error &&
                                                strstr(error->message, cases[i].error)
                                          : tlvs && blob;
        CU_ASSERT_TRUE(as_expected);
        if (!as_expected)
            fprintf(stderr, "case %zu: %s\n", i, error ? error->message : "accepted");
    }
}

/* ---- installers and lamp_keys (a registry in a temporary directory) ---- */

static char *tmp, *registry;

static int registry_setup(void)
{
    sqlite3 *db = NULL;
    int rc;

    tmp = g_dir_make_tmp("lampcloud-test-XXXXXX", NULL);
    registry = g_build_filename(tmp, "registry.sqlite", NULL);
    /* the lamps table as lampfactory makes it (docs/formats.md#registry) */
    rc = sqlite3_open(registry, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "CREATE TABLE lamps(serial TEXT PRIMARY KEY, profile TEXT,"
                              " status TEXT, device_cert_pem TEXT, commission_key_hex TEXT,"
                              " commission_n INTEGER, provisioned_at TEXT);"
                              "INSERT INTO lamps VALUES('LMP-7', 'production', 'active', '',"
                              " '00112233445566778899aabbccddeeff', 0, '');"
                              "INSERT INTO lamps VALUES('LMP-8', 'production', 'revoked', '',"
                              " '00112233445566778899aabbccddeeff', 0, '');",
                          NULL, NULL, NULL);
    sqlite3_close(db);
    return tmp && rc == SQLITE_OK ? 0 : 1;
}

static int registry_teardown(void)
{
    unlink(registry);
    rmdir(tmp);
    g_free(registry);
    g_free(tmp);
    return 0;
}

static void installer_password_checked_with_pbkdf2(void)
{
    g_autoptr(GError) error = NULL;

    CU_ASSERT_TRUE_FATAL(installer_add(registry, "alice", "correct horse", false, NULL));
    CU_ASSERT_EQUAL(installer_check(registry, "alice", "correct horse", NULL), INSTALLER_OK);
    CU_ASSERT_EQUAL(installer_check(registry, "alice", "correct hors", NULL), INSTALLER_REFUSED);
    CU_ASSERT_EQUAL(installer_check(registry, "alice", "", NULL), INSTALLER_REFUSED);
    CU_ASSERT_EQUAL(installer_check(registry, "bob", "correct horse", NULL), INSTALLER_REFUSED);
    /* an existing name needs replace, which sets the new password */
    CU_ASSERT_FALSE(installer_add(registry, "alice", "battery staple", false, &error));
    CU_ASSERT_TRUE(g_error_matches(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT));
    CU_ASSERT_TRUE(installer_add(registry, "alice", "battery staple", true, NULL));
    CU_ASSERT_EQUAL(installer_check(registry, "alice", "correct horse", NULL), INSTALLER_REFUSED);
    CU_ASSERT_EQUAL(installer_check(registry, "alice", "battery staple", NULL), INSTALLER_OK);
    CU_ASSERT_FALSE(installer_add(registry, "carol", "", false, NULL));
    CU_ASSERT_FALSE(installer_add(registry, "has space", "pw", false, NULL));
    CU_ASSERT_TRUE(installer_remove(registry, "alice", NULL));
    CU_ASSERT_EQUAL(installer_exists(registry, "alice", NULL), INSTALLER_REFUSED);
    CU_ASSERT_FALSE(installer_remove(registry, "alice", NULL));
}

static void installer_salt_and_hash_stored(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;

    CU_ASSERT_TRUE_FATAL(installer_add(registry, "dave", "pw", false, NULL));
    CU_ASSERT_TRUE_FATAL(installer_add(registry, "erin", "pw", false, NULL));
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(registry, &db), SQLITE_OK);
    sqlite3_prepare_v2(db, "SELECT name, salt_hex, hash_hex, iterations FROM installers "
                           "ORDER BY name", -1, &st, NULL);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    g_autofree char *salt = g_strdup((const char *)sqlite3_column_text(st, 1));
    g_autofree char *hash = g_strdup((const char *)sqlite3_column_text(st, 2));
    CU_ASSERT_EQUAL(strlen(salt), 32);
    CU_ASSERT_EQUAL(strlen(hash), 64);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 3), INSTALLER_ITERATIONS);
    /* the same password, another salt, another hash */
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_STRING_NOT_EQUAL(salt, (const char *)sqlite3_column_text(st, 1));
    CU_ASSERT_STRING_NOT_EQUAL(hash, (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void lamp_key_advances_at_most_three(void)
{
    struct lamp_key row;
    uint8_t k2[16];
    uint32_t from = 99;

    CU_ASSERT_TRUE_FATAL(lamp_key_read(registry, "LMP-7", &row, NULL));
    CU_ASSERT_EQUAL(row.status, REGISTRY_ACTIVE);
    CU_ASSERT_EQUAL(row.n, 0);
    CU_ASSERT_EQUAL(memcmp(row.key, k0, 16), 0);
    CU_ASSERT_EQUAL(lamp_key_advance(registry, "LMP-7", 4, &from, NULL), LAMP_KEY_TOO_FAR);
    CU_ASSERT_EQUAL(from, 0);
    CU_ASSERT_EQUAL(lamp_key_advance(registry, "LMP-7", 2, &from, NULL), LAMP_KEY_ADVANCED);
    CU_ASSERT_TRUE(lamp_key_read(registry, "LMP-7", &row, NULL));
    commission_key_derive(k0, 0, 2, k2, NULL);
    CU_ASSERT_EQUAL(row.n, 2);
    CU_ASSERT_EQUAL(memcmp(row.key, k2, 16), 0);
    CU_ASSERT_EQUAL(lamp_key_advance(registry, "LMP-7", 2, &from, NULL), LAMP_KEY_ALREADY);
    CU_ASSERT_EQUAL(lamp_key_advance(registry, "LMP-7", 1, &from, NULL), LAMP_KEY_BEHIND);
    CU_ASSERT_EQUAL(lamp_key_advance(registry, "LMP-7", 5, &from, NULL), LAMP_KEY_ADVANCED);
    CU_ASSERT_EQUAL(lamp_key_advance(registry, "NOPE", 1, &from, NULL), LAMP_KEY_UNKNOWN);
    CU_ASSERT_TRUE(lamp_key_read(registry, "LMP-8", &row, NULL));
    CU_ASSERT_EQUAL(row.status, REGISTRY_REVOKED);
    CU_ASSERT_TRUE(lamp_key_read(registry, "NOPE", &row, NULL));
    CU_ASSERT_EQUAL(row.status, REGISTRY_UNKNOWN);
}

/* ---- tokens ------------------------------------------------------------- */

static void tokens_name_their_installer(void)
{
    struct tokens *t = tokens_new();
    g_autofree char *a = tokens_issue(t, "alice"), *b = tokens_issue(t, "bob");
    g_autofree char *who_a = tokens_check(t, a), *who_b = tokens_check(t, b);
    g_autofree char *wrong = g_strdup(a);

    CU_ASSERT_EQUAL(strlen(a), 64);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_STRING_EQUAL(who_a, "alice");
    CU_ASSERT_STRING_EQUAL(who_b, "bob");
    wrong[63] = wrong[63] == '0' ? '1' : '0';
    CU_ASSERT_PTR_NULL(tokens_check(t, wrong));
    CU_ASSERT_PTR_NULL(tokens_check(t, ""));
    tokens_free(t);
}

/* ---- what the HTTPS services and the broker plugin read ---- */

static void content_length_is_one_number_that_fits(void)
{
    static const struct { const char *value; bool ok; } cases[] = {
        { NULL, true }, { "0", true }, { "4096", true }, { "12, 12", true },
        { "9223372036854775807", true },   /* G_MAXINT64 */
        { "9223372036854775808", false },  /* libsoup would read it as -1 */
        { "99999999999999999999", false }, /* fuzz: https_request, regress-content-length-past-64-bits */
        { "", false }, { "12, 13", false }, { "-1", false }, { "+1", false }, { "1 2", false },
        { "0x10", false }, { ",", false }, { "12,", false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (https_content_length_ok(cases[i].value) != cases[i].ok)
            printf("\n  Content-Length '%s': want %s", cases[i].value ? cases[i].value : "(none)",
                   cases[i].ok ? "accepted" : "refused");
        CU_ASSERT_EQUAL(https_content_length_ok(cases[i].value), cases[i].ok);
    }
}

static void range_lies_within_the_image(void)
{
    static const struct {
        const char *value;
        gint64 size;
        enum image_range want;
        gint64 start, end;
    } cases[] = {
        { NULL, 100, IMAGE_RANGE_NONE, 0, 0 },
        { "bytes=0-", 100, IMAGE_RANGE_ONE, 0, 99 },
        { "bytes=10-19", 100, IMAGE_RANGE_ONE, 10, 19 },
        { "bytes=90-1000", 100, IMAGE_RANGE_ONE, 90, 99 },
        { "bytes=-10", 100, IMAGE_RANGE_ONE, 90, 99 },
        { "bytes=-1000", 100, IMAGE_RANGE_ONE, 0, 99 },
        { " Bytes = 5-5 ", 100, IMAGE_RANGE_ONE, 5, 5 },
        { "bytes=100-", 100, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=20-10", 100, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=-0", 100, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=-5", 0, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=5", 100, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=a-5", 100, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=99999999999999999999-", 100, IMAGE_RANGE_UNSATISFIABLE, 0, 0 },
        { "bytes=0-1,5-9", 100, IMAGE_RANGE_NONE, 0, 0 },
        { "items=0-1", 100, IMAGE_RANGE_NONE, 0, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        gint64 start = -1, end = -1;
        enum image_range got = image_range_parse(cases[i].value, cases[i].size, &start, &end);
        CU_ASSERT_EQUAL(got, cases[i].want);
        if (got == IMAGE_RANGE_ONE && cases[i].want == IMAGE_RANGE_ONE) {
            CU_ASSERT_EQUAL(start, cases[i].start);
            CU_ASSERT_EQUAL(end, cases[i].end);
        }
    }
    CU_ASSERT_TRUE(image_name_valid("lamp-1.2.0.img"));
    CU_ASSERT_FALSE(image_name_valid(""));
    CU_ASSERT_FALSE(image_name_valid(".hidden"));
    CU_ASSERT_FALSE(image_name_valid("../keys"));
    CU_ASSERT_FALSE(image_name_valid("a/b"));
}

static void lamp_topics_are_its_own_and_not_its_offers(void)
{
    static const struct { const char *id, *topic; bool write, ok; } cases[] = {
        { "LMP-7", "lamp/LMP-7/shadow/reported", true, true },
        { "LMP-7", "lamp/LMP-7/shadow/desired", false, true },
        { "LMP-7", "lamp/LMP-7/appctl/blink", false, true },
        { "LMP-7", "lamp/LMP-7/appctl/blink", true, false },   /* its own offer */
        { "LMP-7", "lamp/LMP-7/appctl/blink/status", true, true },
        { "LMP-7", "lamp/LMP-70/shadow/reported", true, false }, /* a serial it is a prefix of */
        { "LMP-7", "lamp/LMP-8/shadow/desired", false, false },
        { "LMP-7", "lamp/LMP-7", false, false },
        { "LMP-7", "lamp/+/shadow/desired", false, false },
        { "LMP-7", "lamp/#", false, false },
        { "cloud:ota", "lamp/LMP-7/appctl/blink", true, true },
        { NULL, "lamp/LMP-7/shadow/desired", false, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        CU_ASSERT_EQUAL(registry_acl_allows(cases[i].id, cases[i].topic, cases[i].write),
                        cases[i].ok);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("commission_blob", NULL, NULL);
    CU_add_test(s, "key_chain_is_rfc5869_hkdf", key_chain_is_rfc5869_hkdf);
    CU_add_test(s, "lamp_info_head_layout", lamp_info_head_layout);
    CU_add_test(s, "proof_accepts_the_key_and_nothing_else", proof_accepts_the_key_and_nothing_else);
    CU_add_test(s, "blob_opens_under_the_key_with_its_header", blob_opens_under_the_key_with_its_header);
    CU_add_test(s, "blob_tampered_anywhere_fails_gcm", blob_tampered_anywhere_fails_gcm);
    CU_add_test(s, "tlv_limits", tlv_limits);
    s = CU_add_suite("registry", registry_setup, registry_teardown);
    CU_add_test(s, "installer_password_checked_with_pbkdf2", installer_password_checked_with_pbkdf2);
    CU_add_test(s, "installer_salt_and_hash_stored", installer_salt_and_hash_stored);
    CU_add_test(s, "lamp_key_advances_at_most_three", lamp_key_advances_at_most_three);
    s = CU_add_suite("tokens", NULL, NULL);
    CU_add_test(s, "tokens_name_their_installer", tokens_name_their_installer);
    s = CU_add_suite("requests", NULL, NULL);
    CU_add_test(s, "content_length_is_one_number_that_fits", content_length_is_one_number_that_fits);
    CU_add_test(s, "range_lies_within_the_image", range_lies_within_the_image);
    CU_add_test(s, "lamp_topics_are_its_own_and_not_its_offers", lamp_topics_are_its_own_and_not_its_offers);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
