/* firmware/lib/keystore_read.c: the keystore partition, checked before use. */
#include "keystore_read.h"

#include "mbedtls/sha256.h"

#include <string.h>

#define KS_BASE ((const uint8_t *)KEYSTORE_ADDR)
#define KS_MAX_ENTRIES_SIZE (KEYSTORE_SIZE - sizeof(struct keystore_header))

const char *keystore_check(void)
{
    const struct keystore_header *h = (const struct keystore_header *)KS_BASE;
    uint8_t digest[32];

    if (h->magic != KEYSTORE_MAGIC)
        return "keystore missing (lamp not provisioned)";
    if (h->version != KEYSTORE_VERSION)
        return "keystore version unknown";
    if (h->entries_size > KS_MAX_ENTRIES_SIZE)
        return "keystore larger than its partition";
    if (mbedtls_sha256_ret(KS_BASE + sizeof(*h), h->entries_size, digest, 0) != 0 ||
        memcmp(digest, h->entries_sha256, sizeof(digest)) != 0)
        return "keystore corrupt (SHA-256 mismatch)";
    return NULL;
}

const uint8_t *keystore_find(enum keystore_tag tag, size_t *len)
{
    const struct keystore_header *h = (const struct keystore_header *)KS_BASE;
    const uint8_t *p = KS_BASE + sizeof(*h), *end = p + h->entries_size;

    while (end - p >= 4) {
        uint16_t t = (uint16_t)(p[0] | p[1] << 8), l = (uint16_t)(p[2] | p[3] << 8);
        if ((size_t)(end - p - 4) < l)
            return NULL;
        if (t == tag) {
            *len = l;
            return p + 4;
        }
        p += 4 + ((l + 3u) & ~3u);
    }
    return NULL;
}
