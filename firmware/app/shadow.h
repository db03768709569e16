/* firmware/app/shadow.h: the lamp's side of its device shadow
 * (docs/cloud.md#topics): the reported state it publishes, the desired
 * deltas it applies, the JSON of fault reports and of the messages the
 * cloud sends.  JSON by cJSON. */
#ifndef LAMP_SHADOW_H
#define LAMP_SHADOW_H

#include "cJSON.h"
#include "crash.h"

#include <stddef.h>

/* At boot: cJSON allocates from the mbedTLS heap; registers with netmgr. */
void shadow_init(void);
void shadow_crash_json(const struct crash_record *r, char *out, size_t cap);
/* A message on lamp/<serial>/<suffix>, parsed, to apply; one that is not
 * JSON is ignored, and the console says so. */
void shadow_json_message(const char *suffix, const char *payload, size_t len,
                         void (*apply)(const cJSON *doc));

#endif
