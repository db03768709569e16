/* firmware/bootloader/install.h: copying a verified staged update from
 * slot B into slot A, power-safely (docs/firmware.md#installing-an-update). */
#ifndef LAMP_BOOT_INSTALL_H
#define LAMP_BOOT_INSTALL_H

#include "image_verify.h"

/* Overwrites slot A with the installed form of the staged image in slot B,
 * whose content key is key.  NULL on success, else why it failed. */
const char *install_from_slot_b(const uint8_t key[16]);
/* Erases slot B's header sector: the staged image is gone. */
const char *install_retire_slot_b(void);

#endif
