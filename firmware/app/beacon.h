/* firmware/app/beacon.h: the lamp's beacons for indoor positioning
 * (docs/firmware.md#beacons): an iBeacon frame and an Eddystone-UID frame,
 * each on a broadcast advertising set of its own beside the commissioning
 * advertising (docs/hardware.md#advertising-sets), with the identity the
 * cloud sets through the shadow (docs/cloud.md#beacon), kept across resets
 * and power cuts in a power-safe nvstore record. */
#ifndef LAMP_BEACON_H
#define LAMP_BEACON_H

#include "beacon_format.h"

#include <stdbool.h>
#include <stdint.h>

struct beacon_settings {
    bool ibeacon;
    uint8_t uuid[IBEACON_UUID_LEN];
    uint16_t major, minor;
    bool eddystone;
    uint8_t namespace_id[EDDYSTONE_UID_NAMESPACE_LEN];
    uint8_t instance_id[EDDYSTONE_UID_INSTANCE_LEN];
    uint32_t interval_ms;
    int32_t tx_power;        /* dBm asked */
};

/* What a command sets: the fields in `has` only. */
enum { BR_IBEACON = 1u << 0, BR_EDDYSTONE = 1u << 1, BR_INTERVAL = 1u << 2, BR_TX_POWER = 1u << 3 };
struct beacon_request {
    uint32_t has;
    struct beacon_settings s;
};

/* After the BLE controller is on (commission_start): puts the stored
 * beacons on the air. */
void beacon_init(void);
/* Applies and saves; 0, or -1 with *why. */
int beacon_apply(const struct beacon_request *r, const char **why);
/* The settings, and the TX power the radio uses (dBm). */
void beacon_get(struct beacon_settings *out, int *tx_power_selected);
/* The app slot (docs/firmware.md#beacons): while on, value replaces the
 * iBeacon minor and the last two bytes of the Eddystone-UID instance on
 * the air (big endian), over what the cloud set; never saved: a reset or
 * the app's end gives the cloud's identity back.  Beacons the cloud has
 * off stay off. */
void beacon_set_app_slot(bool on, uint16_t value);
/* The `beacon` console command. */
void beacon_print_status(void);

#endif
