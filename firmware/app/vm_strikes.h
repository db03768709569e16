/* firmware/app/vm_strikes.h: strikes against each partner app
 * (docs/firmware.md#partner-app-vm).  Every fault the VM contains is a
 * strike against the app that ran; after VM_STRIKES_MAX strikes an app is
 * disabled until it is redeployed (an install of it, app_lifecycle.c) or
 * `app enable` at the console.  Kept across resets and power cuts in a
 * power-safe nvstore record (APS2, docs/formats.md#nvstore): a reset must
 * not forgive a faulting app. */
#ifndef LAMP_VM_STRIKES_H
#define LAMP_VM_STRIKES_H

#include "partitions.h"

#include <stdbool.h>

#define VM_STRIKES_MAX 3u
/* Apps whose strikes are remembered: the installed ones and console runs
 * ("eval", "example"); past that the one with the fewest is forgotten. */
#define VM_STRIKES_APPS (APP_MAX_INSTALLED + 2u)

/* At boot: the saved strikes. */
void vm_strikes_init(void);
/* Before app runs or loads: false (and the reason logged) if it is
 * disabled. */
bool vm_strikes_admit(const char *app);
/* After the VM contained a fault of app: one more strike, saved. */
void vm_strikes_add(const char *app);
/* app was redeployed: its strikes are forgiven, saved. */
void vm_strikes_forgive(const char *app);
/* `app enable`: every app's strikes are forgiven, saved. */
void vm_strikes_clear(void);

#endif
