/* tests/unit/factory/test_factory.c: lampfactory's library: update image
 * format (round trip, every tampering refused), signing keys (type and
 * size checks, PKCS#11 through SoftHSM2), keystore and fuse writers, and
 * provisioning into a state directory the emulator reads back.  Keys come
 * from the build's development fleet; extra keys are made with the openssl
 * command line (fast even when this test runs under valgrind). */
#include "factory.h"
#include "flash_store.h"
#include "guest_mem.h"

#include "config.h"

#include <CUnit/Basic.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/sha.h>
#include <string.h>

static char *tmp, *fleet;
static uint8_t enc_key[16];
static gchar *app_bin;
static gsize app_len;

static bool sh(const char *cmd)
{
    gint status;
    g_autofree char *err = NULL;

    if (!g_spawn_command_line_sync(cmd, NULL, &err, &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        fprintf(stderr, "command failed: %s\n%s\n", cmd, err ? err : "");
        return false;
    }
    return true;
}

static char *tmp_path(const char *name)
{
    return g_build_filename(tmp, name, NULL);
}

static int setup(void)
{
    g_autofree char *cmd = NULL, *enc = NULL;

    tmp = g_dir_make_tmp("lampfactory-test-XXXXXX", NULL);
    fleet = tmp_path("fleet");
    cmd = g_strdup_printf("cp -a %s %s", LAMPSIM_DEV_FLEET_DIR, fleet);
    enc = factory_fleet_path(fleet, FLEET_ENC_KEY);
    if (!tmp || !sh(cmd) || !factory_load_enc_key(enc, enc_key, NULL))
        return 1;
    return g_file_get_contents(LAMPSIM_FIRMWARE_DIR "/app.bin", &app_bin, &app_len, NULL) ? 0 : 1;
}

static int teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", tmp);
    sh(cmd);
    g_free(tmp);
    g_free(fleet);
    g_free(app_bin);
    return 0;
}

static struct factory_signer *fleet_signer(void)
{
    g_autofree char *key = factory_fleet_path(fleet, FLEET_SIGNING_KEY);
    return factory_signer_open(key, NULL, NULL);
}

static EVP_PKEY *fleet_pub(void)
{
    g_autofree char *pub = factory_fleet_path(fleet, FLEET_SIGNING_PUB);
    return factory_load_public_key(pub, NULL);
}

static GBytes *signed_app(uint32_t epoch)
{
    struct factory_signer *s = fleet_signer();
    struct image_sign_params p = { .version = 0x010203, .epoch = epoch };
    GBytes *img;

    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    img = factory_sign_image((uint8_t *)app_bin, app_len, &p, enc_key, s, NULL);
    factory_signer_free(s);
    return img;
}

