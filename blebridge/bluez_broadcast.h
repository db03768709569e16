/* blebridge/bluez_broadcast.h: the BlueZ transport's half for a lamp's
 * broadcast advertising sets (docs/ble.md#bluez): each set on the air is
 * its own org.bluez.LEAdvertisement1 of Type "broadcast", registered with
 * the adapter's LEAdvertisingManager1 while the set is on and withdrawn
 * when it stops.  BlueZ builds the advertising data itself from the
 * object's properties, so the set's AD structures are carried as
 * ManufacturerData, ServiceData, ServiceUUIDs and the rest (bluez_broadcast.c
 * says which, and what BlueZ cannot carry).  Used by bluez.c, on the
 * medium's thread. */
#ifndef LAMPSIM_BLEBRIDGE_BLUEZ_BROADCAST_H
#define LAMPSIM_BLEBRIDGE_BLUEZ_BROADCAST_H

#include "ble.h"
#include "bluez.h" /* ble_bluez_log_fn */

#include <gio/gio.h>

/* A message for the transport's user, formatted (bluez.c: one formatter
 * for both halves). */
void bluez_say(ble_bluez_log_fn log, void *user, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

struct bluez_broadcasts;

struct bluez_broadcasts_config {
    GDBusConnection *bus;
    const char *adapter_path;   /* /org/bluez/hci0 */
    const char *root;           /* the lamp's object root: sets go under it */
    const char *lamp;           /* names the lamp in messages */
    unsigned slots;             /* the adapter's advertisement slots (0: unknown) */
    ble_bluez_log_fn say;
    void *user;
};

/* The strings in cfg are copied; bus is referenced. */
struct bluez_broadcasts *bluez_broadcasts_new(const struct bluez_broadcasts_config *cfg);
/* Withdraws every set from BlueZ. */
void bluez_broadcasts_free(struct bluez_broadcasts *bb);
/* The lamp's sets on the air now (ble_radio_adv_sets): broadcast sets
 * newly on are registered, those gone are withdrawn, and a set whose data,
 * interval or power changed tells BlueZ through PropertiesChanged (BlueZ
 * 5.66 watches a registered advertisement's properties and refreshes it). */
void bluez_broadcasts_sync(struct bluez_broadcasts *bb, const struct ble_adv_set *sets, size_t n);

#endif
