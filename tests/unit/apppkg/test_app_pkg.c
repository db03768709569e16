/* tests/unit/apppkg/test_app_pkg.c: app packages end to end on the host.
 * Packages are made by lampfactory's signing code (app_sign.c) with the
 * build's dev fleet keys; the lamp's trust comes from the keystore of a
 * lamp provisioned from that fleet; the verifier is the firmware's own
 * lib/app_pkg.c.  A table of good and bad packages, each with the one
 * reason the lamp must give; then the factory's manifest parser, and the
 * app-signing key in a PKCS#11 token (SoftHSM2). */
#include "app_pkg.h"
#include "crypto_engine.h"
#include "factory.h"
#include "flash_store.h"
#include "guest_mem.h"
#include "pss_engine.h"

#include "config.h"

#include <CUnit/Basic.h>
#include <openssl/sha.h>
#include <string.h>

/* The host has no CRYPTO engine: rsa_pss.c takes mbedTLS's path, the one
 * a lamp without the engine runs. */
bool crypto_engine_present(void)
{
    return false;
}

bool pss_engine_verify(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                       const uint8_t digest[32], const uint8_t *sig)
{
    (void)n, (void)n_len, (void)e, (void)e_len, (void)digest, (void)sig;
    CU_FAIL("the engine path is not taken on the host");
    return false;
}

static char *tmp, *fleet;
static struct factory_signer *app_signer, *fw_signer;
static uint8_t fleet_id[APP_PKG_FLEET_ID_SIZE];
/* What the provisioned lamp's keystore holds (copied out of its flash). */
static uint8_t ks_app_n[512], ks_app_e[4];
static size_t ks_app_e_len;
static struct app_pkg_keys lamp_keys;

static const char source[] = "-- dims the lamp when the room empties\n"
                             "function on_occupancy(present)\n"
                             "  lamp.set_level(present and 80 or 5)\t-- percent\n"
                             "end\n";

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

/* The value of a keystore entry in a lamp's flash (docs/formats.md#keystore). */
static const uint8_t *ks_entry(const uint8_t *flash, uint16_t tag, size_t *len)
{
    const struct keystore_header *h = (const void *)(flash + KEYSTORE_ADDR);
    const uint8_t *p = flash + KEYSTORE_ADDR + sizeof(*h), *end = p + h->entries_size;

    while (end - p >= 4) {
        uint16_t t = (uint16_t)(p[0] | p[1] << 8), l = (uint16_t)(p[2] | p[3] << 8);
        if (t == tag) {
            *len = l;
            return p + 4;
        }
        p += 4 + ((l + 3u) & ~3u);
    }
    return NULL;
}

/* A lamp provisioned from the fleet: its keystore is what the lamp trusts
 * apps by (lib/app_keys.c reads the same three entries). */
static bool load_lamp_keys(void)
{
    g_autofree char *dir = tmp_path("lamp");
    struct provision_params p = { fleet, dir, "APP-0001", "development",
                                  LAMPSIM_FIRMWARE_DIR "/app.img",
                                  LAMPSIM_FIRMWARE_DIR "/bootloader.bin", false, NULL, NULL };
    g_autoptr(GError) error = NULL;
    struct guest_mem *mem = guest_mem_new(NULL, NULL);
    const uint8_t *flash = guest_mem_flash(mem), *n, *e, *ca;
    struct flash_store *st;
    size_t n_len = 0, e_len = 0, ca_len = 0;
    bool ok;

    if (!factory_provision(&p, &error) || !(st = flash_store_open(dir, mem, &error))) {
        fprintf(stderr, "provisioning the test lamp: %s\n", error ? error->message : "?");
        guest_mem_free(mem);
        return false;
    }
    flash_store_close(st);
    n = ks_entry(flash, KS_APP_RSA_N, &n_len);
    e = ks_entry(flash, KS_APP_RSA_E, &e_len);
    ca = ks_entry(flash, KS_CLOUD_CA_CERT, &ca_len);
    ok = n && n_len == sizeof(ks_app_n) && e && e_len >= 1 && e_len <= sizeof(ks_app_e) && ca;
    if (ok) {
        memcpy(ks_app_n, n, n_len);
        memcpy(ks_app_e, e, e_len);
        ks_app_e_len = e_len;
        SHA256(ca, ca_len, lamp_keys.fleet_id);
    }
    guest_mem_free(mem);
    lamp_keys.rsa_n = ks_app_n;
    lamp_keys.rsa_n_len = sizeof(ks_app_n);
    lamp_keys.rsa_e = ks_app_e;
    lamp_keys.rsa_e_len = ks_app_e_len;
    return ok;
}

