/* tools/lampinstall/ble_central.h: a central on lampsim's virtual BLE
 * medium, through its socket (docs/ble.md#the-central-socket). */
#ifndef LAMPINSTALL_BLE_CENTRAL_H
#define LAMPINSTALL_BLE_CENTRAL_H

#include <glib.h>
#include <stdbool.h>

struct ble_central;

struct ble_central *ble_central_open(const char *path, GError **error);
void ble_central_close(struct ble_central *c);

/* One command; its final line ("ok ...", without "ok ") in *reply, the
 * data lines before it in *data (may be NULL).  An "err" reply is a
 * GError with the lamp's reason. */
bool ble_central_call(struct ble_central *c, const char *cmd, char **reply, GPtrArray **data,
                      GError **error);
/* The next event line ("notify ...", "disconnected ...") for addr, waiting
 * up to timeout_ms; events for other addresses are kept for later. */
char *ble_central_next_event(struct ble_central *c, const char *addr, int timeout_ms,
                             GError **error);

#endif
