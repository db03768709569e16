/* tools/lampfactory/provision_line.c: see provision_line.h. */
#include "provision_line.h"

#include <openssl/core_names.h>
#include <string.h>

/* Raw modulus (512 bytes big endian) and exponent. */
static bool rsa_raw(EVP_PKEY *pub, struct factory_rsa_raw *out, const char *path, GError **error)
{
    BIGNUM *bn = NULL, *be = NULL;
    bool ok = EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &bn) &&
              EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &be) &&
              BN_num_bytes(bn) == 512 && BN_num_bytes(be) <= 4 &&
              BN_bn2binpad(bn, out->n, 512) == 512;

    if (ok)
        out->e_len = (size_t)BN_bn2bin(be, out->e);
    else
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s: not an RSA-4096 public key",
                    path);
    BN_free(bn);
    BN_free(be);
    return ok;
}

/* The image must be one this fleet signed and encrypted; slot A keeps it
 * as installed: header, plaintext, signature. */
static bool install_image(struct factory_line *line, EVP_PKEY *pub, const char *img, gsize len,
                          GError **error)
{
    g_autoptr(GBytes) plain = NULL;
    struct image_header h;

    if (!factory_image_parse((uint8_t *)img, len, &h, error) ||
        !factory_image_verify((uint8_t *)img, len, pub, error) ||
        !(plain = factory_image_decrypt((uint8_t *)img, len, line->enc_key, error)))
        return false;
    line->slot_a_len = len;
    line->slot_a = g_malloc(len);
    memcpy(line->slot_a, img, IMAGE_HEADER_SIZE);
    memcpy(line->slot_a + IMAGE_HEADER_SIZE, g_bytes_get_data(plain, NULL), h.payload_size);
    memcpy(line->slot_a + IMAGE_HEADER_SIZE + h.payload_size,
           img + IMAGE_HEADER_SIZE + h.payload_size, IMAGE_SIG_SIZE);
    return true;
}

/* Fleets made before app packages have no app-signing key: say so rather
 * than only "no such file". */
static EVP_PKEY *load_app_key(const char *path, GError **error)
{
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s missing: this fleet predates app packages; give it its app-signing "
                    "key with lampfactory fleet-add-app-key --fleet DIR", path);
        return NULL;
    }
    return factory_load_public_key(path, error);
}

struct factory_line *factory_line_open(const char *fleet_dir, const char *image_path,
                                       const char *bootloader_path, GError **error)
{
    g_autofree char *pub_path = factory_fleet_path(fleet_dir, FLEET_SIGNING_PUB);
    g_autofree char *enc_path = factory_fleet_path(fleet_dir, FLEET_ENC_KEY);
    g_autofree char *cloud_ca = factory_fleet_path(fleet_dir, FLEET_CLOUD_CA_CERT);
    g_autofree char *app_pub_path = factory_fleet_path(fleet_dir, FLEET_APP_SIGNING_PUB);
    struct factory_line *line = g_new0(struct factory_line, 1);
    g_autofree char *img = NULL, *boot = NULL;
    EVP_PKEY *pub = NULL, *app_pub = NULL;
    gsize img_len, boot_len;
    bool ok = false;

    if (!g_file_get_contents(image_path, &img, &img_len, error) ||
        !g_file_get_contents(bootloader_path, &boot, &boot_len, error))
        goto out;
    if (boot_len < 8 || boot_len > BOOTLOADER_SIZE) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s: %zu bytes; a bootloader is 8 bytes to 64 KiB", bootloader_path,
                    (size_t)boot_len);
        goto out;
    }
    line->boot = (uint8_t *)g_steal_pointer(&boot);
    line->boot_len = boot_len;
    ok = (pub = factory_load_public_key(pub_path, error)) &&
         factory_load_enc_key(enc_path, line->enc_key, error) &&
         install_image(line, pub, img, img_len, error) &&
         rsa_raw(pub, &line->fw_key, pub_path, error) &&
         (app_pub = load_app_key(app_pub_path, error)) &&
         rsa_raw(app_pub, &line->app_key, app_pub_path, error) &&
         (line->device_ca = factory_ca_load(fleet_dir, false, error)) &&
         factory_cert_der(cloud_ca, &line->cloud_ca_der, &line->cloud_ca_len, error);
out:
    EVP_PKEY_free(pub);
    EVP_PKEY_free(app_pub);
    if (!ok) {
        factory_line_free(line);
        return NULL;
    }
    return line;
}

void factory_line_free(struct factory_line *line)
{
    if (!line)
        return;
    factory_ca_free(line->device_ca);
    OPENSSL_cleanse(line->enc_key, sizeof(line->enc_key));
    g_free(line->cloud_ca_der);
    g_free(line->slot_a);
    g_free(line->boot);
    g_free(line);
}
