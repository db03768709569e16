/* firmware/app/backoff.c: see backoff.h. */
#include "backoff.h"

#include "rng.h"

uint32_t backoff_wait_ms(uint32_t ceiling_ms, bool *no_jitter)
{
    uint32_t half = ceiling_ms / 2, r;

    *no_jitter = rng_read(&r, sizeof(r)) != 0;
    return *no_jitter ? half : half + r % (ceiling_ms - half + 1);
}

uint32_t backoff_next_ceiling(uint32_t ceiling_ms, uint32_t max_ms)
{
    return ceiling_ms > max_ms / 2 ? max_ms : ceiling_ms * 2;
}
