/* firmware/drivers/rng.h: the hardware RNG (docs/hardware.md#rng). */
#ifndef LAMP_RNG_H
#define LAMP_RNG_H

#include <stddef.h>

/* Fills out with len random bytes; -1 (nothing usable) when the RNG's
 * health test has failed: callers must not fall back to anything weaker. */
int rng_read(void *out, size_t len);

#endif