static int setup(void)
{
    g_autofree char *cmd = NULL, *app_key = NULL, *fw_key = NULL;

    tmp = g_dir_make_tmp("app-pkg-test-XXXXXX", NULL);
    if (!tmp)
        return 1;
    fleet = tmp_path("fleet");
    cmd = g_strdup_printf("cp -a %s %s", LAMPSIM_DEV_FLEET_DIR, fleet);
    app_key = factory_fleet_path(fleet, FLEET_APP_SIGNING_KEY);
    fw_key = factory_fleet_path(fleet, FLEET_SIGNING_KEY);
    if (!sh(cmd) || !factory_fleet_id(fleet, fleet_id, NULL))
        return 1;
    app_signer = factory_signer_open(app_key, NULL, NULL);
    fw_signer = factory_signer_open(fw_key, NULL, NULL);
    return app_signer && fw_signer && load_lamp_keys() ? 0 : 1;
}

static int teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", tmp);

    sh(cmd);
    factory_signer_free(app_signer);
    factory_signer_free(fw_signer);
    g_free(tmp);
    g_free(fleet);
    return 0;
}

/* The manifest every case starts from: valid, with every API. */
static struct app_pkg_header base_header(void)
{
    struct app_pkg_header h = {
        .magic = APP_PKG_MAGIC, .format_version = APP_PKG_FORMAT_VERSION,
        .header_size = APP_PKG_HEADER_SIZE, .app_version = 0x010200,
        .source_size = sizeof(source) - 1, .apis = APP_API_ALL,
        .quota_memory = 12288, .quota_insns_callback = 100000, .quota_insns_second = 1000000,
        .quota_messages_minute = 10, .quota_storage = 1024, .quota_timers = 2,
    };

    memcpy(h.name, "nightlight", 10);
    memcpy(h.fleet_id, fleet_id, sizeof(fleet_id));
    return h;
}

/* A case: edit the header before signing, or the bytes after it, or both. */
struct pkg_case {
    const char *what;
    void (*edit_header)(struct app_pkg_header *h);
    const char *src;   /* NULL: `source` */
    size_t src_len;    /* with src */
    struct factory_signer **signer; /* NULL: the app-signing key */
    void (*edit_bytes)(GByteArray *pkg);
    int expect;
};

