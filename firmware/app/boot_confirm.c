/* firmware/app/boot_confirm.c: a trial boot becomes a confirmed one.
 * Order matters for power cuts: the confirm word first, then the fuses; a
 * cut between the two is finished by the bootloader, which advances the
 * epoch of a confirmed image at the next boot. */
#include "boot_confirm.h"

#include "epoch.h"
#include "flashctl.h"
#include "hw.h"
#include "image.h"
#include "status.h"
#include "uart.h"

void boot_confirm_running_image(void)
{
    const struct image_header *h = (const struct image_header *)SLOT_A_ADDR;
    volatile const uint32_t *confirm = (volatile const uint32_t *)SLOT_A_CONFIRM_ADDR;
    uint32_t err = 0;

    if (*confirm != SLOT_CONFIRM_MAGIC) {
        err = flashctl_program(SLOT_A_CONFIRM_ADDR, SLOT_CONFIRM_MAGIC);
        if (err || *confirm != SLOT_CONFIRM_MAGIC) {
            uart_puts("update: could not confirm the running image (FLASHCTL SR ");
            uart_put_hex(err);
            uart_puts(")\n");
            return;
        }
        uart_puts("update: image ");
        uart_put_version(h->fw_version);
        uart_puts(" confirmed\n");
    }
    if (h->security_epoch > otp_epoch_read()) {
        err = otp_epoch_advance(h->security_epoch);
        uart_puts(err ? "update: blowing epoch fuses failed, OTP epoch " :
                        "update: OTP epoch advanced to ");
        uart_put_dec(otp_epoch_read());
        uart_putc('\n');
    }
}
