/* tests/fuzz/firmware/flash_double.c: FLASHCTL for firmware code fuzzed
 * on the host (drivers/flashctl.h) over flash mapped at the lamp's
 * addresses (flash_double.h), with NOR rules (erase sets 0xFF,
 * programming only clears bits); every operation is recorded for the
 * target to check.  It never reports a flash error (write protection,
 * programming failures): those paths of the code under test are not
 * fuzzed.  An operation outside slot B, or unaligned, is a bug in the
 * code under test: the double aborts, and the fuzzer reports it. */
#include "flash_double.h"

#include "memory_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct flash_double flash_double;
static uint32_t ever_written; /* slot B's bytes any run may have programmed */

static void *map_at(uint32_t addr, uint32_t size)
{
    void *p = mmap((void *)(uintptr_t)addr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

    if (p != (void *)(uintptr_t)addr) {
        fprintf(stderr, "flash double: mapping 0x%08x+0x%x: %s\n", (unsigned)addr,
                (unsigned)size, p == MAP_FAILED ? "refused" : "not at that address");
        abort();
    }
    return p;
}

void flash_double_reset(const uint8_t *keystore)
{
    static uint8_t *flash;

    if (!flash) {
        /* From the keystore up: below it is the bootloader, and address 0
         * is not the host's to map. */
        flash = map_at(KEYSTORE_ADDR, FLASH_SIZE - KEYSTORE_ADDR);
        memset(flash, 0xFF, FLASH_SIZE - KEYSTORE_ADDR);
        memcpy(flash, keystore, KEYSTORE_SIZE);
        map_at(OTP_BASE, OTP_SIZE); /* blank: epoch 0 */
        ever_written = SLOT_SIZE;
    }
    memset(&flash_double, 0, sizeof(flash_double));
    flash_double.slot_b = (uint8_t *)(uintptr_t)SLOT_B_ADDR;
    memset(flash_double.slot_b, 0xFF, ever_written);
    ever_written = 0;
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
    if (off + FLASH_SECTOR_SIZE > ever_written)
        ever_written = off + FLASH_SECTOR_SIZE;
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
    if (off + FLASH_PAGE_SIZE > ever_written)
        ever_written = off + FLASH_PAGE_SIZE;
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
