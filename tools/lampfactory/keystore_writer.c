/* tools/lampfactory/keystore_writer.c: the keystore partition
 * (firmware/include/keystore.h, docs/formats.md#keystore). */
#include "factory.h"

#include <openssl/sha.h>
#include <string.h>

bool factory_keystore_build(const struct keystore_entry *entries, size_t n,
                            uint8_t out[KEYSTORE_SIZE], GError **error)
{
    struct keystore_header h = { .magic = KEYSTORE_MAGIC, .version = KEYSTORE_VERSION };
    size_t at = sizeof(h);

    memset(out, 0xFF, KEYSTORE_SIZE);
    for (size_t i = 0; i < n; i++) {
        size_t padded = (entries[i].len + 3) & ~(size_t)3;
        if (entries[i].len > 0xFFFF || at + 4 + padded > KEYSTORE_SIZE) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "keystore entries do not fit its %u bytes", KEYSTORE_SIZE);
            return false;
        }
        out[at] = (uint8_t)entries[i].tag;
        out[at + 1] = (uint8_t)(entries[i].tag >> 8);
        out[at + 2] = (uint8_t)entries[i].len;
        out[at + 3] = (uint8_t)(entries[i].len >> 8);
        memcpy(out + at + 4, entries[i].value, entries[i].len);
        memset(out + at + 4 + entries[i].len, 0, padded - entries[i].len);
        at += 4 + padded;
    }
    h.entry_count = (uint16_t)n;
    h.entries_size = (uint32_t)(at - sizeof(h));
    SHA256(out + sizeof(h), h.entries_size, h.entries_sha256);
    memcpy(out, &h, sizeof(h));
    return true;
}
