/* firmware/app/vm_apps.h: the partner-app runtime
 * (docs/firmware.md#partner-app-vm): up to VM_APPS_MAX apps loaded at
 * once, each a Lua state in its own arena of the VM's RAM that persists
 * between callbacks, with the APIs and quotas of its manifest.  A task of
 * the main loop: each pass dispatches at most one callback (a due timer,
 * a sensor event), and an app with nothing due costs nothing. */
#ifndef LAMP_VM_APPS_H
#define LAMP_VM_APPS_H

#include "app_package.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At boot, before netmgr starts: the apps' message client. */
void vm_apps_init(void);
/* Loads an app: checks the manifest (app_pkg.h's rules), makes its state
 * in a free arena and runs its top-level chunk, which registers its
 * handlers.  An app of the same name is unloaded first.  kv_pair: the
 * APP_KV_PAIR_ADDR index of its storage, -1 for none (its storage calls
 * are then refused).  0 when it runs, -1
 * (and why, logged and reported) when not.  flags: vm_gate.h VM_JOB_*
 * (development only: VM_JOB_PROBE). */
int vm_app_load(const struct app_pkg_header *manifest, const char *source, size_t len,
                int kv_pair);
int vm_app_load_flags(const struct app_pkg_header *manifest, const char *source, size_t len,
                      int kv_pair, uint32_t flags);
/* Stops it and frees its arena; it is forgotten. */
void vm_app_unload(const char *name);
/* The `app status` console command: a line per app. */
void vm_apps_print_status(void);
/* Called whenever an app's state changes: state is running, stopped,
 * faulted or disabled; why says what happened ("" when loaded), e.g.
 * "instruction quota per second exceeded".  Also called, state running,
 * when a callback was ended by its instruction quota (the app goes on). */
void vm_apps_set_reporter(void (*fn)(const char *name, const char *state, const char *why));

/* The main loop's task: one callback, if any is due. */
void vm_apps_poll(void);
/* A callback is due now: do not sleep. */
bool vm_apps_pending(void);
/* ms until one may be due (UINT32_MAX: no app waits for anything). */
uint32_t vm_apps_idle_ms(void);

#endif