static void image_round_trip(void)
{
    g_autoptr(GBytes) img = signed_app(3);
    g_autoptr(GBytes) plain = NULL;
    const uint8_t *d;
    gsize len;
    struct image_header h;
    EVP_PKEY *pub = fleet_pub();
    uint8_t digest[32];

    CU_ASSERT_PTR_NOT_NULL_FATAL(img);
    d = g_bytes_get_data(img, &len);
    CU_ASSERT_EQUAL(len, IMAGE_HEADER_SIZE + app_len + IMAGE_SIG_SIZE);
    CU_ASSERT_TRUE(factory_image_parse(d, len, &h, NULL));
    CU_ASSERT_EQUAL(h.magic, IMAGE_MAGIC);
    CU_ASSERT_EQUAL(h.fw_version, 0x010203);
    CU_ASSERT_EQUAL(h.security_epoch, 3);
    CU_ASSERT_EQUAL(h.payload_size, app_len);
    CU_ASSERT_EQUAL(h.load_addr, IMAGE_LOAD_ADDR);
    SHA256((uint8_t *)app_bin, app_len, digest);
    CU_ASSERT_EQUAL(memcmp(h.plain_sha256, digest, 32), 0);
    /* The payload on the wire is not the plaintext. */
    CU_ASSERT_NOT_EQUAL(memcmp(d + IMAGE_HEADER_SIZE, app_bin, 64), 0);
    CU_ASSERT_TRUE(factory_image_verify(d, len, pub, NULL));
    plain = factory_image_decrypt(d, len, enc_key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    CU_ASSERT_EQUAL(g_bytes_get_size(plain), app_len);
    CU_ASSERT_EQUAL(memcmp(g_bytes_get_data(plain, NULL), app_bin, app_len), 0);
    EVP_PKEY_free(pub);
}

/* One changed byte anywhere that matters: refused, with the right kind. */
static void image_tampering_refused(void)
{
    g_autoptr(GBytes) img = signed_app(1);
    gsize len;
    const uint8_t *d = g_bytes_get_data(img, &len);
    /* One byte longer than the image, for the appended-byte case. */
    g_autofree uint8_t *t = g_malloc0(len + 1);
    EVP_PKEY *pub = fleet_pub();
    struct image_header h;
    const size_t flips[] = { 8, 12, 40, 70, 90, IMAGE_HEADER_SIZE + 100, len - 1 };
    uint8_t other[16];

    for (size_t i = 0; i < G_N_ELEMENTS(flips); i++) {
        g_autoptr(GError) error = NULL;
        memcpy(t, d, len);
        t[flips[i]] ^= 0x01;
        CU_ASSERT_FALSE(factory_image_verify(t, len, pub, &error));
        CU_ASSERT_TRUE(error && error->code == FACTORY_ERROR_VERIFY);
    }
    {   /* reserved byte: an unknown field, refused before any crypto */
        g_autoptr(GError) error = NULL;
        memcpy(t, d, len);
        t[200] = 1;
        CU_ASSERT_FALSE(factory_image_parse(t, len, &h, &error));
        CU_ASSERT_TRUE(error && error->code == FACTORY_ERROR_INPUT &&
                       strstr(error->message, "unknown fields"));
    }
    {   /* truncated, and one byte too many */
        g_autoptr(GError) e1 = NULL, e2 = NULL;
        memcpy(t, d, len);
        CU_ASSERT_FALSE(factory_image_parse(t, len - 1, &h, &e1));
        CU_ASSERT_TRUE(e1 && strstr(e1->message, "truncated"));
        t[len] = 0;
        CU_ASSERT_FALSE(factory_image_parse(t, len + 1, &h, &e2));
        CU_ASSERT_TRUE(e2 && strstr(e2->message, "longer"));
    }
    {   /* another fleet's firmware key cannot unwrap the content key */
        g_autoptr(GError) error = NULL;
        memcpy(other, enc_key, 16);
        other[0] ^= 0x80;
        CU_ASSERT_PTR_NULL(factory_image_decrypt(d, len, other, &error));
        CU_ASSERT_TRUE(error && strstr(error->message, "does not unwrap"));
    }
    EVP_PKEY_free(pub);
}

static void signing_key_types(void)
{
    g_autofree char *ec = tmp_path("ec.key"), *rsa2k = tmp_path("rsa2k.key");
    g_autofree char *c1 = g_strdup_printf("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s", ec);
    g_autofree char *c2 = g_strdup_printf("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s", rsa2k);
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    const uint8_t zeros[64] = { 0 };

    CU_ASSERT_TRUE_FATAL(sh(c1) && sh(c2));
    CU_ASSERT_PTR_NULL(factory_signer_open(ec, NULL, &e1));
    CU_ASSERT_TRUE(e1 && strstr(e1->message, "RSA-4096 only") && strstr(e1->message, "EC"));
    CU_ASSERT_PTR_NULL(factory_signer_open(rsa2k, NULL, &e2));
    CU_ASSERT_TRUE(e2 && strstr(e2->message, "2048"));
    CU_ASSERT_FALSE(factory_check_app_binary(zeros, sizeof(zeros), &e3));
    CU_ASSERT_TRUE(e3 && e3->code == FACTORY_ERROR_INPUT);
}

static void foreign_key_does_not_verify(void)
{
    g_autofree char *key = tmp_path("foreign.key");
    g_autofree char *cmd = g_strdup_printf("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out %s", key);
    struct image_sign_params p = { .version = 1, .epoch = 1 };
    struct factory_signer *s;
    g_autoptr(GBytes) img = NULL;
    EVP_PKEY *pub = fleet_pub();
    gsize len;

    CU_ASSERT_TRUE_FATAL(sh(cmd));
    s = factory_signer_open(key, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    img = factory_sign_image((uint8_t *)app_bin, app_len, &p, enc_key, s, NULL);
    factory_signer_free(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(img);
    CU_ASSERT_FALSE(factory_image_verify(g_bytes_get_data(img, &len), g_bytes_get_size(img), pub, NULL));
    EVP_PKEY_free(pub);
}

static void keystore_layout(void)
{
    static uint8_t ks[KEYSTORE_SIZE];
    const uint8_t a[] = "LMP-1", b[5] = { 1, 2, 3, 4, 5 };
    const struct keystore_entry e[] = { { KS_SERIAL, a, 5 }, { KS_FW_RSA_E, b, 5 } };
    struct keystore_header h;
    uint8_t digest[32];
    static uint8_t big[KEYSTORE_SIZE];
    const struct keystore_entry too_big[] = { { KS_DEVICE_CERT, big, sizeof(big) } };

    CU_ASSERT_TRUE_FATAL(factory_keystore_build(e, 2, ks, NULL));
    memcpy(&h, ks, sizeof(h));
    CU_ASSERT_EQUAL(h.magic, KEYSTORE_MAGIC);
    CU_ASSERT_EQUAL(h.version, KEYSTORE_VERSION);
    CU_ASSERT_EQUAL(h.entry_count, 2);
    CU_ASSERT_EQUAL(h.entries_size, (4 + 8) + (4 + 8)); /* values padded to 4 */
    SHA256(ks + 48, h.entries_size, digest);
    CU_ASSERT_EQUAL(memcmp(digest, h.entries_sha256, 32), 0);
    CU_ASSERT_EQUAL(ks[48], KS_SERIAL);
    CU_ASSERT_EQUAL(ks[50], 5);
    CU_ASSERT_EQUAL(memcmp(ks + 52, "LMP-1\0\0\0", 8), 0);
    CU_ASSERT_EQUAL(ks[60], KS_FW_RSA_E);
    CU_ASSERT_EQUAL(memcmp(ks + 64, b, 5), 0);
    CU_ASSERT_EQUAL(ks[48 + h.entries_size], 0xFF); /* erased after the entries */
    CU_ASSERT_FALSE(factory_keystore_build(too_big, 1, ks, NULL));
}

static void otp_profiles(void)
{
    uint8_t otp[OTP_SIZE];

    CU_ASSERT_TRUE_FATAL(factory_otp_build("LMP-42", "production", otp, NULL));
    CU_ASSERT_EQUAL(otp[0], 0x07);
    CU_ASSERT_EQUAL(memcmp(otp + 0x10, "LMP-42\0", 7), 0);
    CU_ASSERT_EQUAL(otp[0x20], 0); /* epoch left to the firmware */
    CU_ASSERT_TRUE_FATAL(factory_otp_build("LMP-42", "development", otp, NULL));
    CU_ASSERT_EQUAL(otp[0], 0x04);
    CU_ASSERT_FALSE(factory_otp_build("LMP-42", "lab", otp, NULL));
    CU_ASSERT_FALSE(factory_otp_build("this-serial-is-too-long", "production", otp, NULL));
    CU_ASSERT_FALSE(factory_otp_build("bad serial", "production", otp, NULL));
}

/* A fleet from before app packages: provisioning refuses it and names the
 * way out, fleet-add-app-key gives it a key once, then it provisions. */
static void old_fleet_gets_an_app_key(void)
{
    g_autoptr(GBytes) img = signed_app(1);
    g_autofree char *old = tmp_path("old-fleet"), *img_path = tmp_path("old.img");
    g_autofree char *dir = tmp_path("old-lamp"), *dir2 = tmp_path("old-lamp2");
    /* (sh runs no shell: one command each) */
    g_autofree char *cmd = g_strdup_printf("cp -a %s %s", fleet, old);
    g_autofree char *rm = g_strdup_printf("rm %s/%s %s/%s", old, FLEET_APP_SIGNING_KEY, old,
                                          FLEET_APP_SIGNING_PUB);
    g_autofree char *pub_path = factory_fleet_path(old, FLEET_APP_SIGNING_PUB);
    g_autofree char *pub1 = NULL, *pub2 = NULL;
    struct provision_params p = { old, dir, "OLD-0001", "production", img_path,
                                  LAMPSIM_FIRMWARE_DIR "/bootloader.bin", false, NULL, NULL };
    g_autoptr(GError) error = NULL;

    CU_ASSERT_TRUE_FATAL(sh(cmd) && sh(rm));
    CU_ASSERT_TRUE_FATAL(factory_write_file(img_path, g_bytes_get_data(img, NULL),
                                            g_bytes_get_size(img), 0644, NULL));
    CU_ASSERT_FALSE(factory_provision(&p, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "fleet-add-app-key"));
    g_clear_error(&error);
    CU_ASSERT_TRUE_FATAL(factory_fleet_add_app_key(old, &error));
    CU_ASSERT_TRUE(g_file_get_contents(pub_path, &pub1, NULL, NULL));
    /* never a second key: lamps provisioned with the first would be orphans */
    CU_ASSERT_FALSE(factory_fleet_add_app_key(old, &error));
    CU_ASSERT_PTR_NOT_NULL(error && strstr(error->message, "already has"));
    g_clear_error(&error);
    CU_ASSERT_TRUE(g_file_get_contents(pub_path, &pub2, NULL, NULL));
    CU_ASSERT_STRING_EQUAL(pub1, pub2);
    p.state_dir = dir2;
    CU_ASSERT_TRUE(factory_provision(&p, &error));
    CU_ASSERT_FALSE(factory_fleet_add_app_key(tmp, &error)); /* no fleet there */
}

static void provision_writes_a_bootable_lamp(void)
{
    g_autoptr(GBytes) img = signed_app(1);
    g_autofree char *img_path = tmp_path("app.img"), *dir = tmp_path("lamp1");
    g_autofree char *dir2 = tmp_path("lamp2");
    struct guest_mem *mem = guest_mem_new(NULL, NULL);
    const uint8_t *flash = guest_mem_flash(mem), *otp = guest_mem_otp(mem);
    g_autofree gchar *boot = NULL;
    gsize boot_len;
    struct provision_params p = { fleet, dir, "TEST-0001", "production", img_path,
                                  LAMPSIM_FIRMWARE_DIR "/bootloader.bin", false, NULL, NULL };
    g_autoptr(GError) error = NULL;
    struct flash_store *st;
    struct factory_registry *reg;
    g_autofree char *list = NULL;

    CU_ASSERT_TRUE_FATAL(factory_write_file(img_path, g_bytes_get_data(img, NULL),
                                            g_bytes_get_size(img), 0644, NULL));
    CU_ASSERT_TRUE_FATAL(factory_provision(&p, &error));
    st = flash_store_open(dir, mem, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    flash_store_close(st);
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(LAMPSIM_FIRMWARE_DIR "/bootloader.bin", &boot,
                                             &boot_len, NULL));
    CU_ASSERT_EQUAL(memcmp(flash, boot, boot_len), 0);
    CU_ASSERT_EQUAL(memcmp(flash + KEYSTORE_ADDR, "LKS1", 4), 0);
    CU_ASSERT_EQUAL(memcmp(flash + SLOT_A_ADDR, g_bytes_get_data(img, NULL), IMAGE_HEADER_SIZE), 0);
    CU_ASSERT_EQUAL(memcmp(flash + IMAGE_LOAD_ADDR, app_bin, app_len), 0);
    CU_ASSERT_EQUAL(flash[SLOT_A_CONFIRM_ADDR], 0xFF);
    CU_ASSERT_EQUAL(otp[0], 0x07);
    CU_ASSERT_EQUAL(memcmp(otp + 0x10, "TEST-0001", 9), 0);

    reg = factory_registry_open(fleet, false, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(reg);
    list = factory_registry_list(reg, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(list, "TEST-0001"));
    CU_ASSERT_PTR_NOT_NULL(strstr(list, "active"));
    CU_ASSERT_TRUE(factory_registry_revoke(reg, "TEST-0001", NULL));
    CU_ASSERT_FALSE(factory_registry_revoke(reg, "NO-SUCH", NULL));
    factory_registry_close(reg);

    /* Same serial again: refused, and nothing written. */
    p.state_dir = dir2;
    g_clear_error(&error);
    CU_ASSERT_FALSE(factory_provision(&p, &error));
    CU_ASSERT_TRUE(error && strstr(error->message, "already in the registry"));
    CU_ASSERT_FALSE(g_file_test(dir2, G_FILE_TEST_EXISTS) &&
                    g_file_test(g_build_filename(dir2, "lamp.img", NULL), G_FILE_TEST_EXISTS));
    /* ...unless re-provisioning is asked for. */
    p.replace = true;
    CU_ASSERT_TRUE(factory_provision(&p, NULL));
    guest_mem_free(mem);
}

/* A server certificate issued from a given time (the whole-lamp fuzzer's
 * lamp has a clock of its own): valid from then for the days asked, with
 * the name and addresses asked, under the fleet's cloud CA. */
static void server_cert_from_a_given_time(void)
{
    g_autofree char *key = tmp_path("at.key"), *crt = tmp_path("at.crt");
    g_autofree char *ca_path = g_build_filename(fleet, "cloud-ca.crt", NULL);
    const int64_t from = 1735689600; /* 2025-01-01 00:00:00 UTC */
    g_autoptr(GError) error = NULL;
    int day, sec;

    CU_ASSERT_FATAL(factory_issue_pem_at(fleet, true, "localhost", "DNS:localhost,IP:127.0.0.1",
                                         from, 10, key, crt, &error));
    BIO *b = BIO_new_file(crt, "r"), *cb = BIO_new_file(ca_path, "r");
    X509 *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    X509 *ca = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    ASN1_TIME *want = ASN1_TIME_set(NULL, (time_t)from);
    CU_ASSERT_FATAL(cert && ca && want);
    CU_ASSERT(ASN1_TIME_diff(&day, &sec, want, X509_get0_notBefore(cert)) && day == 0 && sec == 0);
    CU_ASSERT(ASN1_TIME_diff(&day, &sec, want, X509_get0_notAfter(cert)) && day == 10 && sec == 0);
    CU_ASSERT_EQUAL(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
    CU_ASSERT_EQUAL(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    CU_ASSERT_EQUAL(X509_check_issued(ca, cert), X509_V_OK);
    ASN1_TIME_free(want);
    X509_free(cert);
    X509_free(ca);
    BIO_free(b);
    BIO_free(cb);
}

static void pkcs11_softhsm_signing(void)
{
    g_autofree char *tokens = tmp_path("tokens"), *conf = tmp_path("softhsm2.conf");
    g_autofree char *conf_text = g_strdup_printf("directories.tokendir = %s\nobjectstore.backend = file\n", tokens);
    g_autofree char *key = factory_fleet_path(fleet, FLEET_SIGNING_KEY);
    g_autofree char *init = g_strdup("softhsm2-util --init-token --free --label lampsim-test --pin 1234 --so-pin 5678");
    g_autofree char *import = g_strdup_printf("softhsm2-util --import %s --token lampsim-test --label fw-signing --id 01 --pin 1234", key);
    const char *module = "/usr/lib/softhsm/libsofthsm2.so";
    g_autofree char *uri = g_strdup_printf("pkcs11:token=lampsim-test;object=fw-signing?pin-value=1234&module-path=%s", module);
    g_autofree char *bad_uri = g_strdup_printf("pkcs11:token=lampsim-test;object=fw-signing?pin-value=9999&module-path=%s", module);
    struct image_sign_params p = { .version = 0x020000, .epoch = 2 };
    struct factory_signer *s;
    g_autoptr(GBytes) img = NULL;
    g_autoptr(GError) error = NULL;
    EVP_PKEY *pub = fleet_pub();

    CU_ASSERT_TRUE_FATAL(g_mkdir_with_parents(tokens, 0700) == 0 &&
                         g_file_set_contents(conf, conf_text, -1, NULL));
    g_setenv("SOFTHSM2_CONF", conf, TRUE);
    CU_ASSERT_TRUE_FATAL(sh(init) && sh(import));

    s = factory_signer_open(uri, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    img = factory_sign_image((uint8_t *)app_bin, app_len, &p, enc_key, s, &error);
    factory_signer_free(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(img);
    CU_ASSERT_TRUE(factory_image_verify(g_bytes_get_data(img, NULL), g_bytes_get_size(img), pub, NULL));

    g_clear_error(&error);
    CU_ASSERT_PTR_NULL(factory_signer_open(bad_uri, NULL, &error));
    CU_ASSERT_TRUE(error && strstr(error->message, "CKR_PIN_INCORRECT"));
    g_clear_error(&error);
    CU_ASSERT_PTR_NULL(factory_signer_open("pkcs11:token=lampsim-test;object=nope?pin-value=1234&module-path=/usr/lib/softhsm/libsofthsm2.so", NULL, &error));
    CU_ASSERT_TRUE(error && strstr(error->message, "no private key labelled 'nope'"));
    EVP_PKEY_free(pub);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("factory", setup, teardown);
    CU_add_test(s, "image_round_trip", image_round_trip);
    CU_add_test(s, "image_tampering_refused", image_tampering_refused);
    CU_add_test(s, "signing_key_types", signing_key_types);
    CU_add_test(s, "foreign_key_does_not_verify", foreign_key_does_not_verify);
    CU_add_test(s, "keystore_layout", keystore_layout);
    CU_add_test(s, "otp_profiles", otp_profiles);
    CU_add_test(s, "provision_writes_a_bootable_lamp", provision_writes_a_bootable_lamp);
    CU_add_test(s, "old_fleet_gets_an_app_key", old_fleet_gets_an_app_key);
    CU_add_test(s, "server_cert_from_a_given_time", server_cert_from_a_given_time);
    CU_add_test(s, "pkcs11_softhsm_signing", pkcs11_softhsm_signing);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
