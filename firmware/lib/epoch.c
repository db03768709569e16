/* firmware/lib/epoch.c: reading and advancing the OTP security epoch. */
#include "epoch.h"

#include "flashctl.h"
#include "hw.h"
#include "image.h"

uint32_t otp_epoch_read(void)
{
    uint32_t epoch = 0;

    for (uint32_t w = 0; w < OTP_EPOCH_WORDS; w++) {
        uint32_t v = OTP_EPOCH[w];
        while (v & 1) {
            epoch++;
            v >>= 1;
        }
        if (epoch != 32 * (w + 1))
            break;
    }
    return epoch;
}

uint32_t otp_epoch_advance(uint32_t epoch)
{
    uint32_t err = 0;

    if (epoch > IMAGE_MAX_EPOCH)
        epoch = IMAGE_MAX_EPOCH;
    for (uint32_t w = 0; w < OTP_EPOCH_WORDS && 32 * w < epoch && !err; w++) {
        uint32_t n = epoch - 32 * w;
        uint32_t bits = n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1;
        if ((OTP_EPOCH[w] & bits) != bits)
            err = flashctl_program_otp(OTP_BASE + OTP_EPOCH_OFFSET + 4 * w, bits);
    }
    return err;
}
