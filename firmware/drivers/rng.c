/* firmware/drivers/rng.c: the hardware RNG, one word at a time, checking
 * the health flag before every word. */
#include "rng.h"
#include "hw.h"

#include <stdint.h>

int rng_read(void *out, size_t len)
{
    uint8_t *p = out;

    RNG_CR = RNG_CR_EN;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t w;
        if (RNG_SR & RNG_SR_SECS)
            return -1;
        w = RNG_DR;
        for (size_t k = 0; k < 4 && i + k < len; k++)
            p[i + k] = (uint8_t)(w >> (8 * k));
    }
    return 0;
}
