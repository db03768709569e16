/* tools/lampfactory/provision.c: one lamp leaves the factory: its keys,
 * certificate, K(0), keystore and fuses, with the line's bootloader and
 * installed application, written into its state directory with the
 * emulator's own crash-safe store (docs/tools.md#provision-a-lamp).  The
 * registry row is the batch's job (provision_batch.c). */
#include "factory.h"
#include "provision_line.h"

#include "flash_store.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool factory_variant_bits(const char *name, uint32_t *bits, GError **error)
{
    if (!name || !strcmp(name, "crypto")) {
        *bits = FLASH_STORE_VARIANT_CRYPTO;
        return true;
    }
    if (!strcmp(name, "basic")) {
        *bits = 0;
        return true;
    }
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                "lamp variant '%s': expected crypto (with the CRYPTO engine) or basic", name);
    return false;
}

bool factory_valid_endpoint(const char *endpoint, GError **error)
{
    const char *colon = strrchr(endpoint, ':');
    char *end;
    long port;

    if (!colon || colon == endpoint || colon - endpoint > 253 || !colon[1]) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "cloud endpoint '%s': expected HOST:PORT", endpoint);
        return false;
    }
    port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "cloud endpoint '%s': port must be 1 to 65535", endpoint);
        return false;
    }
    for (const char *c = endpoint; c < colon; c++)
        if (!g_ascii_isalnum(*c) && *c != '.' && *c != '-') {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "cloud endpoint '%s': host must be a DNS name or IPv4 address", endpoint);
            return false;
        }
    return true;
}

bool factory_lamp_check(const struct provision_params *p, uint8_t otp[OTP_SIZE],
                        uint32_t *variant, GError **error)
{
    g_autofree char *store = g_build_filename(p->state_dir, "lamp.img", NULL);

    if (!factory_otp_build(p->serial, p->profile, otp, error) ||
        !factory_valid_endpoint(p->cloud ? p->cloud : FACTORY_DEFAULT_CLOUD, error) ||
        !factory_variant_bits(p->variant, variant, error))
        return false;
    if (g_file_test(store, G_FILE_TEST_EXISTS)) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s already holds a lamp (lamp.img); provision into a new directory",
                    p->state_dir);
        return false;
    }
    return true;
}

/* Bootloader, keystore and slot A; the rest erased. */
static uint8_t *flash_image(const struct factory_line *line, const struct provision_params *p,
                            const uint8_t *key_der, size_t key_len, const uint8_t *cert_der,
                            size_t cert_len, const uint8_t k0[16], GError **error)
{
    const char *cloud = p->cloud ? p->cloud : FACTORY_DEFAULT_CLOUD;
    const struct keystore_entry entries[] = {
        { KS_SERIAL, (const uint8_t *)p->serial, strlen(p->serial) },
        { KS_DEVICE_KEY, key_der, key_len },
        { KS_DEVICE_CERT, cert_der, cert_len },
        { KS_CLOUD_CA_CERT, line->cloud_ca_der, line->cloud_ca_len },
        { KS_FW_RSA_N, line->fw_key.n, sizeof(line->fw_key.n) },
        { KS_FW_RSA_E, line->fw_key.e, line->fw_key.e_len },
        { KS_APP_RSA_N, line->app_key.n, sizeof(line->app_key.n) },
        { KS_APP_RSA_E, line->app_key.e, line->app_key.e_len },
        { KS_FW_ENC_KEY, line->enc_key, sizeof(line->enc_key) },
        { KS_COMMISSION_KEY, k0, 16 },
        { KS_CLOUD_ENDPOINT, (const uint8_t *)cloud, strlen(cloud) },
    };
    uint8_t *flash = g_malloc(FLASH_SIZE);

    memset(flash, 0xFF, FLASH_SIZE);
    memcpy(flash, line->boot, line->boot_len);
    if (!factory_keystore_build(entries, G_N_ELEMENTS(entries), flash + KEYSTORE_ADDR, error)) {
        g_free(flash);
        return NULL;
    }
    memcpy(flash + SLOT_A_ADDR, line->slot_a, line->slot_a_len);
    return flash;
}

bool factory_lamp_make(const struct factory_line *line, const struct provision_params *p,
                       struct factory_lamp *out, GError **error)
{
    g_autofree uint8_t *key_der = NULL, *cert_der = NULL;
    uint8_t otp[OTP_SIZE], *flash = NULL;
    size_t key_len = 0, cert_len;
    uint32_t variant;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    if (!factory_lamp_check(p, otp, &variant, error) ||
        !factory_device_identity(line->device_ca, p->serial, &key_der, &key_len, &cert_der,
                                 &cert_len, &out->cert_pem, error))
        goto out;
    if (RAND_priv_bytes(out->k0, sizeof(out->k0)) != 1) {
        factory_set_openssl_error(error, "drawing the commissioning key");
        goto out;
    }
    if (!(flash = flash_image(line, p, key_der, key_len, cert_der, cert_len, out->k0, error)))
        goto out;
    if (g_mkdir_with_parents(p->state_dir, 0755) != 0) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "creating %s: %s", p->state_dir,
                    g_strerror(errno));
        goto out;
    }
    ok = flash_store_create(p->state_dir, flash, FLASH_SIZE, otp, OTP_SIZE, variant, error);
out:
    if (flash) {
        OPENSSL_cleanse(flash + KEYSTORE_ADDR, KEYSTORE_SIZE); /* the device key */
        g_free(flash);
    }
    if (key_der)
        OPENSSL_cleanse(key_der, key_len);
    if (!ok)
        factory_lamp_clear(out);
    return ok;
}

void factory_lamp_unmake(const struct provision_params *p)
{
    g_autofree char *store = g_build_filename(p->state_dir, "lamp.img", NULL);

    unlink(store);
}

void factory_lamp_clear(struct factory_lamp *lamp)
{
    g_clear_pointer(&lamp->cert_pem, g_free);
    OPENSSL_cleanse(lamp->k0, sizeof(lamp->k0));
}

bool factory_provision(const struct provision_params *p, GError **error)
{
    return factory_provision_lamps(p, 1, 1, NULL, NULL, error);
}
