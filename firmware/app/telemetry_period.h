/* firmware/app/telemetry_period.h: how often the lamp sends its telemetry
 * (docs/firmware.md#telemetry-period), an owner's setting like the
 * light's: set at the console (`telemetry N`) or by the cloud's desired
 * state ("telemetry_s", docs/cloud.md#topics), bounded by
 * telemetry_limits.h, kept across resets and power cuts in its own
 * power-safe nvstore record.  netmgr reads it at every send, so a change
 * takes effect from the last telemetry sent. */
#ifndef LAMP_TELEMETRY_PERIOD_H
#define LAMP_TELEMETRY_PERIOD_H

#include <stdint.h>

/* At boot: the saved period, or the default when none was saved. */
void telemetry_period_init(void);
/* The period in seconds. */
uint32_t telemetry_period_s(void);
/* Saves and uses s; 0, or -1 and *why (a bound, or a flash failure: then
 * the period in use stays). */
int telemetry_period_set(uint32_t s, const char **why);
/* The `telemetry` console command's line. */
void telemetry_period_print(void);

#endif
