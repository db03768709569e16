/* tools/lampfactory/provision.c: one lamp leaves the factory: bootloader,
 * keystore, fuses and the installed application, written into its state
 * directory with the emulator's own crash-safe store, and recorded in the
 * fleet registry (docs/tools.md#provision). */
#include "factory.h"

#include "flash_store.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLASH_BYTES (2u * 1024 * 1024)
#define BOOTLOADER_MAX 0x10000u

/* The firmware verification key as the bootloader reads it: raw modulus
 * (512 bytes big endian) and exponent. */
static bool rsa_raw(EVP_PKEY *pub, uint8_t n[512], uint8_t e[4], size_t *e_len, GError **error)
{
    BIGNUM *bn = NULL, *be = NULL;
    bool ok = EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &bn) &&
              EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &be) &&
              BN_num_bytes(bn) == 512 && BN_num_bytes(be) <= 4 &&
              BN_bn2binpad(bn, n, 512) == 512;

    if (ok)
        *e_len = (size_t)BN_bn2bin(be, e);
    else
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "the fleet's firmware verification key is not RSA-4096");
    BN_free(bn);
    BN_free(be);
    return ok;
}

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

static bool state_write(const char *dir, const uint8_t *flash, const uint8_t *otp,
                        uint32_t variant, GError **error)
{
    return flash_store_create(dir, flash, FLASH_BYTES, otp, OTP_IMAGE_SIZE, variant, error);
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

bool factory_provision(const struct provision_params *p, GError **error)
{
    g_autofree char *pub_path = factory_fleet_path(p->fleet_dir, FLEET_SIGNING_PUB);
    g_autofree char *enc_path = factory_fleet_path(p->fleet_dir, FLEET_ENC_KEY);
    g_autofree char *cloud_ca = factory_fleet_path(p->fleet_dir, FLEET_CLOUD_CA_CERT);
    g_autofree char *store = g_build_filename(p->state_dir, "lamp.img", NULL);
    g_autofree char *img = NULL, *boot = NULL, *cert_pem = NULL;
    g_autofree uint8_t *flash = NULL, *key_der = NULL, *cert_der = NULL, *ca_der = NULL;
    g_autoptr(GBytes) plain = NULL;
    uint8_t otp[OTP_IMAGE_SIZE], enc[16], k0[16], n[512], e[4];
    size_t img_len, boot_len, key_len, cert_len, ca_len, e_len;
    struct image_header h;
    struct factory_registry *reg = NULL;
    EVP_PKEY *pub = NULL;
    bool ok = false;
    uint32_t variant;

    const char *cloud = p->cloud ? p->cloud : FACTORY_DEFAULT_CLOUD;

    if (!factory_otp_build(p->serial, p->profile, otp, error) ||
        !factory_valid_endpoint(cloud, error) || !factory_variant_bits(p->variant, &variant, error))
        return false;
    if (g_file_test(store, G_FILE_TEST_EXISTS)) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s already holds a lamp (lamp.img); provision into a new directory",
                    p->state_dir);
        return false;
    }
    if (!g_file_get_contents(p->image_path, &img, &img_len, error) ||
        !g_file_get_contents(p->bootloader_path, &boot, &boot_len, error))
        goto out;
    if (boot_len < 8 || boot_len > BOOTLOADER_MAX) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s: %zu bytes; a bootloader is 8 bytes to 64 KiB", p->bootloader_path, boot_len);
        goto out;
    }
    /* The image must be one this fleet signed and encrypted. */
    if (!(pub = factory_load_public_key(pub_path, error)) ||
        !factory_load_enc_key(enc_path, enc, error) ||
        !factory_image_parse((uint8_t *)img, img_len, &h, error) ||
        !factory_image_verify((uint8_t *)img, img_len, pub, error) ||
        !(plain = factory_image_decrypt((uint8_t *)img, img_len, enc, error)) ||
        !rsa_raw(pub, n, e, &e_len, error))
        goto out;
    if (!factory_device_identity(p->fleet_dir, p->serial, &key_der, &key_len, &cert_der,
                                 &cert_len, &cert_pem, error) ||
        !factory_cert_der(cloud_ca, &ca_der, &ca_len, error))
        goto out;
    if (RAND_priv_bytes(k0, sizeof(k0)) != 1) {
        factory_set_openssl_error(error, "drawing the commissioning key");
        goto out;
    }

    flash = g_malloc(FLASH_BYTES);
    memset(flash, 0xFF, FLASH_BYTES);
    memcpy(flash, boot, boot_len);
    {
        const struct keystore_entry entries[] = {
            { KS_SERIAL, (const uint8_t *)p->serial, strlen(p->serial) },
            { KS_DEVICE_KEY, key_der, key_len },
            { KS_DEVICE_CERT, cert_der, cert_len },
            { KS_CLOUD_CA_CERT, ca_der, ca_len },
            { KS_FW_RSA_N, n, sizeof(n) },
            { KS_FW_RSA_E, e, e_len },
            { KS_FW_ENC_KEY, enc, sizeof(enc) },
            { KS_COMMISSION_KEY, k0, sizeof(k0) },
            { KS_CLOUD_ENDPOINT, (const uint8_t *)cloud, strlen(cloud) },
        };
        if (!factory_keystore_build(entries, G_N_ELEMENTS(entries), flash + KEYSTORE_ADDR, error))
            goto out;
    }
    /* Slot A: the installed form, header + plaintext + signature. */
    memcpy(flash + SLOT_A_ADDR, img, IMAGE_HEADER_SIZE);
    memcpy(flash + SLOT_A_ADDR + IMAGE_HEADER_SIZE, g_bytes_get_data(plain, NULL), h.payload_size);
    memcpy(flash + SLOT_A_ADDR + IMAGE_HEADER_SIZE + h.payload_size,
           img + IMAGE_HEADER_SIZE + h.payload_size, IMAGE_SIG_SIZE);

    /* Registry first, committed only once the lamp is on disk. */
    if (!(reg = factory_registry_open(p->fleet_dir, false, error)) ||
        !factory_registry_begin(reg, error) ||
        !factory_registry_add(reg, p->serial, p->profile, cert_pem, k0, p->replace, error))
        goto out_rollback;
    if (g_mkdir_with_parents(p->state_dir, 0755) != 0) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "creating %s", p->state_dir);
        goto out_rollback;
    }
    if (!state_write(p->state_dir, flash, otp, variant, error))
        goto out_rollback;
    if (!factory_registry_commit(reg, error)) {
        unlink(store);
        goto out_rollback;
    }
    ok = true;
    goto out;
out_rollback:
    if (reg)
        factory_registry_rollback(reg);
out:
    factory_registry_close(reg);
    EVP_PKEY_free(pub);
    OPENSSL_cleanse(enc, sizeof(enc));
    OPENSSL_cleanse(k0, sizeof(k0));
    if (key_der)
        OPENSSL_cleanse(key_der, key_len);
    return ok;
}
