/* firmware/app/vm_strikes.h: strikes against the partner app
 * (docs/firmware.md#partner-app-vm).  Every fault the VM contains is a
 * strike against the app that ran; after VM_STRIKES_MAX strikes of the
 * same app it is disabled until it is redeployed.  Until apps are
 * deployed as packages, "redeployed" is `app enable` at the console or a
 * run of another app (the lamp runs one app at a time, so another app is
 * a new deployment).  Kept across resets and power cuts in a power-safe
 * nvstore record (APS1, docs/formats.md#nvstore): a reset must not
 * forgive a faulting app. */
#ifndef LAMP_VM_STRIKES_H
#define LAMP_VM_STRIKES_H

#include <stdbool.h>

#define VM_STRIKES_MAX 3u

/* At boot: the saved strikes. */
void vm_strikes_init(void);
/* Before a run of app: false (and the reason logged) if it is disabled.
 * Another app than the one with strikes clears them. */
bool vm_strikes_admit(const char *app);
/* After the VM contained a fault of app: one more strike, saved. */
void vm_strikes_add(const char *app);
/* `app enable`: the strikes are forgiven, saved. */
void vm_strikes_clear(void);

#endif
