/* firmware/app/vm_app_storage.c: an app's key/value storage
 * (vm_internal.h, docs/formats.md#app-storage): one power-safe record
 * (lib/nv_record.c: two sectors written in turn, the magic last) in the
 * app's pair of sectors of the app partition (APP_KV_PAIR_ADDR).  Every
 * set or delete rewrites the whole record, so a power cut at any flash
 * operation leaves the storage as it was before the change or after it.
 * The record names its app: a pair that held another app's storage
 * reads as empty, so an app never sees what a removed one left. */
#include "vm_internal.h"

#include "log.h"
#include "nv_record.h"
#include "partitions.h"

#include <stddef.h>
#include <string.h>

#define RECORD_MAGIC 0x31564B41u /* "AKV1" */

/* data: entries back to back, each key length (1 byte), value length
 * (2 bytes, little endian), key, value; `used` bytes of it. */
struct kv_record {
    struct nv_record_head head;
    char app[APP_PKG_NAME_SIZE];
    uint32_t used;
    uint8_t data[APP_QUOTA_STORAGE_MAX];
    uint32_t crc;
};
_Static_assert(offsetof(struct kv_record, crc) == sizeof(struct kv_record) - 4, "the CRC ends the record");
_Static_assert(sizeof(struct kv_record) <= FLASH_SECTOR_SIZE, "a record fits a sector");
#define ENTRY_HEAD 3u

static bool record_ok(const void *p)
{
    const struct kv_record *r = p;

    return r->used <= sizeof(r->data) && memchr(r->app, 0, sizeof(r->app)) != NULL;
}

static struct nv_record_area area_of(int pair)
{
    return (struct nv_record_area){ .base = APP_KV_PAIR_ADDR(pair), .magic = RECORD_MAGIC,
                                    .size = sizeof(struct kv_record), .check = record_ok };
}

/* The app's record in flash, or NULL: none, or another app's. */
static const struct kv_record *current(int pair, const char *app)
{
    struct nv_record_area area = area_of(pair);
    const struct kv_record *r = nv_record_newest(&area);

    return r && !strncmp(r->app, app, sizeof(r->app)) ? r : NULL;
}

/* The entry of key in data[0, used): its offset, or -1. */
static int find(const uint8_t *data, uint32_t used, const uint8_t *key, uint32_t klen)
{
    for (uint32_t at = 0; at + ENTRY_HEAD <= used;) {
        uint32_t k = data[at], v = data[at + 1] | (uint32_t)data[at + 2] << 8;
        if (k == klen && !memcmp(data + at + ENTRY_HEAD, key, klen))
            return (int)at;
        at += ENTRY_HEAD + k + v;
    }
    return -1;
}

static uint32_t entry_size(const uint8_t *e)
{
    return ENTRY_HEAD + e[0] + (e[1] | (uint32_t)e[2] << 8);
}

int32_t vm_app_storage_get(int pair, const char *app, const uint8_t *key, uint32_t klen,
                           uint8_t *value)
{
    const struct kv_record *r = current(pair, app);
    int at = r ? find(r->data, r->used, key, klen) : -1;

    if (at < 0)
        return VM_ENOENT;
    uint32_t vlen = r->data[at + 1] | (uint32_t)r->data[at + 2] << 8;
    memcpy(value, r->data + at + ENTRY_HEAD + klen, vlen);
    return (int32_t)vlen;
}

/* The new record is built here, off the stack (2 KiB). */
static struct kv_record next;

int32_t vm_app_storage_put(int pair, const char *app, uint32_t quota, const uint8_t *key,
                           uint32_t klen, const uint8_t *value, uint32_t vlen, bool delete)
{
    const struct kv_record *r = current(pair, app);
    struct nv_record_area area = area_of(pair);
    int at;
    uint32_t err;

    memset(&next, 0, sizeof(next));
    strncpy(next.app, app, sizeof(next.app) - 1);
    if (r) {
        next.used = r->used;
        memcpy(next.data, r->data, r->used);
    }
    at = find(next.data, next.used, key, klen);
    if (at >= 0) { /* the old entry goes; the new one is appended */
        uint32_t n = entry_size(next.data + at);
        memmove(next.data + at, next.data + at + n, next.used - (uint32_t)at - n);
        next.used -= n;
    } else if (delete) {
        return VM_ENOENT;
    }
    if (!delete) {
        if (next.used + ENTRY_HEAD + klen + vlen > quota)
            return VM_EQUOTA;
        uint8_t *e = next.data + next.used;
        e[0] = (uint8_t)klen;
        e[1] = (uint8_t)vlen;
        e[2] = (uint8_t)(vlen >> 8);
        memcpy(e + ENTRY_HEAD, key, klen);
        memcpy(e + ENTRY_HEAD + klen, value, vlen);
        next.used += ENTRY_HEAD + klen + vlen;
    }
    if ((err = nv_record_save(&area, &next)) != 0) {
        LOG_ERR("app: %s: saving its storage failed (flash error 0x%02lx)", app, (unsigned long)err);
        return VM_EIO;
    }
    return 0;
}
