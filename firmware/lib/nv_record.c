/* firmware/lib/nv_record.c: see nv_record.h. */
#include "nv_record.h"

#include "crc32.h"
#include "flashctl.h"

static const uint8_t *sector(const struct nv_record_area *a, unsigned i)
{
    return (const uint8_t *)(a->base + FLASH_SECTOR_SIZE * i);
}

static bool valid(const struct nv_record_area *a, const uint8_t *r)
{
    const struct nv_record_head *h = (const struct nv_record_head *)r;
    uint32_t crc = *(const uint32_t *)(r + a->size - 4);

    return h->magic == a->magic && crc32_update(0, r, a->size - 4) == crc &&
           (!a->check || a->check(r));
}

static int newest_index(const struct nv_record_area *a)
{
    bool v0 = valid(a, sector(a, 0)), v1 = valid(a, sector(a, 1));

    if (v0 && v1) {
        uint32_t s0 = ((const struct nv_record_head *)sector(a, 0))->seq;
        uint32_t s1 = ((const struct nv_record_head *)sector(a, 1))->seq;
        return (int32_t)(s1 - s0) > 0 ? 1 : 0;
    }
    return v0 ? 0 : v1 ? 1 : -1;
}

const void *nv_record_newest(const struct nv_record_area *a)
{
    int i = newest_index(a);

    return i < 0 ? NULL : sector(a, (unsigned)i);
}

uint32_t nv_record_save(const struct nv_record_area *a, void *record)
{
    struct nv_record_head *h = record;
    const uint32_t *w = record;
    int cur = newest_index(a);
    unsigned dst = cur == 0 ? 1 : 0;
    uint32_t addr = a->base + FLASH_SECTOR_SIZE * dst, err;

    h->magic = a->magic;
    h->seq = cur < 0 ? 1 : ((const struct nv_record_head *)sector(a, (unsigned)cur))->seq + 1;
    *(uint32_t *)((uint8_t *)record + a->size - 4) = crc32_update(0, record, a->size - 4);
    if ((err = flashctl_erase(addr)) != 0)
        return err;
    for (unsigned i = 1; i < a->size / 4; i++)
        if ((err = flashctl_program(addr + 4 * i, w[i])) != 0)
            return err;
    /* the magic last: until it is there, the other sector is the newest */
    return flashctl_program(addr, w[0]);
}
