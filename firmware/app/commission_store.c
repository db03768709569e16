/* firmware/app/commission_store.c: the commissioning record, power-safe in
 * two nvstore sectors (docs/formats.md#nvstore). */
#include "commission_store.h"

#include "crc32.h"
#include "flashctl.h"
#include "hw.h"
#include "keystore_read.h"

#include <stddef.h>
#include <string.h>

#define RECORD_MAGIC 0x31534D43u  /* "CMS1" */
#define LEGACY_MAGIC 0x49464957u  /* "WIFI": credentials only, before keys rotated */
#define SECTOR(i) (NVSTORE_ADDR + FLASH_SECTOR_SIZE * (1u + (i)))

struct record {
    uint32_t magic;
    uint32_t seq;
    uint32_t n;
    uint8_t key[16];
    uint32_t has_creds;
    struct wifi_creds c;
    uint8_t pad[3];
    uint32_t crc;
};
_Static_assert(sizeof(struct record) % 4 == 0, "records are whole words");

/* The credentials-only record of the earlier format (read, never written). */
struct legacy_record {
    uint32_t magic;
    uint32_t seq;
    char ssid[33];
    char passphrase[64];
    uint8_t pad[3];
    uint32_t crc;
};

static const struct record *rec(unsigned i)
{
    return (const struct record *)SECTOR(i);
}

static bool terminated(const struct wifi_creds *c)
{
    return memchr(c->ssid, 0, sizeof(c->ssid)) && memchr(c->passphrase, 0, sizeof(c->passphrase)) &&
           memchr(c->proxy, 0, sizeof(c->proxy));
}

static bool valid(const struct record *r)
{
    return r->magic == RECORD_MAGIC &&
           crc32_update(0, r, offsetof(struct record, crc)) == r->crc && terminated(&r->c);
}

static bool legacy_valid(const struct legacy_record *r)
{
    return r->magic == LEGACY_MAGIC &&
           crc32_update(0, r, offsetof(struct legacy_record, crc)) == r->crc &&
           r->ssid[32] == 0 && r->passphrase[63] == 0;
}

/* Index of the newest valid record, or -1. */
static int newest(void)
{
    bool a = valid(rec(0)), b = valid(rec(1));

    if (a && b)
        return (int32_t)(rec(1)->seq - rec(0)->seq) > 0 ? 1 : 0;
    return a ? 0 : b ? 1 : -1;
}

int commission_store_load(struct commission_state *out)
{
    int i = newest();
    const uint8_t *k0;
    size_t len;

    memset(out, 0, sizeof(*out));
    if (i >= 0) {
        const struct record *r = rec((unsigned)i);
        out->n = r->n;
        memcpy(out->key, r->key, sizeof(out->key));
        out->has_creds = r->has_creds != 0;
        out->creds = r->c;
        return 0;
    }
    if (keystore_check() != NULL || !(k0 = keystore_find(KS_COMMISSION_KEY, &len)) || len != 16)
        return -1;
    memcpy(out->key, k0, 16);
    for (unsigned s = 0; s < 2; s++) {
        const struct legacy_record *l = (const struct legacy_record *)SECTOR(s);
        if (legacy_valid(l) && !out->has_creds) {
            memcpy(out->creds.ssid, l->ssid, sizeof(l->ssid));
            memcpy(out->creds.passphrase, l->passphrase, sizeof(l->passphrase));
            out->has_creds = true;
        }
    }
    return 0;
}

uint32_t commission_store_save(const struct commission_state *s)
{
    static struct record r;
    int cur = newest();
    unsigned dst = cur == 0 ? 1 : 0;
    const uint32_t *w = (const uint32_t *)&r;
    uint32_t err;

    memset(&r, 0, sizeof(r));
    r.magic = RECORD_MAGIC;
    r.seq = cur < 0 ? 1 : rec((unsigned)cur)->seq + 1;
    r.n = s->n;
    memcpy(r.key, s->key, sizeof(r.key));
    r.has_creds = s->has_creds;
    r.c = s->creds;
    r.c.ssid[sizeof(r.c.ssid) - 1] = 0;
    r.c.passphrase[sizeof(r.c.passphrase) - 1] = 0;
    r.c.proxy[sizeof(r.c.proxy) - 1] = 0;
    r.crc = crc32_update(0, &r, offsetof(struct record, crc));
    if ((err = flashctl_erase(SECTOR(dst))) != 0)
        return err;
    for (unsigned i = 1; i < sizeof(r) / 4; i++)
        if ((err = flashctl_program(SECTOR(dst) + 4 * i, w[i])) != 0)
            return err;
    /* the magic last: until it is there, the other sector is the newest */
    err = flashctl_program(SECTOR(dst), w[0]);
    memset(&r, 0, sizeof(r)); /* the key does not stay in RAM */
    return err;
}
