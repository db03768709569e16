/* Fuzz target: image verification (firmware/lib/image_verify.c) on an
 * update image as it lies in slot B: the header's structural checks
 * (image_check_header), then the whole check (image_verify) against the
 * fuzzing fleet's keys, in both forms (staged: encrypted; installed:
 * plaintext), as the bootloader and the OTA client run them.
 * Beyond crashes it checks what the bootloader relies on once a header is
 * accepted: a consistent layout (header size, load address, a payload
 * that leaves room for the signature before the slot's trailer, an epoch
 * the fuses can hold, no unknown field), and once an image verifies: that
 * it passed the header check, its epoch is not below the lamp's, and the
 * content key it gives decrypts the payload to the header's SHA-256. */
#include "fleet_keystore.h"
#include "image_verify.h"

#include "mbedtls/sha256.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fw_keys keys;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t len;
    const uint8_t *ks = fleet_keystore(&len);

    (void)argc, (void)argv;
    if (fw_keys_from(ks, len, &keys) != NULL)
        abort();
    return 0;
}

static void check_layout(const struct image_header *h)
{
    uint8_t any = 0;

    for (size_t i = 0; i < sizeof(h->reserved); i++)
        any |= h->reserved[i];
    if (h->magic != IMAGE_MAGIC || h->header_version != IMAGE_HEADER_VERSION ||
        h->header_size != IMAGE_HEADER_SIZE || h->load_addr != IMAGE_LOAD_ADDR ||
        h->payload_size < 8 || h->flags != 0 || h->reserved0 != 0 || any ||
        h->security_epoch > IMAGE_MAX_EPOCH ||
        (uint64_t)IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE > SLOT_TRAILER_OFFSET)
        abort();
}

/* The key image_verify gave decrypts the payload to the header's digest. */
static void check_content(const struct image_header *h, const uint8_t *payload,
                          enum image_form form, const uint8_t key[16])
{
    uint8_t *plain = malloc(h->payload_size), digest[32];

    if (!plain)
        abort();
    if (form == IMAGE_STAGED) {
        if (image_ctr(key, h->iv, 0, payload, plain, h->payload_size) != 0)
            abort();
    } else {
        memcpy(plain, payload, h->payload_size);
    }
    if (mbedtls_sha256_ret(plain, h->payload_size, digest, 0) != 0 ||
        memcmp(digest, h->plain_sha256, 32) != 0)
        abort();
    free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct image_header h;
    uint8_t key[16];

    /* The first byte: the form, and the lamp's epoch (0..127). */
    if (size < 1 + sizeof(h))
        return 0;
    enum image_form form = data[0] & 1 ? IMAGE_INSTALLED : IMAGE_STAGED;
    uint32_t min_epoch = data[0] >> 1;
    data++, size--;
    memcpy(&h, data, sizeof(h));
    if (image_check_header(&h) != NULL)
        return 0;
    check_layout(&h);
    /* The whole image: payload then signature, exactly as long as the
     * header says (the bootloader reads that much from the slot). */
    if (size != sizeof(h) + h.payload_size + IMAGE_SIG_SIZE)
        return 0;
    uint8_t *image = malloc(size);
    if (!image)
        abort();
    memcpy(image, data, size);
    const uint8_t *payload = image + sizeof(h), *sig = payload + h.payload_size;
    if (image_verify(&h, payload, sig, form, min_epoch, &keys, key) == NULL) {
        if (h.security_epoch < min_epoch)
            abort(); /* a rollback accepted */
        check_content(&h, payload, form, key);
    }
    free(image);
    return 0;
}
