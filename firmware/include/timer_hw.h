/* firmware/include/timer_hw.h: TIMER0 (docs/hardware.md#timer0-0x4000_5000):
 * register offsets in its window, their bits and the tick, for the model
 * (emu/timer.c) and the firmware (hw.h). */
#ifndef LAMP_TIMER_HW_H
#define LAMP_TIMER_HW_H

#define TIMER_REG_CR 0x00u
#define TIMER_REG_LOAD 0x04u
#define TIMER_REG_VALUE 0x08u
#define TIMER_REG_SR 0x0Cu

#define TIMER_CR_EN 1u
#define TIMER_CR_IE 2u
#define TIMER_CR_PERIODIC 4u
#define TIMER_SR_EXPIRED 1u   /* W1C */
#define TIMER_TICK_NS 1000u   /* LOAD and VALUE count microseconds */
#define TIMER_TICKS_PER_MS (1000000u / TIMER_TICK_NS)

#endif
