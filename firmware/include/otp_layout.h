/* firmware/include/otp_layout.h: what the 4 KiB of OTP fuses hold
 * (docs/hardware.md#otp-layout, docs/formats.md#otp-fuses-as-provisioned):
 * offsets from OTP_BASE, sizes and the lock bits.  Shared by the model
 * (emu/flashctl.c, emu/machine.c), the firmware (hw.h, the bootloader,
 * the status report, the epoch code), the factory that writes the fuses
 * (tools/lampfactory) and the simulator that reads them (sim/).  Fuses
 * start as 0 and bits are only ever set. */
#ifndef LAMP_OTP_LAYOUT_H
#define LAMP_OTP_LAYOUT_H

#include "memory_map.h"

/* LOCKS: one word of lock fuses. */
#define OTP_LOCKS_OFFSET 0x000u
#define OTP_LOCK_DEBUG 1u         /* DEBUG_LOCK: SWD/JTAG permanently off */
#define OTP_LOCK_BOOT 2u          /* BOOT_LOCK: no external boot, no DFU */
#define OTP_LOCK_BOOTLOADER_WP 4u /* BOOTLOADER_WP: the bootloader's sectors write-protected */
/* The fuses each factory profile blows (docs/formats.md). */
#define OTP_LOCKS_PRODUCTION (OTP_LOCK_DEBUG | OTP_LOCK_BOOT | OTP_LOCK_BOOTLOADER_WP)
#define OTP_LOCKS_DEVELOPMENT OTP_LOCK_BOOTLOADER_WP

/* SERIAL: the lamp serial in ASCII, NUL padded. */
#define OTP_SERIAL_OFFSET 0x010u
#define OTP_SERIAL_SIZE 16u
#define OTP_SERIAL_MAX (OTP_SERIAL_SIZE - 1) /* characters: one NUL at least */

/* EPOCH: the security epoch as a thermometer code (the number of
 * consecutive 1 bits from bit 0 of the first word). */
#define OTP_EPOCH_OFFSET 0x020u
#define OTP_EPOCH_BITS 128u
#define OTP_EPOCH_WORDS (OTP_EPOCH_BITS / 32)

#endif
