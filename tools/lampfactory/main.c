/* tools/lampfactory/main.c: the fleet owner's factory and signing tool
 * (docs/tools.md).  Exit status: 0 done, 1 an operation or a verification
 * failed, 2 bad usage or bad input. */
#include "factory.h"
#include "hex.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *cmd, GError *error)
{
    fprintf(stderr, "lampfactory %s: %s\n", cmd, error->message);
    return error->domain == FACTORY_ERROR && error->code == FACTORY_ERROR_INPUT ? 2
         : error->domain == FACTORY_ERROR ? 1 : 2;
}

static int usage(const char *cmd, const char *msg)
{
    fprintf(stderr, "lampfactory %s: %s\n(see lampfactory %s --help)\n", cmd, msg, cmd);
    return 2;
}

static bool parse(const char *cmd, const char *args, const char *summary, GOptionEntry *entries,
                  int *argc, char ***argv, int *rc)
{
    g_autofree char *param = g_strdup_printf("%s - %s", args, summary);
    g_autoptr(GOptionContext) ctx = g_option_context_new(param);
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, "Exit status: 0 done, 1 an operation or a verification "
                                          "failed, 2 bad usage or bad input.\nFormats: docs/formats.md; "
                                          "how-to: docs/tools.md.\n");
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        *rc = usage(cmd, error->message);
        return false;
    }
    return true;
}

static int cmd_fleet_init(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *name = NULL;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "New (or empty) fleet directory", "DIR" },
        { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Fleet name in the CA certificates (default: lampsim fleet)", "NAME" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    int rc = 0;

    if (!parse("fleet-init", "", "create a fleet's CAs, firmware and app signing keys, firmware key and registry",
               e, &argc, &argv, &rc))
        return rc;
    if (!fleet || argc > 1)
        return usage("fleet-init", "--fleet DIR is required, and nothing else");
    if (!factory_fleet_init(fleet, name ? name : "lampsim fleet", &error))
        return fail("fleet-init", error);
    printf("fleet created in %s\n", fleet);
    return 0;
}

static int cmd_fleet_add_app_key(int argc, char **argv)
{
    g_autofree char *fleet = NULL;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "Fleet directory", "DIR" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    int rc = 0;

    if (!parse("fleet-add-app-key", "",
               "give a fleet made before app packages its app-signing key; lamps provisioned "
               "from then on can verify apps (lamps provisioned before cannot: their keystore "
               "has no app key)", e, &argc, &argv, &rc))
        return rc;
    if (!fleet || argc > 1)
        return usage("fleet-add-app-key", "--fleet DIR is required, and nothing else");
    if (!factory_fleet_add_app_key(fleet, &error))
        return fail("fleet-add-app-key", error);
    printf("app-signing key added to %s\n", fleet);
    return 0;
}

static int cmd_provision(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *state = NULL, *serial = NULL, *image = NULL, *boot = NULL;
    g_autofree char *profile = NULL, *cloud = NULL, *variant = NULL;
    gboolean replace = FALSE;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "Fleet directory", "DIR" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state, "The new lamp's state directory", "DIR" },
        { "serial", 0, 0, G_OPTION_ARG_STRING, &serial, "Lamp serial (1-15 of A-Z a-z 0-9 -)", "SERIAL" },
        { "image", 0, 0, G_OPTION_ARG_FILENAME, &image, "Signed update image to install in slot A", "IMG" },
        { "bootloader", 0, 0, G_OPTION_ARG_FILENAME, &boot, "bootloader.bin", "BIN" },
        { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, "Re-provision a serial already in the registry (rework): its entry, keys and K(0) are replaced", NULL },
        { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, "production (default: debug, boot and bootloader locked) or development (bootloader locked only)", "PROFILE" },
        { "cloud", 0, 0, G_OPTION_ARG_STRING, &cloud, "The MQTT broker the lamp connects to (default " FACTORY_DEFAULT_CLOUD ")", "HOST:PORT" },
        { "variant", 0, 0, G_OPTION_ARG_STRING, &variant, "The lamp's hardware: crypto (default: with the CRYPTO engine) or basic (without)", "VARIANT" },
        G_OPTION_ENTRY_NULL,
    };
    struct provision_params p;
    g_autoptr(GError) error = NULL;
    int rc = 0;

    if (!parse("provision", "", "make a lamp: keys, certificate, fuses, firmware; add it to the registry",
               e, &argc, &argv, &rc))
        return rc;
    if (!fleet || !state || !serial || !image || !boot || argc > 1)
        return usage("provision", "--fleet, --state-dir, --serial, --image and --bootloader are required");
    p = (struct provision_params){ fleet, state, serial, profile ? profile : "production", image, boot,
                                   replace, cloud, variant };
    if (!factory_provision(&p, &error))
        return fail("provision", error);
    printf("lamp %s provisioned (%s, %s variant) into %s\n", serial, p.profile,
           variant ? variant : "crypto", state);
    return 0;
}

