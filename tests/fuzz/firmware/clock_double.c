/* tests/fuzz/firmware/clock_double.c: the RTC (lib/clock.h) for firmware
 * code fuzzed on the host: time stands still unless the target moves it
 * (clock_double_seconds). */
#include "clock_double.h"

#include "clock.h"

uint32_t clock_double_seconds;

void clock_init(void)
{
}

uint32_t clock_ms(void)
{
    return clock_double_seconds * 1000u;
}

uint32_t clock_seconds(void)
{
    return clock_double_seconds;
}
