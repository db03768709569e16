/* tests/fuzz/firmware/flash_double.h: the lamp's flash and OTP for
 * firmware code fuzzed on the host (flash_double.c): mapped at the
 * lamp's addresses, so code that reads flash by address (staging_finish
 * reading slot B, keystore_check, otp_epoch_read) reads them; FLASHCTL's
 * operations on slot B recorded for the target to check. */
#ifndef FUZZ_FLASH_DOUBLE_H
#define FUZZ_FLASH_DOUBLE_H

#include "flashctl.h"
#include "partitions.h"

#include <stdbool.h>
#include <stdint.h>

struct flash_double {
    uint8_t *slot_b;         /* SLOT_SIZE bytes at SLOT_B_ADDR */
    unsigned erases, programs;
    bool header_programmed;  /* slot B's first page: the image's header */
    uint32_t high_water;     /* end of the highest page programmed, slot offset */
};

extern struct flash_double flash_double;

/* Maps flash from the keystore to the end, and the OTP page, once (the
 * keystore holds keystore, KEYSTORE_SIZE bytes; OTP is blank: epoch 0),
 * then erases what earlier runs wrote in slot B and forgets the record. */
void flash_double_reset(const uint8_t *keystore);

#endif