static void h_fleet_other(struct app_pkg_header *h) { h->fleet_id[0] ^= 1; }
static void h_version_1_1_9(struct app_pkg_header *h) { h->app_version = 0x010109; }
static void h_version_1_3_0(struct app_pkg_header *h) { h->app_version = 0x010300; }
static void h_other_app_old(struct app_pkg_header *h) { h->app_version = 0x000100; memcpy(h->name, "sunrise\0\0\0", 10); }
static void h_magic(struct app_pkg_header *h) { h->magic = IMAGE_MAGIC; }
static void h_format2(struct app_pkg_header *h) { h->format_version = 2; }
static void h_header_size(struct app_pkg_header *h) { h->header_size = 128; }
static void h_flags(struct app_pkg_header *h) { h->flags = 1; }
static void h_reserved(struct app_pkg_header *h) { h->reserved[sizeof(h->reserved) - 1] = 1; }
static void h_name_empty(struct app_pkg_header *h) { memset(h->name, 0, sizeof(h->name)); }
static void h_name_upper(struct app_pkg_header *h) { h->name[0] = 'N'; }
static void h_name_space(struct app_pkg_header *h) { h->name[5] = ' '; }
static void h_name_full(struct app_pkg_header *h) { memset(h->name, 'a', sizeof(h->name)); }
static void h_name_pad(struct app_pkg_header *h) { h->name[20] = 'x'; }
static void h_name_max(struct app_pkg_header *h) { memset(h->name, 'z', APP_PKG_NAME_MAX); }
static void h_src_zero(struct app_pkg_header *h) { h->source_size = 0; }
static void h_src_huge(struct app_pkg_header *h) { h->source_size = APP_PKG_SOURCE_MAX + 1; }
static void h_apis_unknown(struct app_pkg_header *h) { h->apis |= APP_API_ALL + 1u; }
static void h_mem_low(struct app_pkg_header *h) { h->quota_memory = APP_QUOTA_MEMORY_MIN - 1; }
static void h_mem_high(struct app_pkg_header *h) { h->quota_memory = APP_QUOTA_MEMORY_MAX + 1; }
static void h_insns_zero(struct app_pkg_header *h) { h->quota_insns_callback = 0; }
static void h_insns_cb_high(struct app_pkg_header *h) { h->quota_insns_callback = APP_QUOTA_INSNS_CALLBACK_MAX + 1; h->quota_insns_second = APP_QUOTA_INSNS_SECOND_MAX; }
static void h_insns_sec_below(struct app_pkg_header *h) { h->quota_insns_second = h->quota_insns_callback - 1; }
static void h_insns_sec_high(struct app_pkg_header *h) { h->quota_insns_second = APP_QUOTA_INSNS_SECOND_MAX + 1; }
static void h_msgs_no_api(struct app_pkg_header *h) { h->apis &= ~APP_API_MESSAGES; }
static void h_msgs_zero(struct app_pkg_header *h) { h->quota_messages_minute = 0; }
static void h_msgs_high(struct app_pkg_header *h) { h->quota_messages_minute = APP_QUOTA_MESSAGES_MAX + 1; }
static void h_storage_no_api(struct app_pkg_header *h) { h->apis &= ~APP_API_STORAGE; }
static void h_storage_high(struct app_pkg_header *h) { h->quota_storage = APP_QUOTA_STORAGE_MAX + 1; }
static void h_timers_no_api(struct app_pkg_header *h) { h->apis &= ~APP_API_TIMERS; }
static void h_timers_high(struct app_pkg_header *h) { h->quota_timers = APP_QUOTA_TIMERS_MAX + 1; }
static void h_maxima(struct app_pkg_header *h)
{
    h->quota_memory = APP_QUOTA_MEMORY_MAX;
    h->quota_insns_callback = APP_QUOTA_INSNS_CALLBACK_MAX;
    h->quota_insns_second = APP_QUOTA_INSNS_SECOND_MAX;
    h->quota_messages_minute = APP_QUOTA_MESSAGES_MAX;
    h->quota_storage = APP_QUOTA_STORAGE_MAX;
    h->quota_timers = APP_QUOTA_TIMERS_MAX;
}
static void h_no_apis(struct app_pkg_header *h)
{
    h->apis = 0;
    h->quota_messages_minute = h->quota_storage = h->quota_timers = 0;
}

