/* tools/lampcloud/commission_blob.h: the cryptography of BLE commissioning
 * (docs/commissioning.md), on the cloud's side: the key chain K(n), the
 * lamp info proof and the credentials blob.  Pure functions: no registry,
 * no I/O; the caller holds the key. */
#ifndef LAMPCLOUD_COMMISSION_BLOB_H
#define LAMPCLOUD_COMMISSION_BLOB_H

#include "commission_format.h" /* the layouts, shared with the lamp */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define COMMISSION_AHEAD_MAX 3 /* how far ahead of the registry a lamp's n is believed */

struct commission_wifi {
    const char *ssid;       /* 1..32 bytes */
    const char *passphrase; /* 8..63 bytes */
    const char *proxy;      /* NULL: no proxy record; else "host:port" or "", 0..63 bytes */
};

/* K(n+1) = HKDF-SHA256(no salt, IKM K(n), info = n big endian, L 16). */
bool commission_key_next(const uint8_t key[COMMISSION_KEY_LEN], uint32_t n,
                         uint8_t next[COMMISSION_KEY_LEN], GError **error);
/* K(to) from K(from), to >= from (applies commission_key_next to - from times). */
bool commission_key_derive(const uint8_t key[COMMISSION_KEY_LEN], uint32_t from, uint32_t to,
                           uint8_t out[COMMISSION_KEY_LEN], GError **error);

/* The proved part of lamp info, as the lamp builds it: version 1, flags,
 * reserved 0, serial16, n (little endian), nonce.  false (INPUT error) for
 * a serial the blob cannot carry. */
bool commission_info_head(uint8_t flags, const char *serial, uint32_t n,
                          const uint8_t nonce[COMMISSION_NONCE_LEN],
                          uint8_t out[COMMISSION_INFO_PROVED], GError **error);
/* The first 16 bytes of HMAC-SHA256(key, "LINF" || head). */
bool commission_info_proof(const uint8_t key[COMMISSION_KEY_LEN],
                           const uint8_t head[COMMISSION_INFO_PROVED],
                           uint8_t proof[COMMISSION_PROOF_LEN], GError **error);
/* Constant-time check of a proof the lamp made; false also on failure. */
bool commission_info_proof_ok(const uint8_t key[COMMISSION_KEY_LEN],
                              const uint8_t head[COMMISSION_INFO_PROVED],
                              const uint8_t proof[COMMISSION_PROOF_LEN]);

/* The plaintext TLVs, validated (LAMPCLOUD_ERROR_INPUT names the field). */
GBytes *commission_tlvs(const struct commission_wifi *wifi, GError **error);
/* The credentials blob for the lamp `serial` at key counter n under key
 * K(n), bound to the nonce it showed: LCB1 header, random IV, AES-128-GCM. */
GBytes *commission_blob_build(const uint8_t key[COMMISSION_KEY_LEN], const char *serial,
                              uint32_t n, const uint8_t nonce[COMMISSION_NONCE_LEN],
                              const struct commission_wifi *wifi, GError **error);

#endif
