/* firmware/app/crash.h: crash records (docs/firmware.md#crash-records):
 * written by the fault handlers into retained RAM, printed and moved to
 * nvstore at the next boot. */
#ifndef LAMP_CRASH_H
#define LAMP_CRASH_H

#include "crash_format.h" /* the record, the log's slots */

#include <stdint.h>

/* Names the act about to be tried, so its crash record says why. */
void crash_set_reason(const char *reason);
/* Called from the handlers: record, then reset.  frame is the exception
 * stack frame (r0-r3, r12, lr, pc, xpsr). */
__attribute__((noreturn)) void crash_record_and_reset(const uint32_t *frame, uint32_t type,
                                                      uint32_t addr_override);
/* At boot: print a pending record and move it to nvstore. */
void crash_report_pending(void);
uint32_t crash_count_stored(void);
/* The oldest stored record the cloud has not acknowledged, or NULL; *slot
 * receives its slot for crash_mark_reported. */
const struct crash_record *crash_next_unreported(unsigned *slot);
/* The broker acknowledged the record (MQTT PUBACK): never sent again. */
void crash_mark_reported(unsigned slot);
const char *crash_type_name(uint32_t type);

#endif
