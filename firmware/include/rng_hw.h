/* firmware/include/rng_hw.h: the hardware RNG (docs/hardware.md#rng):
 * register offsets in its window and their bits, for the model
 * (emu/rng.c) and the driver (firmware/drivers/rng.c through hw.h). */
#ifndef LAMP_RNG_HW_H
#define LAMP_RNG_HW_H

#define RNG_REG_CR 0x00u
#define RNG_REG_SR 0x04u
#define RNG_REG_DR 0x08u

#define RNG_CR_EN 1u
#define RNG_CR_IE 2u   /* IRQ while DRDY */
#define RNG_SR_DRDY 1u
#define RNG_SR_SECS 2u /* health test failed: DR reads 0 until EN is cleared and set */

#endif
