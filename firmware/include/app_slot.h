/* firmware/include/app_slot.h: what an app package slot holds
 * (docs/formats.md#app-package-slots): the package from the slot's first
 * byte, and in the slot's last flash page a commit trailer, written after
 * the package verified as it lies in flash, its magic programmed last. */
#ifndef LAMP_APP_SLOT_H
#define LAMP_APP_SLOT_H

#include "app_package.h"
#include "flashctl_hw.h"
#include "partitions.h"

#include <stdint.h>

#define APP_SLOT_MAGIC 0x43505041u /* "APPC" little endian */
#define APP_SLOT_TRAILER_OFFSET (APP_SLOT_SIZE - FLASH_PAGE_SIZE)

struct app_slot_trailer {
    uint32_t magic;   /* APP_SLOT_MAGIC once committed, programmed last */
    uint32_t seq;     /* commit order: of two copies of a name the higher wins (serial arithmetic) */
    uint32_t pkg_len; /* bytes of package from the slot's start */
    uint32_t kv_pair; /* the app's key/value pair, APP_KV_PAIR_ADDR(kv_pair) */
    uint32_t pkg_crc; /* CRC-32 of the package bytes: torn data never counts as committed */
    uint32_t crc;     /* CRC-32 of seq, pkg_len, kv_pair and pkg_crc */
};

_Static_assert(APP_PKG_MAX_SIZE <= APP_SLOT_TRAILER_OFFSET, "the largest package ends before the trailer page");

#endif
