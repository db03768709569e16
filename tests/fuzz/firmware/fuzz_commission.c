/* Fuzz target: reading a commissioning credentials blob
 * (firmware/app/commission_blob.c): what any central within BLE range can
 * write to the lamp's credentials characteristic.  The first input byte's
 * low bit picks what the rest is:
 *   0: a blob as written over the air (commission_blob_check, then
 *      commission_blob_open with the lamp's n, K(n) and nonce);
 *   1: the plaintext TLVs of an authentic blob: the target seals them as
 *      the cloud does (AES-128-GCM under K(n), header as associated data)
 *      and the lamp must open them exactly when commission_parse_tlvs
 *      accepts them, so the TLV parser is fuzzed behind the tag.
 * Beyond crashes it checks what netmgr and commission_store rely on: the
 * credentials of an accepted blob are NUL-terminated, SSID 1..32 bytes,
 * passphrase 8..63, proxy at most 63, with no NUL inside; an accepted
 * blob is exactly header + L + tag long, for this lamp, this n and this
 * nonce. */
#include "blob_seal.h"
#include "commission_blob.h"
#include "commission_format.h"
#include "fleet_keystore.h"
#include "fuzz_commission_lamp.h"
#include "keystore_read.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t serial16[COMMISSION_SERIAL16], key0[COMMISSION_KEY_LEN];
static const uint8_t nonce[COMMISSION_NONCE_LEN] = FUZZ_COMMISSION_NONCE;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t size, len;
    const uint8_t *ks = fleet_keystore(&size), *v;

    (void)argc, (void)argv;
    v = keystore_find_in(ks, KS_SERIAL, &len);
    if (!v || len >= sizeof(serial16))
        abort();
    memcpy(serial16, v, len);
    v = keystore_find_in(ks, KS_COMMISSION_KEY, &len);
    if (!v || len != sizeof(key0))
        abort();
    memcpy(key0, v, len);
    return 0;
}

static void check_field(const char *s, size_t cap, size_t min, size_t max)
{
    size_t n = strnlen(s, cap);

    if (n == cap || n < min || n > max)
        abort();
    for (size_t i = n; i < cap; i++)
        if (s[i])
            abort(); /* the rest zero: no stale bytes after the terminator */
}

static void check_creds(const struct wifi_creds *c)
{
    check_field(c->ssid, sizeof(c->ssid), 1, COMMISSION_SSID_MAX);
    check_field(c->passphrase, sizeof(c->passphrase), COMMISSION_PASSPHRASE_MIN,
                COMMISSION_PASSPHRASE_MAX);
    check_field(c->proxy, sizeof(c->proxy), 0, COMMISSION_PROXY_MAX);
}

static const struct commission_refusal *read_blob(const uint8_t *blob, size_t len,
                                                  struct wifi_creds *c)
{
    const struct commission_refusal *why;
    uint32_t ct_len = 0;

    if ((why = commission_blob_check(blob, len, serial16, &ct_len)) != NULL)
        return why;
    if (ct_len < 1 || ct_len > COMMISSION_BLOB_MAX_CT ||
        len != COMMISSION_BLOB_HEADER + ct_len + COMMISSION_BLOB_TAG_LEN ||
        memcmp(blob + COMMISSION_BLOB_OFF_SERIAL, serial16, sizeof(serial16)) != 0)
        abort();
    why = commission_blob_open(blob, ct_len, FUZZ_COMMISSION_N, key0, nonce, c);
    if (!why) {
        uint32_t n = blob[COMMISSION_BLOB_OFF_N] | (uint32_t)blob[COMMISSION_BLOB_OFF_N + 1] << 8 |
                     (uint32_t)blob[COMMISSION_BLOB_OFF_N + 2] << 16 |
                     (uint32_t)blob[COMMISSION_BLOB_OFF_N + 3] << 24;
        if (n != FUZZ_COMMISSION_N ||
            memcmp(blob + COMMISSION_BLOB_OFF_NONCE, nonce, sizeof(nonce)) != 0)
            abort();
        check_creds(c);
    }
    if (why && (!why->reason || !why->text))
        abort();
    return why;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wifi_creds c, direct;

    if (size < 1 || size > 1 + COMMISSION_BLOB_MAX + 1)
        return 0;
    bool plaintext = data[0] & 1;
    data++, size--;
    if (!plaintext) {
        uint8_t *blob = malloc(size ? size : 1);
        if (!blob)
            abort();
        memcpy(blob, data, size);
        read_blob(blob, size, &c);
        free(blob);
        return 0;
    }
    if (size < 1 || size > COMMISSION_BLOB_MAX_CT)
        return 0;
    bool parses = commission_parse_tlvs(data, size, &direct);
    if (parses)
        check_creds(&direct);
    uint8_t blob[COMMISSION_BLOB_MAX];
    size_t len = blob_seal(key0, serial16, FUZZ_COMMISSION_N, nonce, data, size, blob);
    if (len == 0)
        abort();
    const struct commission_refusal *why = read_blob(blob, len, &c);
    if (parses != (why == NULL))
        abort(); /* an authentic blob is judged by its content alone */
    if (parses && memcmp(&c, &direct, sizeof(c)) != 0)
        abort();
    return 0;
}
