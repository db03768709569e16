/* firmware/app/shadow.h: the lamp's side of its device shadow
 * (docs/cloud.md#topics): the reported state it publishes, the desired
 * deltas it applies, fault reports, OTA notifications.  JSON by cJSON. */
#ifndef LAMP_SHADOW_H
#define LAMP_SHADOW_H

#include "crash.h"

#include <stddef.h>

void shadow_init(void);
/* {"on":..,"level":..,"fw":"x.y.z","epoch":N,"uptime_s":N} */
void shadow_reported_json(char *out, size_t cap);
void shadow_crash_json(const struct crash_record *r, char *out, size_t cap);
/* A message on lamp/<serial>/<suffix>. */
void shadow_on_message(const char *suffix, const char *payload, size_t len);

#endif
