/* tools/lampfactory/provision_line.h: what every lamp made from one fleet,
 * one update image and one bootloader shares, read and checked once rather
 * than once per lamp: the fleet's device CA, cloud CA, firmware keys and
 * app-signing key,
 * the image (signature, decryption) in the installed form slot A holds,
 * and the bootloader.  A line belongs to one thread: OpenSSL keys and
 * certificates keep caches they fill as they are used. */
#ifndef LAMPSIM_FACTORY_PROVISION_LINE_H
#define LAMPSIM_FACTORY_PROVISION_LINE_H

#include "factory.h"

/* An RSA-4096 public key as a keystore holds it. */
struct factory_rsa_raw {
    uint8_t n[512], e[4];
    size_t e_len;
};

struct factory_line {
    struct factory_ca *device_ca;
    uint8_t *cloud_ca_der;
    size_t cloud_ca_len;
    uint8_t enc_key[16];
    struct factory_rsa_raw fw_key;  /* the firmware verification key as the bootloader reads it */
    struct factory_rsa_raw app_key; /* the app-signing key as lib/app_keys.c reads it */
    uint8_t *slot_a; /* header || plaintext payload || signature */
    size_t slot_a_len;
    uint8_t *boot;
    size_t boot_len;
};

/* Errors are the ones `lampfactory provision` reports for each input
 * (missing file, bad signature, another fleet's image, ...). */
struct factory_line *factory_line_open(const char *fleet_dir, const char *image_path,
                                       const char *bootloader_path, GError **error);
void factory_line_free(struct factory_line *line);

#endif
