/* firmware/app/commission_store.c: the commissioning record, power-safe in
 * two nvstore sectors (docs/formats.md#nvstore). */
#include "commission_store.h"

#include "crc32.h"
#include "hw.h"
#include "keystore_read.h"
#include "nv_record.h"

#include <stddef.h>
#include <string.h>

#define RECORD_MAGIC 0x31534D43u  /* "CMS1" */
#define LEGACY_MAGIC 0x49464957u  /* "WIFI": credentials only, before keys rotated */
#define SECTOR(i) (NVSTORE_COMMISSION + FLASH_SECTOR_SIZE * (i))

struct record {
    struct nv_record_head head;
    uint32_t n;
    uint8_t key[16];
    uint32_t has_creds;
    struct wifi_creds c;
    uint8_t pad[3];
    uint32_t crc;
};
_Static_assert(sizeof(struct record) % 4 == 0, "records are whole words");
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");

/* The credentials-only record of the earlier format (read, never written). */
struct legacy_record {
    uint32_t magic;
    uint32_t seq;
    char ssid[33];
    char passphrase[64];
    uint8_t pad[3];
    uint32_t crc;
};

static bool terminated(const struct wifi_creds *c)
{
    return memchr(c->ssid, 0, sizeof(c->ssid)) && memchr(c->passphrase, 0, sizeof(c->passphrase)) &&
           memchr(c->proxy, 0, sizeof(c->proxy));
}

static bool record_check(const void *r)
{
    return terminated(&((const struct record *)r)->c);
}

static const struct nv_record_area area = {
    .base = NVSTORE_COMMISSION, .magic = RECORD_MAGIC, .size = sizeof(struct record),
    .check = record_check,
};

static bool legacy_valid(const struct legacy_record *r)
{
    return r->magic == LEGACY_MAGIC &&
           crc32_update(0, r, offsetof(struct legacy_record, crc)) == r->crc &&
           r->ssid[32] == 0 && r->passphrase[63] == 0;
}

/* The twin's copy (SYSCTL COMMISSION, docs/hardware.md#sysctl): n and
 * whether credentials are held, never the key. */
static void show_twin(const struct commission_state *s)
{
    SYSCTL_COMMISSION = (s->n & SYSCTL_COMMISSION_N_MASK) | (s->has_creds ? SYSCTL_COMMISSION_CREDS : 0);
}

int commission_store_load(struct commission_state *out)
{
    const struct record *r = nv_record_newest(&area);
    const uint8_t *k0;
    size_t len;

    memset(out, 0, sizeof(*out));
    if (r) {
        out->n = r->n;
        memcpy(out->key, r->key, sizeof(out->key));
        out->has_creds = r->has_creds != 0;
        out->creds = r->c;
        show_twin(out);
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
    show_twin(out);
    return 0;
}

uint32_t commission_store_save(const struct commission_state *s)
{
    static struct record r;
    uint32_t err;

    memset(&r, 0, sizeof(r));
    r.n = s->n;
    memcpy(r.key, s->key, sizeof(r.key));
    r.has_creds = s->has_creds;
    r.c = s->creds;
    r.c.ssid[sizeof(r.c.ssid) - 1] = 0;
    r.c.passphrase[sizeof(r.c.passphrase) - 1] = 0;
    r.c.proxy[sizeof(r.c.proxy) - 1] = 0;
    err = nv_record_save(&area, &r);
    memset(&r, 0, sizeof(r)); /* the key does not stay in RAM */
    if (err == 0)
        show_twin(s);
    return err;
}
