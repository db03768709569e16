/* firmware/include/keystore.h: the keystore partition a lamp gets at the
 * factory (docs/formats.md#keystore).  Shared by the firmware and
 * tools/lampfactory. */
#ifndef LAMP_KEYSTORE_H
#define LAMP_KEYSTORE_H

#include "partitions.h" /* KEYSTORE_ADDR, KEYSTORE_SIZE */

#include <stdint.h>

#define KEYSTORE_MAGIC 0x31534B4Cu /* "LKS1" little endian */
#define KEYSTORE_VERSION 1u

/* Header at KEYSTORE_ADDR; entries follow it. */
struct keystore_header {
    uint32_t magic;
    uint16_t version;
    uint16_t entry_count;
    uint32_t entries_size;   /* bytes of entries after this header */
    uint32_t reserved;       /* 0 */
    uint8_t entries_sha256[32];
};
_Static_assert(sizeof(struct keystore_header) == 48, "keystore header is 48 bytes");

/* Each entry: u16 tag, u16 length, value, zero padding to 4 bytes. */
enum keystore_tag {
    KS_SERIAL = 1,         /* ASCII, no NUL */
    KS_DEVICE_KEY = 2,     /* P-256 private key, SEC1 (RFC 5915) DER */
    KS_DEVICE_CERT = 3,    /* X.509 DER, CN = serial, issued by the device CA */
    KS_CLOUD_CA_CERT = 4,  /* X.509 DER */
    KS_FW_RSA_N = 5,       /* firmware verification key modulus, 512 bytes big endian */
    KS_FW_RSA_E = 6,       /* its public exponent, big endian (usually 01 00 01) */
    KS_FW_ENC_KEY = 7,     /* fleet firmware key, 16 bytes (AES-128 key wrap) */
    KS_COMMISSION_KEY = 8, /* commissioning key K(0), 16 bytes */
    KS_CLOUD_ENDPOINT = 9, /* ASCII "host:port" of the MQTT broker (no NUL) */
    KS_APP_RSA_N = 10,     /* app-signing verification key modulus, 512 bytes big endian */
    KS_APP_RSA_E = 11,     /* its public exponent, big endian */
};

#endif
