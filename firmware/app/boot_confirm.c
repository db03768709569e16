/* firmware/app/boot_confirm.c: a trial boot becomes a confirmed one.
 * Order matters for power cuts: the confirm word first, then the fuses; a
 * cut between the two is finished by the bootloader, which advances the
 * epoch of a confirmed image at the next boot. */
#include "boot_confirm.h"

#include "epoch.h"
#include "flashctl.h"
#include "hw.h"
#include "image.h"
#include "log.h"
#include "status.h"

void boot_confirm_running_image(void)
{
    const struct image_header *h = (const struct image_header *)SLOT_A_ADDR;
    volatile const uint32_t *confirm = (volatile const uint32_t *)SLOT_A_CONFIRM_ADDR;
    uint32_t err = 0;

    if (*confirm != SLOT_CONFIRM_MAGIC) {
        err = flashctl_program(SLOT_A_CONFIRM_ADDR, SLOT_CONFIRM_MAGIC);
        if (err || *confirm != SLOT_CONFIRM_MAGIC) {
            LOG_ERR("update: could not confirm the running image (FLASHCTL SR 0x%08lx)",
                    (unsigned long)err);
            return;
        }
        LOG_INF("update: image %lu.%lu.%lu confirmed", (unsigned long)(h->fw_version >> 16),
                (unsigned long)(h->fw_version >> 8 & 0xFF), (unsigned long)(h->fw_version & 0xFF));
    }
    if (h->security_epoch > otp_epoch_read()) {
        err = otp_epoch_advance(h->security_epoch);
        if (err)
            LOG_ERR("update: blowing epoch fuses failed, OTP epoch %lu",
                    (unsigned long)otp_epoch_read());
        else
            LOG_INF("update: OTP epoch advanced to %lu", (unsigned long)otp_epoch_read());
    }
}