static void b_unsigned(GByteArray *p) { memset(p->data + p->len - APP_PKG_SIG_SIZE, 0, APP_PKG_SIG_SIZE); }
static void b_header_memory(GByteArray *p) { p->data[offsetof(struct app_pkg_header, quota_memory) + 1] ^= 0x10; }
static void b_header_version(GByteArray *p) { p->data[offsetof(struct app_pkg_header, app_version) + 2] ^= 0x01; }
static void b_header_name(GByteArray *p) { p->data[offsetof(struct app_pkg_header, name)] = 'm'; }
static void b_header_fleet(GByteArray *p) { p->data[offsetof(struct app_pkg_header, fleet_id) + 31] ^= 0x80; }
static void b_source(GByteArray *p) { p->data[APP_PKG_HEADER_SIZE + 60] ^= 0x01; }
static void b_source_last(GByteArray *p) { p->data[p->len - APP_PKG_SIG_SIZE - 2] = 'x'; }
static void b_signature(GByteArray *p) { p->data[p->len - 1] ^= 0x01; }
static void b_trunc_sig(GByteArray *p) { g_byte_array_set_size(p, p->len - 1); }
static void b_trunc_header(GByteArray *p) { g_byte_array_set_size(p, APP_PKG_HEADER_SIZE - 1); }
static void b_header_only(GByteArray *p) { g_byte_array_set_size(p, APP_PKG_HEADER_SIZE); }
static void b_trailing(GByteArray *p) { g_byte_array_append(p, (const guint8 *)"\n", 1); }
static void b_empty(GByteArray *p) { g_byte_array_set_size(p, 0); }

static const char bytecode[] = "\x1bLuaT\x00\x19\x93\r\n\x1a\n";
static const char nul_inside[] = "print('a')\0print('b')\n";
static const char utf8[] = "-- \xc3\xa9t\xc3\xa9\nlamp.log('\xe2\x9c\x93')\n";

