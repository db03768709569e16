/* firmware/drivers/flashctl.h: program and erase flash through FLASHCTL. */
#ifndef LAMP_FLASHCTL_H
#define LAMP_FLASHCTL_H

#include "flashctl_hw.h" /* FLASH_PAGE_SIZE */
#include "memory_map.h"  /* FLASH_SECTOR_SIZE */

#include <stdint.h>

/* 0 or the FLASHCTL SR error bits. */
uint32_t flashctl_program(uint32_t addr, uint32_t word);
uint32_t flashctl_erase(uint32_t addr);
/* Programs the 256-byte page at addr (aligned) from src (in SRAM). */
uint32_t flashctl_program_page(uint32_t addr, const void *src);
/* Sets bits in the OTP word at addr. */
uint32_t flashctl_program_otp(uint32_t addr, uint32_t bits);
/* Protect [start, end) until reset. */
void flashctl_protect(unsigned range, uint32_t start, uint32_t end);
void flashctl_lock_protection(void);

#endif
