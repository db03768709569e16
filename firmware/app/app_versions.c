/* firmware/app/app_versions.c: the version floor record (app_versions.h). */
#include "app_versions.h"

#include "app_package.h"
#include "partitions.h"
#include "hw.h"
#include "nv_record.h"

#include <stddef.h>
#include <string.h>

#define RECORD_MAGIC 0x31565041u /* "APV1" */

/* Entries in the order their floors were last raised, oldest first; an
 * unused entry has an empty name. */
struct entry {
    char name[APP_PKG_NAME_SIZE];
    uint32_t version;
};

struct record {
    struct nv_record_head head;
    struct entry e[APP_VERSIONS_NAMES];
    uint32_t crc;
};
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");
_Static_assert(sizeof(struct record) % 4 == 0, "the record is whole words");
_Static_assert(sizeof(struct record) <= FLASH_SECTOR_SIZE, "the record fits its sector");

/* Names that are not terminated were not written by this code. */
static bool named(const void *p)
{
    const struct record *r = p;

    for (unsigned i = 0; i < APP_VERSIONS_NAMES; i++)
        if (r->e[i].name[APP_PKG_NAME_SIZE - 1])
            return false;
    return true;
}

static const struct nv_record_area area = {
    .base = NVSTORE_APP_VERSIONS, .magic = RECORD_MAGIC, .size = sizeof(struct record),
    .check = named,
};

static struct record now; /* SRAM, off the stack: what nvstore holds */

void app_versions_init(void)
{
    const struct record *r = nv_record_newest(&area);

    if (r)
        now = *r;
}

static int find(const char *name)
{
    for (unsigned i = 0; i < APP_VERSIONS_NAMES; i++)
        if (now.e[i].name[0] && strncmp(now.e[i].name, name, APP_PKG_NAME_SIZE) == 0)
            return (int)i;
    return -1;
}

uint32_t app_versions_floor(const char *name)
{
    int i = find(name);

    return i < 0 ? 0 : now.e[i].version;
}

/* Removes entry i, the later ones moving up: the last entry is free. */
static void drop(unsigned i)
{
    memmove(&now.e[i], &now.e[i + 1], (APP_VERSIONS_NAMES - 1 - i) * sizeof(now.e[0]));
    memset(&now.e[APP_VERSIONS_NAMES - 1], 0, sizeof(now.e[0]));
}

uint32_t app_versions_raise(const char *name, uint32_t version, bool (*installed)(const char *))
{
    struct record before = now;
    int i = find(name);
    unsigned k = 0;
    uint32_t err;

    if (i >= 0 && now.e[i].version >= version)
        return 0;
    if (i >= 0) {
        drop((unsigned)i);
    } else if (now.e[APP_VERSIONS_NAMES - 1].name[0]) {
        /* Full: forget the oldest name that is not installed (at most
         * APP_MAX_INSTALLED are, fewer than the names kept). */
        while (k < APP_VERSIONS_NAMES - 1 && installed(now.e[k].name))
            k++;
        drop(k);
    }
    for (k = 0; now.e[k].name[0]; k++)
        ;
    strncpy(now.e[k].name, name, APP_PKG_NAME_SIZE - 1);
    now.e[k].version = version;
    err = nv_record_save(&area, &now);
    if (err)
        now = before; /* what flash still holds */
    return err;
}

_Static_assert(APP_MAX_INSTALLED < APP_VERSIONS_NAMES, "a full record always has a name to forget");
