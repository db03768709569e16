/* firmware/bootloader/install.c: overwrite slot A from slot B.
 *
 * Power safety comes from three rules (docs/firmware.md):
 * - slot B is never written here until slot A verifies, so a cut anywhere
 *   leaves the complete, signed update in B and the next boot starts the
 *   copy again from the beginning (the copy is idempotent);
 * - the first operation erases slot A's trailer (the confirm word) and the
 *   next its header sector, so partly written code never looks like an image;
 * - the header page is programmed last.
 * Whatever is in A is verified (signature included) before every jump, so
 * even a copy gone wrong can only stop the lamp in the bootloader, never run
 * unverified code. */
#include "install.h"

#include "flashctl.h"
#include "hw.h"

#include <string.h>

static uint8_t page[FLASH_PAGE_SIZE] __attribute__((aligned(4)));

static const char *flash_error(uint32_t err)
{
    if (err & FLASHCTL_SR_WPERR)
        return "flash write-protected";
    if (err & FLASHCTL_SR_PGERR)
        return "flash program error";
    return "flash error";
}

/* Page p of the installed form: header, plaintext payload, signature, 0xFF. */
static int build_page(const uint8_t key[16], uint32_t p, uint32_t total)
{
    const struct image_header *h = (const struct image_header *)SLOT_B_ADDR;
    const uint8_t *b = (const uint8_t *)SLOT_B_ADDR;
    uint32_t start = p * FLASH_PAGE_SIZE, sig_at = IMAGE_HEADER_SIZE + h->payload_size;

    memset(page, 0xFF, sizeof(page));
    for (uint32_t i = 0; i < FLASH_PAGE_SIZE && start + i < total; i++) {
        uint32_t at = start + i;
        page[i] = b[at]; /* header and signature are the same in both forms */
        if (at >= IMAGE_HEADER_SIZE && at < sig_at) {
            /* Payload: decrypt the run of it in this page in one call. */
            uint32_t end = sig_at < start + FLASH_PAGE_SIZE ? sig_at : start + FLASH_PAGE_SIZE;
            if (image_ctr(key, h->iv, at - IMAGE_HEADER_SIZE, b + at, page + i, end - at) != 0)
                return -1;
            i += end - at - 1;
        }
    }
    return 0;
}

const char *install_from_slot_b(const uint8_t key[16])
{
    const struct image_header *h = (const struct image_header *)SLOT_B_ADDR;
    uint32_t total = IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE;
    uint32_t pages = (total + FLASH_PAGE_SIZE - 1) / FLASH_PAGE_SIZE;
    uint32_t err;

    if ((err = flashctl_erase(SLOT_A_CONFIRM_ADDR)) != 0)
        return flash_error(err);
    for (uint32_t off = 0; off < total; off += FLASH_SECTOR_SIZE)
        if ((err = flashctl_erase(SLOT_A_ADDR + off)) != 0)
            return flash_error(err);
    for (uint32_t p = 1; p <= pages; p++) {
        uint32_t n = p % pages; /* pages 1 .. pages-1, then the header page 0 */
        if (build_page(key, n, total) != 0)
            return "decryption failed";
        if ((err = flashctl_program_page(SLOT_A_ADDR + n * FLASH_PAGE_SIZE, page)) != 0)
            return flash_error(err);
    }
    return NULL;
}

const char *install_retire_slot_b(void)
{
    uint32_t err = flashctl_erase(SLOT_B_ADDR);
    return err ? flash_error(err) : NULL;
}
