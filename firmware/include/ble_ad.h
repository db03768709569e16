/* firmware/include/ble_ad.h: advertising data as the air carries it: a
 * sequence of AD structures (Core spec Vol 3 Part C 11: a length byte
 * counting the type and the data, the AD type, the data), the AD types
 * lampsim's lamps and centrals use (Bluetooth Assigned Numbers, Common Data
 * Types; their meaning in the Core Specification Supplement Part A) and
 * the Flags bits.  Multi-byte values inside AD data are little endian
 * unless a profile says otherwise (iBeacon's major and minor are big
 * endian: beacon_format.h).  Numbers only: it compiles on the host and for
 * the target. */
#ifndef LAMP_BLE_AD_H
#define LAMP_BLE_AD_H

#define AD_OFF_LEN 0       /* bytes that follow in this structure: type and data */
#define AD_OFF_TYPE 1
#define AD_OFF_DATA 2
#define AD_HEADER_LEN 2

#define AD_TYPE_FLAGS 0x01
#define AD_TYPE_UUID16_SOME 0x02
#define AD_TYPE_UUID16_ALL 0x03
#define AD_TYPE_UUID32_SOME 0x04
#define AD_TYPE_UUID32_ALL 0x05
#define AD_TYPE_UUID128_SOME 0x06
#define AD_TYPE_UUID128_ALL 0x07
#define AD_TYPE_NAME_SHORT 0x08
#define AD_TYPE_NAME_COMPLETE 0x09
#define AD_TYPE_SERVICE_DATA16 0x16
#define AD_TYPE_SERVICE_DATA32 0x20
#define AD_TYPE_SERVICE_DATA128 0x21
#define AD_TYPE_MANUFACTURER 0xFF /* data: company identifier, then the company's bytes */

/* Flags (Supplement Part A 1.3) */
#define AD_FLAG_LE_LIMITED 0x01
#define AD_FLAG_LE_GENERAL 0x02
#define AD_FLAG_NO_BREDR 0x04
#define AD_FLAGS_LEN 3 /* the whole Flags structure: length, type, one byte */

#endif