static const struct pkg_case cases[] = {
    { "good (the installed version again: a reinstall)", NULL, NULL, 0, NULL, NULL, APP_PKG_OK },
    { "every quota at its maximum", h_maxima, NULL, 0, NULL, NULL, APP_PKG_OK },
    { "no APIs, their quotas 0", h_no_apis, NULL, 0, NULL, NULL, APP_PKG_OK },
    { "name of 31 characters", h_name_max, NULL, 0, NULL, NULL, APP_PKG_OK },
    { "UTF-8 in comments and strings", NULL, utf8, sizeof(utf8) - 1, NULL, NULL, APP_PKG_OK },
    { "newer than installed", h_version_1_3_0, NULL, 0, NULL, NULL, APP_PKG_OK },
    { "another app, older than the installed one", h_other_app_old, NULL, 0, NULL, NULL, APP_PKG_OK },
    /* signature */
    { "unsigned (signature zeros)", NULL, NULL, 0, NULL, b_unsigned, APP_PKG_ESIGNATURE },
    { "signed with the firmware key", NULL, NULL, 0, &fw_signer, NULL, APP_PKG_ESIGNATURE },
    { "tampered: memory quota", NULL, NULL, 0, NULL, b_header_memory, APP_PKG_ESIGNATURE },
    { "tampered: version", NULL, NULL, 0, NULL, b_header_version, APP_PKG_ESIGNATURE },
    { "tampered: name", NULL, NULL, 0, NULL, b_header_name, APP_PKG_ESIGNATURE },
    { "tampered: source", NULL, NULL, 0, NULL, b_source, APP_PKG_ESIGNATURE },
    { "tampered: last source byte", NULL, NULL, 0, NULL, b_source_last, APP_PKG_ESIGNATURE },
    { "tampered: signature", NULL, NULL, 0, NULL, b_signature, APP_PKG_ESIGNATURE },
    /* fleet and version */
    { "signed for another fleet", h_fleet_other, NULL, 0, NULL, NULL, APP_PKG_EFLEET },
    { "tampered: fleet id", NULL, NULL, 0, NULL, b_header_fleet, APP_PKG_EFLEET },
    { "downgrade below the installed 1.2.0", h_version_1_1_9, NULL, 0, NULL, NULL, APP_PKG_EDOWNGRADE },
    /* lengths */
    { "empty", NULL, NULL, 0, NULL, b_empty, APP_PKG_ETRUNCATED },
    { "truncated in the header", NULL, NULL, 0, NULL, b_trunc_header, APP_PKG_ETRUNCATED },
    { "header only", NULL, NULL, 0, NULL, b_header_only, APP_PKG_ELENGTH },
    { "truncated signature", NULL, NULL, 0, NULL, b_trunc_sig, APP_PKG_ELENGTH },
    { "a byte after the signature", NULL, NULL, 0, NULL, b_trailing, APP_PKG_ELENGTH },
    { "source size 0", h_src_zero, NULL, 0, NULL, NULL, APP_PKG_ESOURCE_SIZE },
    { "source size above the maximum", h_src_huge, NULL, 0, NULL, NULL, APP_PKG_ESOURCE_SIZE },
    /* header fields (each signed: the lamp refuses them anyway) */
    { "an update image's magic", h_magic, NULL, 0, NULL, NULL, APP_PKG_EMAGIC },
    { "format version 2", h_format2, NULL, 0, NULL, NULL, APP_PKG_EFORMAT },
    { "header size 128", h_header_size, NULL, 0, NULL, NULL, APP_PKG_EFORMAT },
    { "a flag set", h_flags, NULL, 0, NULL, NULL, APP_PKG_EUNKNOWN },
    { "a reserved byte set", h_reserved, NULL, 0, NULL, NULL, APP_PKG_EUNKNOWN },
    { "empty name", h_name_empty, NULL, 0, NULL, NULL, APP_PKG_ENAME },
    { "upper case in the name", h_name_upper, NULL, 0, NULL, NULL, APP_PKG_ENAME },
    { "space in the name", h_name_space, NULL, 0, NULL, NULL, APP_PKG_ENAME },
    { "name without its NUL", h_name_full, NULL, 0, NULL, NULL, APP_PKG_ENAME },
    { "bytes after the name's NUL", h_name_pad, NULL, 0, NULL, NULL, APP_PKG_ENAME },
    /* manifest values */
    { "unknown API bit", h_apis_unknown, NULL, 0, NULL, NULL, APP_PKG_EAPIS },
    { "memory below the minimum", h_mem_low, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_MEMORY },
    { "memory above the maximum", h_mem_high, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_MEMORY },
    { "0 instructions per callback", h_insns_zero, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_INSNS },
    { "instructions per callback above the maximum", h_insns_cb_high, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_INSNS },
    { "instructions per second below per callback", h_insns_sec_below, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_INSNS },
    { "instructions per second above the maximum", h_insns_sec_high, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_INSNS },
    { "messages quota without the messages API", h_msgs_no_api, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_MESSAGES },
    { "messages API with a 0 quota", h_msgs_zero, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_MESSAGES },
    { "messages above the maximum", h_msgs_high, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_MESSAGES },
    { "storage quota without the storage API", h_storage_no_api, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_STORAGE },
    { "storage above the maximum", h_storage_high, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_STORAGE },
    { "timers without the timers API", h_timers_no_api, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_TIMERS },
    { "timers above the maximum", h_timers_high, NULL, 0, NULL, NULL, APP_PKG_EQUOTA_TIMERS },
    /* source */
    { "Lua bytecode", NULL, bytecode, sizeof(bytecode) - 1, NULL, NULL, APP_PKG_ETEXT },
    { "a NUL in the source", NULL, nul_inside, sizeof(nul_inside) - 1, NULL, NULL, APP_PKG_ETEXT },
};

/* The case's package: signed over its (possibly edited) header as is. */
static GByteArray *make_case(const struct pkg_case *c)
{
    struct app_pkg_header h = base_header();
    const char *src = c->src ? c->src : source;
    size_t len = c->src ? c->src_len : sizeof(source) - 1;
    struct factory_signer *s = c->signer ? *c->signer : app_signer;
    g_autoptr(GBytes) signed_pkg = NULL;
    g_autoptr(GError) error = NULL;
    GByteArray *pkg;

    h.source_size = (uint32_t)len;
    if (c->edit_header)
        c->edit_header(&h);
    signed_pkg = factory_app_sign_header(&h, (const uint8_t *)src, len, s, &error);
    if (!signed_pkg) {
        fprintf(stderr, "\n  case '%s': signing: %s", c->what, error->message);
        CU_FAIL("signing a case");
        return NULL;
    }
    pkg = g_byte_array_new();
    g_byte_array_append(pkg, g_bytes_get_data(signed_pkg, NULL), g_bytes_get_size(signed_pkg));
    if (c->edit_bytes)
        c->edit_bytes(pkg);
    return pkg;
}

