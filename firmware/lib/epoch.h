/* firmware/lib/epoch.h: the security epoch in the OTP fuses
 * (docs/hardware.md#otp-layout): a thermometer code that only grows. */
#ifndef LAMP_LIB_EPOCH_H
#define LAMP_LIB_EPOCH_H

#include <stdint.h>

uint32_t otp_epoch_read(void);
/* Blows fuses until the epoch is at least epoch; 0 or FLASHCTL errors. */
uint32_t otp_epoch_advance(uint32_t epoch);

#endif
