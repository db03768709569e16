/* firmware/include/partitions.h: how the 2 MiB of flash is divided
 * (docs/hardware.md#flash-partitions).  Shared by the bootloader and the
 * application, the emulator (the bootloader's write-protect), the factory
 * that lays a new lamp's flash out and the simulator (slot A's watch,
 * external boot).  image.h adds what lies inside a slot. */
#ifndef LAMP_PARTITIONS_H
#define LAMP_PARTITIONS_H

#include "memory_map.h"

#define BOOTLOADER_ADDR 0x00000000u
#define BOOTLOADER_SIZE 0x00010000u /* sectors 0-15, write-protected after manufacture */
#define KEYSTORE_ADDR 0x00010000u
#define KEYSTORE_SIZE 0x00002000u
#define NVSTORE_ADDR 0x00012000u
#define NVSTORE_SIZE 0x0000E000u
#define SLOT_A_ADDR 0x00020000u     /* the running image */
#define SLOT_B_ADDR 0x00100000u     /* download and staging */
#define SLOT_SIZE 0x000E0000u
/* Partner apps (docs/hardware.md#the-app-partition): signed packages in
 * slots of their own, one more than the apps that may be installed so an
 * install never overwrites the app it replaces until the new one is
 * complete; then each installed app's key/value storage, a pair of
 * sectors per app written in turn like the nvstore's records. */
#define APP_PART_ADDR 0x001E0000u
#define APP_PART_SIZE 0x00020000u
#define APP_MAX_INSTALLED 4u
#define APP_SLOT_SIZE 0x00004000u   /* a package (APP_PKG_MAX_SIZE) and its commit trailer */
#define APP_SLOTS (APP_MAX_INSTALLED + 1u)
#define APP_SLOT_ADDR(i) (APP_PART_ADDR + APP_SLOT_SIZE * (i))
#define APP_KV_ADDR APP_SLOT_ADDR(APP_SLOTS)
#define APP_KV_PAIR_SIZE (2u * FLASH_SECTOR_SIZE)
#define APP_KV_PAIR_ADDR(i) (APP_KV_ADDR + APP_KV_PAIR_SIZE * (i))

/* nvstore's sectors (docs/formats.md#nvstore): the crash log, then the
 * power-safe records, each kind in two sectors written in turn. */
#define NVSTORE_SECTOR(i) (NVSTORE_ADDR + FLASH_SECTOR_SIZE * (i))
#define NVSTORE_CRASHLOG NVSTORE_SECTOR(0)
#define NVSTORE_COMMISSION NVSTORE_SECTOR(1) /* sectors 1 and 2 */
#define NVSTORE_LIGHTING NVSTORE_SECTOR(3)   /* sectors 3 and 4 */
#define NVSTORE_BEACON NVSTORE_SECTOR(5)     /* sectors 5 and 6 */
#define NVSTORE_TELEMETRY NVSTORE_SECTOR(7)  /* sectors 7 and 8 */
#define NVSTORE_APP_STRIKES NVSTORE_SECTOR(9) /* sectors 9 and 10 */
#define NVSTORE_APP_VERSIONS NVSTORE_SECTOR(11) /* sectors 11 and 12: highest version per app name */
#define NVSTORE_SECTORS_USED 13u

_Static_assert(NVSTORE_SECTORS_USED * FLASH_SECTOR_SIZE <= NVSTORE_SIZE, "nvstore holds its sectors");
_Static_assert(NVSTORE_APP_VERSIONS + 2 * FLASH_SECTOR_SIZE == NVSTORE_SECTOR(NVSTORE_SECTORS_USED),
               "the last record's pair ends the sectors used");
_Static_assert(BOOTLOADER_ADDR + BOOTLOADER_SIZE == KEYSTORE_ADDR, "keystore follows the bootloader");
_Static_assert(KEYSTORE_ADDR + KEYSTORE_SIZE == NVSTORE_ADDR, "nvstore follows the keystore");
_Static_assert(NVSTORE_ADDR + NVSTORE_SIZE == SLOT_A_ADDR, "slot A follows the nvstore");
_Static_assert(SLOT_A_ADDR + SLOT_SIZE == SLOT_B_ADDR, "slot B follows slot A");
_Static_assert(SLOT_B_ADDR + SLOT_SIZE == APP_PART_ADDR, "the app partition follows slot B");
_Static_assert(APP_KV_PAIR_ADDR(APP_MAX_INSTALLED) <= APP_PART_ADDR + APP_PART_SIZE,
               "the app partition holds the package slots and every app's storage");
_Static_assert(APP_PART_ADDR + APP_PART_SIZE <= FLASH_BASE + FLASH_SIZE, "the app partition ends inside flash");
_Static_assert(APP_SLOT_SIZE % FLASH_SECTOR_SIZE == 0, "an app slot is whole sectors");

#endif
