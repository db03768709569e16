/* firmware/lib/beacon_frame.h: the advertising data of the lamp's beacons
 * (firmware/include/beacon_format.h, docs/formats.md#beacon-frames), for a
 * broadcast advertising set (drivers/ble.h: ble_adv_set_data).  Pure C: the
 * host's unit tests build it too (tests/unit/beacon). */
#ifndef LAMP_LIB_BEACON_FRAME_H
#define LAMP_LIB_BEACON_FRAME_H

#include "beacon_format.h"

#include <stdint.h>

/* Negative returns. */
enum beacon_frame_err {
    BEACON_E_RANGE = 1, /* a field outside what its specification allows */
};

/* Each writes the whole frame into out and returns its length (at most
 * BLE_ADV_MAX), or -BEACON_E_*; out is left untouched on an error. */
int beacon_ibeacon_frame(const struct ibeacon_id *id, uint8_t out[BLE_ADV_MAX]);
/* -BEACON_E_RANGE: ranging power outside EDDYSTONE_UID_POWER_MIN..MAX. */
int beacon_eddystone_uid_frame(const struct eddystone_uid_id *id, uint8_t out[BLE_ADV_MAX]);

#endif
