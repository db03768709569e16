/* firmware/include/flashctl_hw.h: FLASHCTL, the flash and OTP programming
 * controller (docs/hardware.md#flashctl-0x4000_1000): register offsets in
 * its window, bits, keys and commands.  The model (emu/flashctl.c) and the
 * driver (firmware/drivers/flashctl.c through hw.h) both take them from
 * here. */
#ifndef LAMP_FLASHCTL_HW_H
#define LAMP_FLASHCTL_HW_H

#define FLASHCTL_REG_CR 0x00u
#define FLASHCTL_REG_SR 0x04u
#define FLASHCTL_REG_KEY 0x08u
#define FLASHCTL_REG_ADDR 0x0Cu
#define FLASHCTL_REG_DATA 0x10u
#define FLASHCTL_REG_CMD 0x14u
#define FLASHCTL_REG_SRC 0x18u
#define FLASHCTL_REG_WP 0x20u          /* WPSTART(n), WPEND(n): FLASHCTL_WP_RANGES pairs */
#define FLASHCTL_REG_WPSTART(n) (FLASHCTL_REG_WP + 8u * (n))
#define FLASHCTL_REG_WPEND(n) (FLASHCTL_REG_WP + 8u * (n) + 4u)
#define FLASHCTL_REG_WPLOCK 0x40u
#define FLASHCTL_REG_OPCOUNT 0x44u
#define FLASHCTL_WP_RANGES 4u

#define FLASHCTL_CR_ERRIE 1u
#define FLASHCTL_CR_DONEIE 2u
#define FLASHCTL_CR_LOCK (1u << 31)
#define FLASHCTL_SR_BUSY 1u
#define FLASHCTL_SR_DONE 2u
#define FLASHCTL_SR_WPERR (1u << 4)
#define FLASHCTL_SR_PGERR (1u << 5)
#define FLASHCTL_SR_ADDRERR (1u << 6)
#define FLASHCTL_SR_LOCKERR (1u << 7)
#define FLASHCTL_SR_ERRORS \
    (FLASHCTL_SR_WPERR | FLASHCTL_SR_PGERR | FLASHCTL_SR_ADDRERR | FLASHCTL_SR_LOCKERR)
/* KEY: KEY1 then KEY2 unlocks CR.LOCK. */
#define FLASHCTL_KEY1 0x45670123u
#define FLASHCTL_KEY2 0xCDEF89ABu
#define FLASHCTL_CMD_PROGRAM 1u
#define FLASHCTL_CMD_ERASE 2u  /* the sector (FLASH_SECTOR_SIZE) holding ADDR */
#define FLASHCTL_CMD_OTPPROG 3u
#define FLASHCTL_CMD_PAGEPROG 4u
#define FLASH_PAGE_SIZE 256u /* PAGEPROG: from SRAM at SRC, ADDR aligned */

#endif