static void every_case_gives_its_reason(void)
{
    struct app_pkg_header installed = base_header(); /* nightlight 1.2.0 */

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *pkg = make_case(&cases[i]);
        struct app_pkg_header h;
        int got;

        CU_ASSERT_PTR_NOT_NULL_FATAL(pkg);
        got = app_pkg_verify(pkg->data, pkg->len, &lamp_keys, &installed, &h);
        if (got != cases[i].expect)
            fprintf(stderr, "\n  case '%s': got %d (%s), expected %d (%s)", cases[i].what, got,
                    app_pkg_strerror(got), cases[i].expect, app_pkg_strerror(cases[i].expect));
        CU_ASSERT_EQUAL(got, cases[i].expect);
        g_byte_array_unref(pkg);
    }
}

/* The parse alone never needs a key, and a good package's header comes
 * back whole. */
static void good_package_parses_and_verifies(void)
{
    GByteArray *pkg = make_case(&cases[0]);
    struct app_pkg_header h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pkg);
    CU_ASSERT_EQUAL(app_pkg_parse(pkg->data, pkg->len, &h), APP_PKG_OK);
    CU_ASSERT_EQUAL(app_pkg_verify(pkg->data, pkg->len, &lamp_keys, NULL, &h), APP_PKG_OK);
    CU_ASSERT_STRING_EQUAL(h.name, "nightlight");
    CU_ASSERT_EQUAL(h.app_version, 0x010200);
    CU_ASSERT_EQUAL(h.source_size, sizeof(source) - 1);
    CU_ASSERT_EQUAL(memcmp(pkg->data + APP_PKG_HEADER_SIZE, source, sizeof(source) - 1), 0);
    g_byte_array_unref(pkg);
}

/* A lamp without an app-signing key (provisioned before apps) refuses
 * every package, and says why. */
static void lamp_without_app_key_refuses(void)
{
    GByteArray *pkg = make_case(&cases[0]);
    struct app_pkg_keys none = { .rsa_n = NULL };
    struct app_pkg_keys short_n = lamp_keys;
    struct app_pkg_header h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pkg);
    memcpy(none.fleet_id, lamp_keys.fleet_id, sizeof(none.fleet_id));
    short_n.rsa_n_len = 256;
    CU_ASSERT_EQUAL(app_pkg_verify(pkg->data, pkg->len, &none, NULL, &h), APP_PKG_EKEYS);
    CU_ASSERT_EQUAL(app_pkg_verify(pkg->data, pkg->len, &short_n, NULL, &h), APP_PKG_EKEYS);
    CU_ASSERT_EQUAL(app_pkg_verify(pkg->data, pkg->len, NULL, NULL, &h), APP_PKG_EKEYS);
    g_byte_array_unref(pkg);
}

/* The fleet id the factory binds packages to is the one a provisioned
 * lamp computes from its keystore. */
static void factory_and_lamp_agree_on_the_fleet(void)
{
    CU_ASSERT_EQUAL(memcmp(fleet_id, lamp_keys.fleet_id, sizeof(fleet_id)), 0);
}

/* factory_sign_app: the command's path, from manifest text to package. */
static const char manifest_good[] =
    "# nightlight\n"
    "name = nightlight\n"
    "version = 1.2.0\n"
    "apis = light, sensors, timers, log\n"
    "memory = 12288\n"
    "instructions_per_callback = 100000\n"
    "instructions_per_second = 1000000\n"
    "messages_per_minute = 0\n"
    "storage = 0\n"
    "timers = 2\n";

