/* blebridge/beacon_scan.h: what a scanner reads in a broadcast advertising
 * set's data: the beacon frames of firmware/include/beacon_format.h
 * (docs/formats.md#beacon-frames), decoded as a phone's location stack
 * would, for the medium's scan (docs/ble.md#the-central-socket), the
 * scenario API and tests. */
#ifndef LAMPSIM_BLEBRIDGE_BEACON_SCAN_H
#define LAMPSIM_BLEBRIDGE_BEACON_SCAN_H

#include "beacon_format.h"

#include <stddef.h>
#include <stdint.h>

enum beacon_kind { BEACON_NONE, BEACON_IBEACON, BEACON_EDDYSTONE_UID };

struct beacon {
    enum beacon_kind kind;
    union {
        struct ibeacon_id ibeacon;
        struct eddystone_uid_id eddystone_uid;
    };
};

/* The first beacon frame in ad, a sequence of AD structures (a scanner
 * stops at a malformed one); kind BEACON_NONE when it holds none.  Flags
 * are not required: BlueZ, for one, sends broadcast sets without them. */
enum beacon_kind beacon_scan(const uint8_t *ad, size_t len, struct beacon *out);

/* The scan line of a broadcast set of the lamp at addr (newly allocated):
 * "ibeacon ADDR UUID MAJOR MINOR POWER", "eddystone-uid ADDR NAMESPACE
 * INSTANCE POWER" (powers in signed dBm, the rest lower-case hex or
 * decimal), or "broadcast ADDR HEX" for anything else ("-": no data). */
char *beacon_scan_line(const char *addr, const uint8_t *ad, size_t len);

#endif
