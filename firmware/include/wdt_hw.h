/* firmware/include/wdt_hw.h: the watchdog (docs/hardware.md#wdt-0x4000_6000):
 * register offsets in its window, bits and the kick key, for the model
 * (emu/wdt.c) and the firmware (hw.h). */
#ifndef LAMP_WDT_HW_H
#define LAMP_WDT_HW_H

#define WDT_REG_CR 0x00u
#define WDT_REG_LOAD 0x04u  /* milliseconds */
#define WDT_REG_KICK 0x08u
#define WDT_REG_VALUE 0x0Cu

#define WDT_CR_EN 1u
#define WDT_KICK_KEY 0xA5A5A5A5u
#define WDT_LOAD_RESET_MS 1000u /* LOAD after reset */

#endif
