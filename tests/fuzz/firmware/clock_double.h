/* tests/fuzz/firmware/clock_double.h: the time the clock double gives. */
#ifndef FUZZ_CLOCK_DOUBLE_H
#define FUZZ_CLOCK_DOUBLE_H

#include <stdint.h>

extern uint32_t clock_double_seconds;

#endif
