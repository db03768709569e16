/* firmware/app/vm.h: the partner-app VM, the platform's side
 * (docs/firmware.md#partner-app-vm): console runs of Lua source in the
 * unprivileged VM (firmware/vm/) to their end, a refusal, their budget or
 * a fault, reported; the lamp goes on in every case.  Persistent apps
 * with callbacks are vm_apps.h. */
#ifndef LAMP_VM_H
#define LAMP_VM_H

#include "vm_gate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The VM's code and RAM (the linker script, app.ld.in). */
extern uint8_t __vm_text_start[], __vm_text_end[], __vm_ram_start[], __vm_ram_end[];

/* Runs source (text) to its end in a fresh Lua state in a free arena
 * (APIs log, light, sensors); VM_JOB_* flags;
 * app names it in crash records and strikes ("eval" for console runs).
 * Returns the vm_exit verdict, or -1 if the VM cannot run at all or the
 * app is disabled by its strikes (vm_strikes.h). */
int vm_run(const char *app, const char *source, size_t len, uint32_t flags);
/* The built-in example (`app run`), named "example". */
int vm_run_example(void);
/* mpu_setup could not give the VM its code region: vm_run refuses. */
void vm_disable(const char *why);

/* For the fault handlers (handler mode): the exception was taken from
 * the VM, and then the VM is torn down and the fault reported instead of
 * a reset. */
bool vm_owns_exception(uint32_t exc_return);
__attribute__((noreturn)) void vm_contain_fault(const uint32_t *frame, uint32_t type);

#endif