static int cmd_sign(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *key = NULL, *enc = NULL, *version = NULL, *module = NULL;
    gint64 epoch = -1;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "Take the signing key and firmware key from this fleet", "DIR" },
        { "key", 0, 0, G_OPTION_ARG_STRING, &key, "Signing key: a PEM file or a pkcs11: URI", "KEY" },
        { "enc-key", 0, 0, G_OPTION_ARG_FILENAME, &enc, "Fleet firmware key file (32 hex digits)", "FILE" },
        { "pkcs11-module", 0, 0, G_OPTION_ARG_FILENAME, &module, "PKCS#11 module when the URI has no module-path", "SO" },
        { "version", 0, 0, G_OPTION_ARG_STRING, &version, "Firmware version", "X.Y.Z" },
        { "epoch", 0, 0, G_OPTION_ARG_INT64, &epoch, "Security epoch, 0-128", "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *bin = NULL, *key_path = NULL, *enc_path = NULL;
    g_autoptr(GBytes) img = NULL;
    struct image_sign_params p;
    struct factory_signer *signer;
    uint8_t enc_key[16];
    gsize len;
    int rc = 0;

    if (!parse("sign", "IN.bin OUT.img", "make a signed, encrypted update image", e, &argc, &argv, &rc))
        return rc;
    if (argc != 3 || !version || epoch < 0)
        return usage("sign", "give --version, --epoch, IN.bin and OUT.img");
    if (epoch > IMAGE_MAX_EPOCH)
        return usage("sign", "--epoch: 0 to 128 (the fuses hold no more)");
    key_path = key ? g_strdup(key) : fleet ? factory_fleet_path(fleet, FLEET_SIGNING_KEY) : NULL;
    enc_path = enc ? g_strdup(enc) : fleet ? factory_fleet_path(fleet, FLEET_ENC_KEY) : NULL;
    if (!key_path || !enc_path)
        return usage("sign", "give --fleet, or --key and --enc-key");
    p.epoch = (uint32_t)epoch;
    if (!factory_parse_version(version, &p.version, &error) ||
        !factory_load_enc_key(enc_path, enc_key, &error) ||
        !g_file_get_contents(argv[1], &bin, &len, &error))
        return fail("sign", error);
    signer = factory_signer_open(key_path, module, &error);
    if (!signer)
        return fail("sign", error);
    img = factory_sign_image((uint8_t *)bin, len, &p, enc_key, signer, &error);
    factory_signer_free(signer);
    if (!img || !factory_write_file(argv[2], g_bytes_get_data(img, NULL), g_bytes_get_size(img),
                                    0644, &error))
        return fail("sign", error);
    printf("%s: %s epoch %u, %zu bytes payload, signed\n", argv[2], version, p.epoch, (size_t)len);
    return 0;
}

