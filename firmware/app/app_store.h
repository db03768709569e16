/* firmware/app/app_store.h: the installed partner apps, in the app
 * partition (partitions.h, docs/hardware.md#the-app-partition).  A package
 * arrives in pieces (console transfer or HTTPS), is written into the free
 * package slot, verified there (lib/app_pkg.h: fleet, signature, version
 * against the installed app and the highest version ever installed under
 * that name) and committed last; a power cut at any flash operation leaves
 * the old app or the new one, never a mix.  Packages are read in place
 * (memory-mapped flash, privileged code only).
 *
 * The runtime (the VM, vm_apps.h) is told through the listener: it loads
 * apps from here at boot and again after an install or a removal. */
#ifndef LAMP_APP_STORE_H
#define LAMP_APP_STORE_H

#include "app_package.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At boot: finds the committed packages, finishes what a power cut
 * interrupted (a superseded slot still holding the older package of a
 * name is erased).  0, or -1 with the reason logged. */
int app_store_init(void);

/* The installed apps, in slot order: i from 0 while it returns true.
 * *h is the verified header; *source its Lua text in flash (not NUL
 * terminated, h->source_size bytes). */
bool app_store_get(unsigned i, struct app_pkg_header *h, const char **source);
/* The installed app of that name, or false. */
bool app_store_find(const char *name, struct app_pkg_header *h, const char **source);
/* The installed app's key/value pair (its storage at APP_KV_PAIR_ADDR(i),
 * kept across upgrades, erased at removal), or -1.  The pair's content is
 * the runtime's; the store only assigns and erases pairs. */
int app_store_kv_pair(const char *name);
/* The package slot that holds the installed app (APP_SLOT_ADDR(i)), or -1. */
int app_store_slot(const char *name);

/* An install: begin with the package's total length, write its bytes in
 * order, then finish (verifies and commits) or abort.  One install at a
 * time; begin drops one in progress.  Each returns NULL, or why refused
 * (finish: *err receives the enum app_pkg_err when the package itself was
 * refused, 0 otherwise). */
const char *app_store_begin(uint32_t total_len);
const char *app_store_write(const uint8_t *data, size_t len);
const char *app_store_finish(struct app_pkg_header *installed, int *err);
void app_store_abort(void);
uint32_t app_store_received(void);
/* An install runs (begun, not yet finished or aborted): the console and
 * the cloud delivery wait for it rather than drop it. */
bool app_store_busy(void);

/* Removes the app of that name (its package and its storage).  NULL, or
 * why not. */
const char *app_store_remove(const char *name);

/* Called after a successful install (installed = true) or a removal, in
 * thread mode, with the app's name. */
typedef void (*app_store_listener)(const char *name, bool installed);
void app_store_set_listener(app_store_listener fn);

#endif
