/* tests/fuzz/firmware/flash_double.h: what the FLASHCTL double
 * (flash_double.c) recorded. */
#ifndef FUZZ_FLASH_DOUBLE_H
#define FUZZ_FLASH_DOUBLE_H

#include "flashctl.h"
#include "partitions.h"

#include <stdbool.h>
#include <stdint.h>

struct flash_double {
    uint8_t slot_b[SLOT_SIZE];
    unsigned erases, programs;
    bool header_programmed;  /* slot B's first page: the image's header */
    uint32_t high_water;     /* end of the highest page programmed, slot offset */
};

extern struct flash_double flash_double;

/* Slot B erased, nothing recorded. */
void flash_double_reset(void);

#endif
