/* firmware/lib/image_verify.h: checking update images (docs/formats.md#update-image)
 * in both forms: staged (payload encrypted, slot B) and installed (payload
 * in plaintext, slot A).  Shared by the bootloader and the application. */
#ifndef LAMP_LIB_IMAGE_VERIFY_H
#define LAMP_LIB_IMAGE_VERIFY_H

#include "image.h"

#include <stddef.h>
#include <stdint.h>

/* The fleet keys from the keystore. */
struct fw_keys {
    const uint8_t *rsa_n, *rsa_e, *enc_key;
    size_t rsa_n_len, rsa_e_len;
};

enum image_form { IMAGE_STAGED, IMAGE_INSTALLED };

/* NULL, or why the keystore cannot give the firmware keys. */
const char *fw_keys_load(struct fw_keys *k);
/* The same from a keystore of size bytes at keystore (host tests and
 * fuzzing: a keystore read from a file). */
const char *fw_keys_from(const uint8_t *keystore, size_t size, struct fw_keys *k);

/* Structural checks of a header (magic, version, sizes, unknown fields);
 * NULL when it may be read further. */
const char *image_check_header(const struct image_header *h);

/* Full check; NULL when the image verifies, else why not.  Order: header,
 * then the signature over header and encrypted payload, then the epoch
 * against min_epoch, and only then the content key is unwrapped and the
 * payload decrypted and hashed.  An installed image is re-encrypted as it
 * is hashed, so the check covers the bytes that will run.  content_key
 * receives the unwrapped key when the result is NULL. */
const char *image_verify(const struct image_header *h, const uint8_t *payload,
                         const uint8_t *sig, enum image_form form, uint32_t min_epoch,
                         const struct fw_keys *k, uint8_t content_key[16]);

/* AES-128-CTR over payload bytes [offset, offset + len), offset a multiple
 * of 16: encrypts and decrypts alike.  0 on success. */
int image_ctr(const uint8_t key[16], const uint8_t iv[16], uint32_t offset,
              const uint8_t *in, uint8_t *out, size_t len);

#endif
