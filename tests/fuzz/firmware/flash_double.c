/* tests/fuzz/firmware/flash_double.c: FLASHCTL for firmware code fuzzed
 * on the host (drivers/flashctl.h).  Slot B is a RAM copy with NOR rules
 * (erase sets 0xFF, programming only clears bits); every operation is
 * recorded for the target to check (flash_double.h).  An operation
 * outside slot B, or unaligned, is a bug in the code under test: the
 * double aborts, and the fuzzer reports it. */
#include "flash_double.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flash_double flash_double;

void flash_double_reset(void)
{
    memset(&flash_double, 0, sizeof(flash_double));
    memset(flash_double.slot_b, 0xFF, sizeof(flash_double.slot_b));
}

static uint32_t slot_offset(uint32_t addr, uint32_t align, const char *op)
{
    if (addr < SLOT_B_ADDR || addr >= SLOT_B_ADDR + SLOT_SIZE || addr % align) {
        fprintf(stderr, "flash double: %s at 0x%08x, outside slot B or unaligned\n", op,
                (unsigned)addr);
        abort();
    }
    return addr - SLOT_B_ADDR;
}

uint32_t flashctl_erase(uint32_t addr)
{
    uint32_t off = slot_offset(addr, FLASH_SECTOR_SIZE, "erase");

    memset(flash_double.slot_b + off, 0xFF, FLASH_SECTOR_SIZE);
    flash_double.erases++;
    return 0;
}

uint32_t flashctl_program_page(uint32_t addr, const void *src)
{
    uint32_t off = slot_offset(addr, FLASH_PAGE_SIZE, "program");
    const uint8_t *s = src;

    for (uint32_t i = 0; i < FLASH_PAGE_SIZE; i++)
        flash_double.slot_b[off + i] &= s[i];
    flash_double.programs++;
    if (off == 0)
        flash_double.header_programmed = true;
    if (off + FLASH_PAGE_SIZE > flash_double.high_water)
        flash_double.high_water = off + FLASH_PAGE_SIZE;
    return 0;
}

uint32_t flashctl_program(uint32_t addr, uint32_t word)
{
    (void)word;
    fprintf(stderr, "flash double: word program at 0x%08x: not expected from this code\n",
            (unsigned)addr);
    abort();
}

uint32_t flashctl_program_otp(uint32_t addr, uint32_t bits)
{
    (void)bits;
    fprintf(stderr, "flash double: OTP program at 0x%08x: not expected from this code\n",
            (unsigned)addr);
    abort();
}