static void manifest_to_verified_package(void)
{
    struct app_pkg_header m, h;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) pkg = NULL;

    CU_ASSERT_TRUE_FATAL(factory_app_manifest_parse(manifest_good, sizeof(manifest_good) - 1,
                                                    "m.conf", &m, &error));
    CU_ASSERT_EQUAL(m.apis, APP_API_LIGHT | APP_API_SENSORS | APP_API_TIMERS | APP_API_LOG);
    CU_ASSERT_EQUAL(m.quota_timers, 2);
    pkg = factory_sign_app(&m, fleet_id, (const uint8_t *)source, sizeof(source) - 1, "app.lua",
                           app_signer, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pkg);
    CU_ASSERT_EQUAL(app_pkg_verify(g_bytes_get_data(pkg, NULL), g_bytes_get_size(pkg), &lamp_keys,
                                   NULL, &h), APP_PKG_OK);
    CU_ASSERT_EQUAL(h.app_version, 0x010200);
}

/* One edit of the good manifest each, and the words its error must hold. */
static const struct {
    const char *from, *to, *error;
} manifest_cases[] = {
    { "name = nightlight", "name = Night", "field 'name': 'Night'" },
    { "name = nightlight", "name = ", "field 'name'" },
    { "name = nightlight", "name = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "field 'name'" },
    { "version = 1.2.0", "version = 1.2", "field 'version': '1.2'" },
    { "version = 1.2.0", "version = 1.256.0", "field 'version'" },
    { "apis = light, sensors, timers, log", "apis = light, radio", "unknown API 'radio'" },
    { "apis = light, sensors, timers, log", "apis = light, light", "'light' given twice" },
    { "memory = 12288", "memory = 4096", "field 'memory': 4096 is outside 8192 to 65504" },
    { "memory = 12288", "memory = 32k", "field 'memory': '32k' is not a number" },
    { "memory = 12288", "memory = -1", "field 'memory': '-1' is not a number" },
    { "memory = 12288", "memory = 99999999999", "field 'memory'" },
    { "instructions_per_callback = 100000", "instructions_per_callback = 0",
      "field 'instructions_per_callback': 0 is outside" },
    { "instructions_per_second = 1000000", "instructions_per_second = 99999",
      "field 'instructions_per_second': 99999 is outside 100000 to" },
    { "messages_per_minute = 0", "messages_per_minute = 5",
      "field 'messages_per_minute': 5 without 'messages' in apis" },
    { "storage = 0", "storage = 10", "field 'storage': 10 without 'storage' in apis" },
    { "timers = 2", "timers = 0", "field 'timers': 0 is outside 1 to 16" },
    { "timers = 2", "timers = 17", "field 'timers': 17 is outside 1 to 16" },
    { "timers = 2", "timer = 2", "unknown field 'timer'" },
    { "timers = 2", "timers = 2\ntimers = 3", "m.conf line 11: field 'timers': given twice" },
    { "timers = 2", "", "field 'timers': missing" },
    { "timers = 2", "timers 2", "line 10: 'timers 2' is not 'field = value'" },
};

static void manifest_errors_name_the_field(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(manifest_cases); i++) {
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        struct app_pkg_header m;
        char **parts = g_strsplit(manifest_good, manifest_cases[i].from, 2);

        CU_ASSERT_PTR_NOT_NULL_FATAL(parts[1]);
        text = g_strjoin(manifest_cases[i].to, parts[0], parts[1], NULL);
        g_strfreev(parts);
        CU_ASSERT_FALSE(factory_app_manifest_parse(text, strlen(text), "m.conf", &m, &error));
        CU_ASSERT_TRUE(error && error->code == FACTORY_ERROR_INPUT &&
                       strstr(error->message, manifest_cases[i].error));
        if (error && !strstr(error->message, manifest_cases[i].error))
            fprintf(stderr, "\n  manifest case %zu: '%s' lacks '%s'", i, error->message,
                    manifest_cases[i].error);
    }
}

