/* firmware/app/staging.c: slot B staging.  The header page is kept in RAM
 * and programmed only after the whole image verified, so a power cut or a
 * refusal at any point leaves slot B without a header: the bootloader
 * ignores it (docs/firmware.md#updates). */
#include "staging.h"

#include "epoch.h"
#include "flashctl.h"
#include "hw.h"
#include "image_verify.h"

#include "mbedtls/platform_util.h"

#include <string.h>

static uint8_t header_page[FLASH_PAGE_SIZE] __attribute__((aligned(4)));
static uint8_t page[FLASH_PAGE_SIZE] __attribute__((aligned(4)));
static uint32_t received, expected;
static const char *failed;

static const char *flash_error(uint32_t err)
{
    return err & FLASHCTL_SR_WPERR ? "slot B is write-protected" : "flash error writing slot B";
}

const struct image_header *staging_header(void)
{
    return (const struct image_header *)header_page;
}

uint32_t staging_received(void)
{
    return received;
}

const char *staging_begin(void)
{
    uint32_t err = flashctl_erase(SLOT_B_ADDR);

    received = expected = 0;
    failed = err ? flash_error(err) : NULL;
    return failed;
}

void staging_abort(void)
{
    /* The header page was never programmed; erase anyway in case a
     * previous image's header survived a failed begin. */
    (void)flashctl_erase(SLOT_B_ADDR);
    received = expected = 0;
}

/* Page p (p >= 1) of the image is complete in page[]: program it, erasing
 * its sector first when it is the sector's first page. */
static const char *flush_page(uint32_t p)
{
    uint32_t addr = SLOT_B_ADDR + p * FLASH_PAGE_SIZE, err;

    if (addr % FLASH_SECTOR_SIZE == 0 && (err = flashctl_erase(addr)) != 0)
        return flash_error(err);
    if ((err = flashctl_program_page(addr, page)) != 0)
        return flash_error(err);
    return NULL;
}

const char *staging_write(const uint8_t *data, size_t len)
{
    while (len && !failed) {
        uint32_t in_page = received % FLASH_PAGE_SIZE;
        uint32_t n = FLASH_PAGE_SIZE - in_page;
        uint8_t *dst = received < FLASH_PAGE_SIZE ? header_page : page;

        if (n > len)
            n = (uint32_t)len;
        if (expected && received + n > expected) {
            failed = "image longer than its header says";
            break;
        }
        memcpy(dst + in_page, data, n);
        received += n;
        data += n;
        len -= n;
        if (received == IMAGE_HEADER_SIZE) {
            failed = image_check_header(staging_header());
            if (!failed)
                expected = IMAGE_HEADER_SIZE + staging_header()->payload_size + IMAGE_SIG_SIZE;
        } else if (received % FLASH_PAGE_SIZE == 0) {
            failed = flush_page(received / FLASH_PAGE_SIZE - 1);
        }
    }
    return failed;
}

const char *staging_finish(void)
{
    static char why[96];
    struct fw_keys keys;
    uint8_t key[16];
    const char *err;
    uint32_t flash_err;

    if (failed)
        return failed;
    if (received < IMAGE_HEADER_SIZE || received < expected) {
        strcpy(why, "truncated: fewer bytes than its header says");
        return why;
    }
    if (received % FLASH_PAGE_SIZE) {
        memset(page + received % FLASH_PAGE_SIZE, 0xFF, FLASH_PAGE_SIZE - received % FLASH_PAGE_SIZE);
        if ((err = flush_page(received / FLASH_PAGE_SIZE)) != NULL)
            return err;
    }
    if ((err = fw_keys_load(&keys)) != NULL)
        return err;
    err = image_verify(staging_header(), (const uint8_t *)SLOT_B_ADDR + IMAGE_HEADER_SIZE,
                       (const uint8_t *)SLOT_B_ADDR + IMAGE_HEADER_SIZE +
                           staging_header()->payload_size,
                       IMAGE_STAGED, otp_epoch_read(), &keys, key);
    mbedtls_platform_zeroize(key, sizeof(key));
    if (err)
        return err;
    if ((flash_err = flashctl_program_page(SLOT_B_ADDR, header_page)) != 0)
        return flash_error(flash_err);
    return NULL;
}