static int cmd_sign_app(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *key = NULL, *module = NULL, *out = NULL;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "The fleet the app is for (its cloud CA binds the package; its app-signing key signs unless --key)", "DIR" },
        { "key", 0, 0, G_OPTION_ARG_STRING, &key, "App-signing key: a PEM file or a pkcs11: URI", "KEY" },
        { "pkcs11-module", 0, 0, G_OPTION_ARG_FILENAME, &module, "PKCS#11 module when the URI has no module-path", "SO" },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The package to write", "PACKAGE" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *manifest = NULL, *src = NULL, *key_path = NULL;
    g_autoptr(GBytes) pkg = NULL;
    struct app_pkg_header h;
    uint8_t fleet_id[APP_PKG_FLEET_ID_SIZE];
    struct factory_signer *signer;
    gsize manifest_len, src_len;
    int rc = 0;

    if (!parse("sign-app", "MANIFEST SOURCE.lua -o PACKAGE", "make a signed partner-app package",
               e, &argc, &argv, &rc))
        return rc;
    if (argc != 3 || !out || !fleet)
        return usage("sign-app", "give --fleet, MANIFEST, SOURCE.lua and -o PACKAGE");
    key_path = key ? g_strdup(key) : factory_fleet_path(fleet, FLEET_APP_SIGNING_KEY);
    if (!g_file_get_contents(argv[1], &manifest, &manifest_len, &error) ||
        !factory_app_manifest_parse(manifest, manifest_len, argv[1], &h, &error) ||
        !g_file_get_contents(argv[2], &src, &src_len, &error) ||
        !factory_fleet_id(fleet, fleet_id, &error))
        return fail("sign-app", error);
    signer = factory_signer_open(key_path, module, &error);
    if (!signer)
        return fail("sign-app", error);
    pkg = factory_sign_app(&h, fleet_id, (uint8_t *)src, src_len, argv[2], signer, &error);
    factory_signer_free(signer);
    if (!pkg || !factory_write_file(out, g_bytes_get_data(pkg, NULL), g_bytes_get_size(pkg), 0644,
                                    &error))
        return fail("sign-app", error);
    printf("%s: app %s %u.%u.%u, %zu bytes of source, signed\n", out, h.name, h.app_version >> 16,
           (h.app_version >> 8) & 0xFF, h.app_version & 0xFF, (size_t)src_len);
    return 0;
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
    g_autofree char *text = hex_encode(p, n);

    printf("%-18s%s\n", label, text);
}

static int cmd_inspect(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *pubkey = NULL, *enc = NULL;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "Check with this fleet's keys", "DIR" },
        { "pubkey", 0, 0, G_OPTION_ARG_FILENAME, &pubkey, "Check the signature with this PEM public key", "PEM" },
        { "enc-key", 0, 0, G_OPTION_ARG_FILENAME, &enc, "Decrypt with this fleet firmware key file", "FILE" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *img = NULL, *pub_path = NULL, *enc_path = NULL;
    struct image_header h;
    gsize len;
    int rc = 0;

    if (!parse("inspect", "IMG", "print an update image's header and check it", e, &argc, &argv, &rc))
        return rc;
    if (argc != 2)
        return usage("inspect", "give one IMG");
    if (!g_file_get_contents(argv[1], &img, &len, &error))
        return fail("inspect", error);
    if (!factory_image_parse((uint8_t *)img, len, &h, &error))
        return fail("inspect", error);
    printf("image:            %s (%zu bytes)\n", argv[1], (size_t)len);
    printf("header version:   %u\n", h.header_version);
    printf("firmware version: %u.%u.%u\n", h.fw_version >> 16, (h.fw_version >> 8) & 0xFF,
           h.fw_version & 0xFF);
    printf("security epoch:   %u\n", h.security_epoch);
    printf("payload size:     %u\n", h.payload_size);
    printf("load address:     0x%08x\n", h.load_addr);
    print_hex("plaintext sha256: ", h.plain_sha256, 32);
    print_hex("wrapped key:      ", h.wrapped_key, IMAGE_WRAPPED_KEY_SIZE);
    print_hex("iv:               ", h.iv, IMAGE_IV_SIZE);
    pub_path = pubkey ? g_strdup(pubkey) : fleet ? factory_fleet_path(fleet, FLEET_SIGNING_PUB) : NULL;
    enc_path = enc ? g_strdup(enc) : fleet ? factory_fleet_path(fleet, FLEET_ENC_KEY) : NULL;
    if (pub_path) {
        EVP_PKEY *pub = factory_load_public_key(pub_path, &error);
        bool ok;
        if (!pub)
            return fail("inspect", error);
        ok = factory_image_verify((uint8_t *)img, len, pub, &error);
        EVP_PKEY_free(pub);
        printf("signature:        %s\n", ok ? "valid" : "INVALID");
        if (!ok)
            return fail("inspect", error);
    } else {
        printf("signature:        not checked (give --fleet or --pubkey)\n");
    }
    if (enc_path) {
        uint8_t key[16];
        g_autoptr(GBytes) plain = NULL;
        if (!factory_load_enc_key(enc_path, key, &error))
            return fail("inspect", error);
        plain = factory_image_decrypt((uint8_t *)img, len, key, &error);
        printf("payload:          %s\n", plain ? "decrypts, SHA-256 matches" : "DOES NOT DECRYPT");
        if (!plain)
            return fail("inspect", error);
    }
    return 0;
}

