/* firmware/lib/keystore_read.c: the keystore partition, checked before use. */
#include "keystore_read.h"

#include "mbedtls/sha256.h"

#include <string.h>

const char *keystore_check(void)
{
    return keystore_check_in(KEYSTORE_BASE, KEYSTORE_SIZE);
}

const uint8_t *keystore_find(enum keystore_tag tag, size_t *len)
{
    return keystore_find_in(KEYSTORE_BASE, tag, len);
}

const char *keystore_check_in(const uint8_t *base, size_t size)
{
    const struct keystore_header *h = (const struct keystore_header *)base;
    uint8_t digest[32];

    if (size < sizeof(*h) || h->magic != KEYSTORE_MAGIC)
        return "keystore missing (lamp not provisioned)";
    if (h->version != KEYSTORE_VERSION)
        return "keystore version unknown";
    if (h->entries_size > size - sizeof(*h))
        return "keystore larger than its partition";
    if (mbedtls_sha256_ret(base + sizeof(*h), h->entries_size, digest, 0) != 0 ||
        memcmp(digest, h->entries_sha256, sizeof(digest)) != 0)
        return "keystore corrupt (SHA-256 mismatch)";
    return NULL;
}

const uint8_t *keystore_find_in(const uint8_t *base, enum keystore_tag tag, size_t *len)
{
    const struct keystore_header *h = (const struct keystore_header *)base;
    const uint8_t *p = base + sizeof(*h), *end = p + h->entries_size;

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