static void source_must_be_text(void)
{
    struct app_pkg_header m;
    g_autoptr(GError) error = NULL;
    g_autofree char *big = g_malloc(APP_PKG_SOURCE_MAX + 1);

    memset(big, ' ', APP_PKG_SOURCE_MAX + 1);
    CU_ASSERT_TRUE_FATAL(factory_app_manifest_parse(manifest_good, sizeof(manifest_good) - 1,
                                                    "m.conf", &m, NULL));
    CU_ASSERT_PTR_NULL(factory_sign_app(&m, fleet_id, (const uint8_t *)bytecode,
                                        sizeof(bytecode) - 1, "app.luac", app_signer, &error));
    CU_ASSERT_TRUE(error && strstr(error->message, "app.luac: byte 0x1b at offset 0"));
    g_clear_error(&error);
    CU_ASSERT_PTR_NULL(factory_sign_app(&m, fleet_id, (const uint8_t *)big,
                                        APP_PKG_SOURCE_MAX + 1, "big.lua", app_signer, &error));
    g_autofree char *too_big = g_strdup_printf("big.lua: %u bytes of source", APP_PKG_SOURCE_MAX + 1);
    CU_ASSERT_TRUE(error && strstr(error->message, too_big));
}

/* The app-signing key behind PKCS#11, as docs/tools.md shows it. */
static void pkcs11_app_signing(void)
{
    g_autofree char *tokens = tmp_path("tokens"), *conf = tmp_path("softhsm2.conf");
    g_autofree char *conf_text = g_strdup_printf(
        "directories.tokendir = %s\nobjectstore.backend = file\n", tokens);
    g_autofree char *key = factory_fleet_path(fleet, FLEET_APP_SIGNING_KEY);
    g_autofree char *import = g_strdup_printf(
        "softhsm2-util --import %s --token lampsim-apps --label app-signing --id 02 --pin 1234",
        key);
    const char *uri = "pkcs11:token=lampsim-apps;object=app-signing?pin-value=1234"
                      "&module-path=/usr/lib/softhsm/libsofthsm2.so";
    struct app_pkg_header m, h;
    struct factory_signer *s;
    g_autoptr(GBytes) pkg = NULL;
    g_autoptr(GError) error = NULL;

    CU_ASSERT_TRUE_FATAL(g_mkdir_with_parents(tokens, 0700) == 0 &&
                         g_file_set_contents(conf, conf_text, -1, NULL));
    g_setenv("SOFTHSM2_CONF", conf, TRUE);
    CU_ASSERT_TRUE_FATAL(sh("softhsm2-util --init-token --free --label lampsim-apps --pin 1234 "
                            "--so-pin 5678") && sh(import));
    CU_ASSERT_TRUE_FATAL(factory_app_manifest_parse(manifest_good, sizeof(manifest_good) - 1,
                                                    "m.conf", &m, NULL));
    s = factory_signer_open(uri, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    pkg = factory_sign_app(&m, fleet_id, (const uint8_t *)source, sizeof(source) - 1, "app.lua",
                           s, &error);
    factory_signer_free(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pkg);
    CU_ASSERT_EQUAL(app_pkg_verify(g_bytes_get_data(pkg, NULL), g_bytes_get_size(pkg), &lamp_keys,
                                   NULL, &h), APP_PKG_OK);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("app_pkg", setup, teardown);
    CU_add_test(s, "every_case_gives_its_reason", every_case_gives_its_reason);
    CU_add_test(s, "good_package_parses_and_verifies", good_package_parses_and_verifies);
    CU_add_test(s, "lamp_without_app_key_refuses", lamp_without_app_key_refuses);
    CU_add_test(s, "factory_and_lamp_agree_on_the_fleet", factory_and_lamp_agree_on_the_fleet);
    CU_add_test(s, "manifest_to_verified_package", manifest_to_verified_package);
    CU_add_test(s, "manifest_errors_name_the_field", manifest_errors_name_the_field);
    CU_add_test(s, "source_must_be_text", source_must_be_text);
    CU_add_test(s, "pkcs11_app_signing", pkcs11_app_signing);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
