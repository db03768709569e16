/* firmware/drivers/light.h: the light engine (docs/hardware.md#light): the
 * LED driver with its hardware fades, the power meter and the ambient,
 * occupancy and temperature sensors.  Events are taken in the main loop:
 * the interrupt only wakes it.  Levels in LIGHT_LEVEL_FULL units (0.001 %),
 * colour in kelvin, lux and degC in hundredths, as the registers. */
#ifndef LAMP_LIGHT_H
#define LAMP_LIGHT_H

#include "light_hw.h" /* struct light_report, LIGHT_EV_*, LIGHT_STATUS_*, units */

#include <stdbool.h>
#include <stdint.h>

/* The engine is there (its ID answers); takes its interrupt for events.
 * The light is left as it is: shining at its power-on level until told. */
bool light_init(void);
/* Fades to level and colour in fade_ms (0: at once), from where the light
 * is; level above full and colour outside the strings' range are clamped
 * here, so the engine never logs a guest error for the app's values. */
void light_fade_to(uint32_t level, uint32_t cct_k, uint32_t fade_ms);
/* The driver drives the LEDs (false: standby, no light). */
void light_enable(bool on);
/* Every reading at one instant (one SNAPSHOT write); false when the engine
 * refused the buffer's address (it must be word-aligned SRAM). */
bool light_report(struct light_report *out);
/* The events latched since the last call (LIGHT_EV_*), cleared; re-arms
 * the interrupt. */
uint32_t light_take_events(void);
/* Events are waiting (the main loop must not sleep). */
bool light_pending(void);
/* The window ambient light must leave to raise LIGHT_EV_LUX. */
void light_set_lux_window(uint32_t low_centi_lux, uint32_t high_centi_lux);
/* Over-temperature trips at high and clears below low (0.01 degC). */
void light_set_temp_limits(int32_t low_centi_c, int32_t high_centi_c);
/* How long occupancy lasts after the last movement. */
void light_set_pir_hold(uint32_t ms);

#endif
