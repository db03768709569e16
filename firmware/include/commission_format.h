/* firmware/include/commission_format.h: the byte layouts and names of BLE
 * commissioning (docs/commissioning.md): the commissioning GATT service's
 * UUIDs, the lamp info record the lamp shows, the credentials blob the
 * cloud makes and the TLVs inside it.  One place for the lamp
 * (firmware/app/commission.c), the cloud (tools/lampcloud), the installer
 * (tools/lampinstall) and the simulator's scenario bindings (sim/).
 * Numbers and strings only: it compiles on the host and for the target.
 * Multi-byte integers are little endian. */
#ifndef LAMP_COMMISSION_FORMAT_H
#define LAMP_COMMISSION_FORMAT_H

#define COMMISSION_KEY_LEN 16   /* K(n), AES-128 */
#define COMMISSION_NONCE_LEN 16
#define COMMISSION_PROOF_LEN 16
#define COMMISSION_SERIAL16 16  /* the serial, NUL padded (otp_layout.h's SERIAL) */

/* The service and its characteristics: a7c3000N-5c1e-4d6b-9a0f-6c616d700000,
 * N = 1 service, 2 lamp info (read), 3 credentials (write), 4 status (read,
 * notify).  The byte form is the UUID as written (big endian), what the
 * BLE controller's ADD_SERVICE and ADD_CHAR take; the text form is what a
 * central (BlueZ, the medium, a scenario) names it by.  The two are
 * checked against each other by tests/unit/periph/test_ble.c. */
#define COMMISSION_UUID_BYTES(n) \
    { 0xa7, 0xc3, 0x00, (n), 0x5c, 0x1e, 0x4d, 0x6b, 0x9a, 0x0f, 0x6c, 0x61, 0x6d, 0x70, 0x00, 0x00 }
#define COMMISSION_UUID_TEXT(n) "a7c3000" #n "-5c1e-4d6b-9a0f-6c616d700000"
#define COMMISSION_SERVICE_N 1
#define COMMISSION_INFO_N 2
#define COMMISSION_CREDS_N 3
#define COMMISSION_STATUS_N 4
#define COMMISSION_SERVICE_UUID COMMISSION_UUID_TEXT(1)
#define COMMISSION_INFO_UUID COMMISSION_UUID_TEXT(2)
#define COMMISSION_CREDS_UUID COMMISSION_UUID_TEXT(3)
#define COMMISSION_STATUS_UUID COMMISSION_UUID_TEXT(4)
#define COMMISSION_STATUS_MAX 96 /* the status characteristic's longest text */

/* Lamp info, the info characteristic's value (docs/commissioning.md#lamp-info):
 * version, flags, 2 reserved bytes, serial16, n, nonce, then the proof:
 * the first 16 bytes of HMAC-SHA256(K(n), "LINF" || bytes 0..39). */
#define COMMISSION_INFO_VERSION 1
#define COMMISSION_INFO_FLAG_HAS_CREDS 1u
#define COMMISSION_INFO_OFF_VERSION 0
#define COMMISSION_INFO_OFF_FLAGS 1
#define COMMISSION_INFO_OFF_SERIAL 4
#define COMMISSION_INFO_OFF_N 20
#define COMMISSION_INFO_OFF_NONCE 24
#define COMMISSION_INFO_PROVED 40 /* bytes 0..39 are covered by the proof */
#define COMMISSION_INFO_OFF_PROOF COMMISSION_INFO_PROVED
#define COMMISSION_INFO_LEN (COMMISSION_INFO_OFF_PROOF + COMMISSION_PROOF_LEN)
#define COMMISSION_INFO_PROOF_LABEL "LINF"
#define COMMISSION_INFO_PROOF_LABEL_LEN 4

/* The credentials blob (docs/commissioning.md#credentials-blob): a header
 * that is also the GCM associated data, then the ciphertext of the TLVs
 * (L bytes) and the tag. */
#define COMMISSION_BLOB_MAGIC "LCB1"
#define COMMISSION_BLOB_MAGIC_LEN 4
#define COMMISSION_BLOB_OFF_SERIAL 4
#define COMMISSION_BLOB_OFF_N 20
#define COMMISSION_BLOB_OFF_NONCE 24
#define COMMISSION_BLOB_OFF_IV 40
#define COMMISSION_BLOB_OFF_CT_LEN 52 /* L, 16 bits */
#define COMMISSION_BLOB_HEADER 54
#define COMMISSION_BLOB_IV_LEN 12
#define COMMISSION_BLOB_TAG_LEN 16
#define COMMISSION_BLOB_MAX_CT 200
#define COMMISSION_BLOB_MAX (COMMISSION_BLOB_HEADER + COMMISSION_BLOB_MAX_CT + COMMISSION_BLOB_TAG_LEN)

/* The plaintext: TLVs (type, length, value), SSID and passphrase required,
 * each type at most once, no NUL in a value. */
enum { COMMISSION_TLV_SSID = 1, COMMISSION_TLV_PASSPHRASE = 2, COMMISSION_TLV_PROXY = 3 };
#define COMMISSION_SSID_MAX 32
#define COMMISSION_PASSPHRASE_MIN 8
#define COMMISSION_PASSPHRASE_MAX 63
#define COMMISSION_PROXY_MAX 63 /* "host:port", or empty */

_Static_assert(COMMISSION_INFO_LEN == 56, "lamp info is 56 bytes");
_Static_assert(COMMISSION_BLOB_OFF_IV + COMMISSION_BLOB_IV_LEN + 2 == COMMISSION_BLOB_HEADER,
               "the header ends with the IV and L");

#endif
