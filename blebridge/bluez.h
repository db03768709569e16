/* blebridge/bluez.h: the BlueZ transport (docs/ble.md#bluez): lamps of the
 * virtual medium exposed through a host Bluetooth adapter, so that a real
 * phone (or any BlueZ central) can commission them.  Each exposed lamp is
 * its own GATT application (own root object and ObjectManager) registered
 * with org.bluez.GattManager1, plus an org.bluez.LEAdvertisement1.  Facts
 * of BlueZ 5.66 this is built around: an adapter has few advertisement
 * instances (3 to 5), every application shares the adapter's address and
 * GATT database, and WriteValue does not say which advertisement the phone
 * came through; the lamp's own GATT service names the lamp (lamp info).
 * Everything is asynchronous on the thread-default main context. */
#ifndef LAMPSIM_BLEBRIDGE_BLUEZ_H
#define LAMPSIM_BLEBRIDGE_BLUEZ_H

#include "medium.h"

#include <glib.h>
#include <stdbool.h>

struct ble_bluez;

/* Messages for the user (registration results, the adapter's limits). */
typedef void (*ble_bluez_log_fn)(void *user, const char *message);

/* Connects to the system bus and the adapter ("hci0"); fails with a clear
 * error when there is no bluetoothd or no such adapter. */
struct ble_bluez *ble_bluez_new(struct ble_medium *md, const char *adapter, ble_bluez_log_fn log,
                                void *log_user, GError **error);
void ble_bluez_free(struct ble_bluez *b);

/* How many advertisements the adapter can run at once
 * (LEAdvertisingManager1.SupportedInstances; 0 if unknown). */
unsigned ble_bluez_advertising_slots(struct ble_bluez *b);

/* Offers the lamp through the adapter: its GATT application is registered
 * once the lamp's table is built, and its advertisement with it.  The
 * outcome is logged (for instance "Maximum advertisements reached"). */
void ble_bluez_expose(struct ble_bluez *b, struct ble_radio *r);
/* Takes it back (unregisters both; a link it had is ended). */
void ble_bluez_withdraw(struct ble_bluez *b, struct ble_radio *r);
bool ble_bluez_exposed(struct ble_bluez *b, struct ble_radio *r);

#endif
