/* firmware/lib/clock.c: reading SECONDS latches SUBSEC (docs/hardware.md#rtc). */
#include "clock.h"

#include "hw.h"

static uint32_t boot_s;

void clock_init(void)
{
    boot_s = RTC_SECONDS;
}

uint32_t clock_ms(void)
{
    uint32_t s = RTC_SECONDS, sub = RTC_SUBSEC;
    return (s - boot_s) * 1000u + (uint32_t)(((uint64_t)sub * 1000u) >> RTC_SUBSEC_BITS);
}

uint32_t clock_seconds(void)
{
    return RTC_SECONDS;
}
