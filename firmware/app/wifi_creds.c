/* firmware/app/wifi_creds.c: WiFi credentials, power-safe in two sectors. */
#include "wifi_creds.h"

#include "crc32.h"
#include "flashctl.h"
#include "hw.h"

#include <stddef.h>
#include <string.h>

#define CREDS_MAGIC 0x49464957u /* "WIFI" */
#define CREDS_SECTOR(i) (NVSTORE_BASE + FLASH_SECTOR * (1u + (i)))

struct record {
    uint32_t magic;
    uint32_t seq;
    struct wifi_creds c;
    uint8_t pad[3];
    uint32_t crc;
};
_Static_assert(sizeof(struct record) % 4 == 0, "records are whole words");

static const struct record *rec(unsigned i)
{
    return (const struct record *)CREDS_SECTOR(i);
}

static int valid(const struct record *r)
{
    return r->magic == CREDS_MAGIC &&
           crc32_update(0, r, offsetof(struct record, crc)) == r->crc &&
           r->c.ssid[32] == 0 && r->c.passphrase[63] == 0;
}

/* Index of the newest valid record, or -1. */
static int newest(void)
{
    int a = valid(rec(0)), b = valid(rec(1));

    if (a && b)
        return (int32_t)(rec(1)->seq - rec(0)->seq) > 0 ? 1 : 0;
    return a ? 0 : b ? 1 : -1;
}

int wifi_creds_load(struct wifi_creds *out)
{
    int i = newest();

    if (i < 0)
        return -1;
    *out = rec((unsigned)i)->c;
    return 0;
}

uint32_t wifi_creds_save(const struct wifi_creds *c)
{
    static struct record r;
    int cur = newest();
    unsigned dst = cur == 0 ? 1 : 0;
    const uint32_t *w = (const uint32_t *)&r;
    uint32_t err;

    memset(&r, 0, sizeof(r));
    r.magic = CREDS_MAGIC;
    r.seq = cur < 0 ? 1 : rec((unsigned)cur)->seq + 1;
    r.c = *c;
    r.c.ssid[32] = 0;
    r.c.passphrase[63] = 0;
    r.crc = crc32_update(0, &r, offsetof(struct record, crc));
    if ((err = flashctl_erase(CREDS_SECTOR(dst))) != 0)
        return err;
    for (unsigned i = 1; i < sizeof(r) / 4; i++)
        if ((err = flashctl_program(CREDS_SECTOR(dst) + 4 * i, w[i])) != 0)
            return err;
    return flashctl_program(CREDS_SECTOR(dst), w[0]);
}
