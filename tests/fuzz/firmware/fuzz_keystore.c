/* Fuzz target: the keystore reader (firmware/lib/keystore_read.c) on a
 * keystore partition image: what a lamp reads at boot from flash that a
 * faulty factory, a power cut during provisioning or a flash dump edited
 * by an attacker with the debug port open could have written.  The first
 * input byte's low bit asks the target to seal the entries with their
 * right SHA-256 (as lampfactory does), so the entry walk behind the digest
 * is fuzzed too, not only the refusal of a wrong digest.
 * Beyond crashes it checks what fw_keys_load, app_pkg_keys_load, tls_link
 * and netmgr rely on: every value keystore_find_in returns lies inside the
 * entries the header declares, 4-byte aligned from the partition's start,
 * and is the first entry with that tag; a keystore is refused when shorter
 * than its header, when entries_size passes the partition, or when the
 * digest does not match. */
#include "keystore_read.h"

#include "mbedtls/sha256.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The walk written again from docs/formats.md#keystore, as plainly as
 * possible: where the first entry with tag starts, or NULL. */
static const uint8_t *first_entry(const uint8_t *base, uint32_t entries_size, uint16_t tag,
                                  size_t *len)
{
    size_t off = 0;

    while (entries_size - off >= 4) {
        const uint8_t *e = base + sizeof(struct keystore_header) + off;
        uint16_t t = (uint16_t)(e[0] | e[1] << 8), l = (uint16_t)(e[2] | e[3] << 8);
        if (entries_size - off - 4 < l)
            return NULL;
        if (t == tag) {
            *len = l;
            return e + 4;
        }
        off += 4 + ((l + 3u) & ~3u);
        if (off > entries_size)
            return NULL;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 + KEYSTORE_SIZE)
        return 0;
    bool seal = data[0] & 1;
    data++, size--;
    /* Exactly the input's length, so a read past it is ASan's to see; the
     * partition is word-aligned in flash, and so is malloc's memory. */
    uint8_t *ks = malloc(size ? size : 1);
    if (!ks)
        abort();
    memcpy(ks, data, size);
    struct keystore_header *h = (struct keystore_header *)ks;
    if (seal && size >= sizeof(*h) && h->entries_size <= size - sizeof(*h) &&
        mbedtls_sha256_ret(ks + sizeof(*h), h->entries_size, h->entries_sha256, 0) != 0)
        abort();

    const char *why = keystore_check_in(ks, size);
    if (why == NULL) {
        uint8_t digest[32];
        if (size < sizeof(*h) || h->magic != KEYSTORE_MAGIC || h->version != KEYSTORE_VERSION ||
            h->entries_size > size - sizeof(*h) ||
            mbedtls_sha256_ret(ks + sizeof(*h), h->entries_size, digest, 0) != 0 ||
            memcmp(digest, h->entries_sha256, 32) != 0)
            abort(); /* accepted what must be refused */
        const uint8_t *entries = ks + sizeof(*h), *end = entries + h->entries_size;
        /* Every tag the lamp looks up, and some it does not know. */
        static const uint16_t tags[] = { 0, KS_SERIAL, KS_DEVICE_KEY, KS_DEVICE_CERT,
                                         KS_CLOUD_CA_CERT, KS_FW_RSA_N, KS_FW_RSA_E,
                                         KS_FW_ENC_KEY, KS_COMMISSION_KEY, KS_CLOUD_ENDPOINT,
                                         KS_APP_RSA_N, KS_APP_RSA_E, 12, 0xFFFF };
        for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
            size_t len = 0, want_len = 0;
            const uint8_t *v = keystore_find_in(ks, (enum keystore_tag)tags[i], &len);
            const uint8_t *want = first_entry(ks, h->entries_size, tags[i], &want_len);
            if (v != want || (v && len != want_len))
                abort();
            if (v && (v < entries + 4 || v > end || len > (size_t)(end - v) ||
                      (size_t)(v - ks) % 4 != 0))
                abort();
        }
    } else if (size >= sizeof(*h) && h->magic == KEYSTORE_MAGIC &&
               h->version == KEYSTORE_VERSION && seal && h->entries_size <= size - sizeof(*h)) {
        abort(); /* a sealed keystore of the right magic and version is intact */
    }
    free(ks);
    return 0;
}
