/* firmware/app/crash.h: crash records (docs/firmware.md#crash-records):
 * written by the fault handlers into retained RAM, printed and moved to
 * nvstore at the next boot; the app VM's contained faults go to nvstore
 * at once. */
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
/* Valid records in the log; *from_vm (if not NULL) receives how many of
 * them are the app VM's contained faults. */
uint32_t crash_count_stored(uint32_t *from_vm);
/* A fault the partner-app VM contained (vm.c; thread mode, after the VM
 * was torn down): appended to the log at once, power-safely like any
 * record, with CRASH_FROM_VM and app (its name, "eval" for a console run)
 * in reason; no reset.  fault gives the type, pc, lr, cfsr, hfsr, addr. */
void crash_store_vm_fault(const struct crash_record *fault, const char *app);
/* The oldest stored record the cloud has not acknowledged, or NULL; *slot
 * receives its slot for crash_mark_reported. */
const struct crash_record *crash_next_unreported(unsigned *slot);
/* The broker acknowledged the record (MQTT PUBACK): never sent again. */
void crash_mark_reported(unsigned slot);
const char *crash_type_name(uint32_t type);

#endif
