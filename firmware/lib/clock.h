/* firmware/lib/clock.h: milliseconds since boot, from the RTC (no tick
 * interrupt: an idle lamp costs nothing). */
#ifndef LAMP_CLOCK_H
#define LAMP_CLOCK_H

#include <stdint.h>

void clock_init(void);
uint32_t clock_ms(void);
/* The RTC's wall-clock seconds (what console_tick is given). */
uint32_t clock_seconds(void);

#endif
