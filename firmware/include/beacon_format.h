/* firmware/include/beacon_format.h: the beacon frames a lamp broadcasts
 * for indoor positioning (docs/formats.md#beacon-frames), as advertising
 * data (ble_ad.h): iBeacon (Apple's Proximity Beacon Specification) and
 * Eddystone-UID (Google's Eddystone protocol specification).  One place
 * for the lamp's frame builder (firmware/lib/beacon_frame.c) and their
 * readers on the host (the medium's scan, scenarios, tests).  Offsets are
 * counted in the AD structure's data, after its type byte.  Numbers and
 * plain structures only: it compiles on the host and for the target. */
#ifndef LAMP_BEACON_FORMAT_H
#define LAMP_BEACON_FORMAT_H

#include "ble_ad.h"
#include "ble_hw.h" /* BLE_ADV_MAX */

#include <stdint.h>

/* Both frames open with Flags: LE General Discoverable, BR/EDR not
 * supported, as both specifications show them. */
#define BEACON_FLAGS (AD_FLAG_LE_GENERAL | AD_FLAG_NO_BREDR)

/* iBeacon: Flags, then Manufacturer Specific Data of Apple's company
 * (0x004C) holding type 0x02, length 0x15 and 21 bytes: the proximity
 * UUID, major and minor (big endian) and the measured power, the RSSI
 * expected at 1 m (dBm, two's complement). */
#define IBEACON_COMPANY_ID 0x004Cu /* Bluetooth SIG company identifier, little endian on air */
#define IBEACON_TYPE 0x02
#define IBEACON_OFF_COMPANY 0
#define IBEACON_OFF_TYPE 2
#define IBEACON_OFF_LEN 3
#define IBEACON_OFF_UUID 4
#define IBEACON_OFF_MAJOR 20
#define IBEACON_OFF_MINOR 22
#define IBEACON_OFF_POWER 24
#define IBEACON_UUID_LEN 16
#define IBEACON_MSD_LEN 25 /* the manufacturer data: company identifier to power */
#define IBEACON_PAYLOAD_LEN (IBEACON_MSD_LEN - IBEACON_OFF_LEN - 1) /* 0x15, the length byte */
#define IBEACON_FRAME_LEN (AD_FLAGS_LEN + AD_HEADER_LEN + IBEACON_MSD_LEN)

/* Eddystone-UID: Flags, the Complete List of 16-bit Service UUIDs holding
 * 0xFEAA (so that iOS scans it in the background), then Service Data for
 * 0xFEAA: frame type 0x00, the ranging data (the TX power received at
 * 0 m, dBm, two's complement, -100..+20), a 10-byte namespace, a 6-byte
 * instance and 2 reserved bytes, 0.  Readers also take it without the
 * reserved bytes, as beacons in the field send it. */
#define EDDYSTONE_UUID16 0xFEAAu /* little endian on air */
#define EDDYSTONE_FRAME_UID 0x00
#define EDDYSTONE_OFF_UUID 0
#define EDDYSTONE_OFF_FRAME_TYPE 2
#define EDDYSTONE_UID_OFF_POWER 3
#define EDDYSTONE_UID_OFF_NAMESPACE 4
#define EDDYSTONE_UID_OFF_INSTANCE 14
#define EDDYSTONE_UID_OFF_RESERVED 20
#define EDDYSTONE_UID_NAMESPACE_LEN 10
#define EDDYSTONE_UID_INSTANCE_LEN 6
#define EDDYSTONE_UID_RESERVED_LEN 2
#define EDDYSTONE_UID_SD_LEN 22 /* service data: the UUID to the reserved bytes */
#define EDDYSTONE_UID_SD_MIN EDDYSTONE_UID_OFF_RESERVED
#define EDDYSTONE_UID_POWER_MIN (-100)
#define EDDYSTONE_UID_POWER_MAX 20
#define EDDYSTONE_UUID_LIST_LEN (AD_HEADER_LEN + 2)
#define EDDYSTONE_UID_FRAME_LEN \
    (AD_FLAGS_LEN + EDDYSTONE_UUID_LIST_LEN + AD_HEADER_LEN + EDDYSTONE_UID_SD_LEN)

/* What each frame identifies. */
struct ibeacon_id {
    uint8_t uuid[IBEACON_UUID_LEN]; /* as written, "e2c56db5-..." is e2 c5 6d b5 ... */
    uint16_t major, minor;
    int8_t measured_power;          /* dBm at 1 m */
};

struct eddystone_uid_id {
    uint8_t namespace_id[EDDYSTONE_UID_NAMESPACE_LEN];
    uint8_t instance_id[EDDYSTONE_UID_INSTANCE_LEN];
    int8_t ranging_power;           /* dBm at 0 m */
};

_Static_assert(IBEACON_PAYLOAD_LEN == 0x15, "iBeacon's length byte is 0x15");
_Static_assert(IBEACON_OFF_POWER + 1 == IBEACON_MSD_LEN, "power ends the manufacturer data");
_Static_assert(IBEACON_FRAME_LEN <= BLE_ADV_MAX, "an iBeacon frame fits legacy advertising");
_Static_assert(EDDYSTONE_UID_OFF_RESERVED + EDDYSTONE_UID_RESERVED_LEN == EDDYSTONE_UID_SD_LEN,
               "the reserved bytes end the service data");
_Static_assert(EDDYSTONE_UID_FRAME_LEN <= BLE_ADV_MAX,
               "an Eddystone-UID frame fits legacy advertising");

#endif