static int cmd_registry(int argc, char **argv, bool revoke)
{
    const char *cmd = revoke ? "revoke" : "list";
    g_autofree char *fleet = NULL, *serial = NULL;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "Fleet directory", "DIR" },
        { "serial", 0, 0, G_OPTION_ARG_STRING, &serial, "Lamp to revoke", "SERIAL" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    struct factory_registry *reg;
    int rc = 0;

    if (!parse(cmd, "", revoke ? "mark a lamp revoked: the cloud refuses it" : "print the fleet registry",
               e, &argc, &argv, &rc))
        return rc;
    if (!fleet || (revoke && !serial) || argc > 1)
        return usage(cmd, revoke ? "--fleet and --serial are required" : "--fleet is required");
    reg = factory_registry_open(fleet, false, &error);
    if (!reg)
        return fail(cmd, error);
    if (revoke) {
        if (!factory_registry_revoke(reg, serial, &error))
            rc = fail(cmd, error);
        else
            printf("lamp %s revoked\n", serial);
    } else {
        g_autofree char *text = factory_registry_list(reg, &error);
        if (!text)
            rc = fail(cmd, error);
        else
            fputs(text, stdout);
    }
    factory_registry_close(reg);
    return rc;
}

static int cmd_revoke(int argc, char **argv) { return cmd_registry(argc, argv, true); }
static int cmd_list(int argc, char **argv) { return cmd_registry(argc, argv, false); }

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    { "fleet-init", cmd_fleet_init, "create a fleet: device and cloud CAs, RSA-4096 firmware and app signing keys, firmware key, registry" },
    { "fleet-add-app-key", cmd_fleet_add_app_key, "give a fleet made before app packages its app-signing key" },
    { "provision", cmd_provision, "make a lamp's state directory and add it to the registry" },
    { "sign", cmd_sign, "turn a firmware binary into a signed, encrypted update image" },
    { "sign-app", cmd_sign_app, "turn a partner app's manifest and Lua source into a signed app package" },
    { "inspect", cmd_inspect, "print an update image's header and check signature and content" },
    { "revoke", cmd_revoke, "mark a lamp revoked in the registry" },
    { "list", cmd_list, "print the registry" },
};

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "Usage: lampfactory COMMAND [OPTIONS]\n\nA lamp fleet owner's factory and "
                     "signing tool.\n\nCommands:\n");
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
            fprintf(out, "  %-17s %s\n", commands[i].name, commands[i].summary);
        fprintf(out, "\n`lampfactory COMMAND --help` describes a command's options.\n");
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "lampfactory: unknown command '%s' (see lampfactory --help)\n", argv[1]);
    return 2;
}
