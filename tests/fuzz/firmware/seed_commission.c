/* tests/fuzz/firmware/seed_commission.c: credentials blobs for the
 * commissioning target's corpus, made by the reference cloud's own code
 * (tools/lampcloud/commission_blob.c) for the fuzzing fleet's lamp
 * (fuzz_commission_lamp.h):
 *   seed_commission KEYSTORE N SSID PASSPHRASE [PROXY] > blob
 * writes the blob at key counter N (K(N) derived from the keystore's K(0))
 * with the target's mode byte (0: a blob) in front; N "tlvs" writes the
 * plaintext TLVs instead, after mode byte 1. */
#include "commission_blob.h"
#include "fuzz_commission_lamp.h"
#include "keystore_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    static uint8_t ks[KEYSTORE_SIZE];
    static const uint8_t nonce[COMMISSION_NONCE_LEN] = FUZZ_COMMISSION_NONCE;
    char serial[COMMISSION_SERIAL16] = { 0 };
    uint8_t key[COMMISSION_KEY_LEN];
    const uint8_t *v;
    size_t size, len;
    GError *error = NULL;

    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: %s KEYSTORE N SSID PASSPHRASE [PROXY] > BLOB\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size = fread(ks, 1, sizeof(ks), f);
    fclose(f);
    if (keystore_check_in(ks, size) != NULL || !(v = keystore_find_in(ks, KS_SERIAL, &len)) ||
        len >= sizeof(serial)) {
        fprintf(stderr, "%s: not an intact keystore with a serial\n", argv[1]);
        return 1;
    }
    memcpy(serial, v, len);
    if (!(v = keystore_find_in(ks, KS_COMMISSION_KEY, &len)) || len != sizeof(key)) {
        fprintf(stderr, "%s: no commissioning key\n", argv[1]);
        return 1;
    }
    struct commission_wifi wifi = { .ssid = argv[3], .passphrase = argv[4],
                                    .proxy = argc == 6 ? argv[5] : NULL };
    GBytes *blob = NULL;
    if (strcmp(argv[2], "tlvs") == 0) {
        if (!(blob = commission_tlvs(&wifi, &error))) {
            fprintf(stderr, "seed_commission: %s\n", error->message);
            return 1;
        }
        putchar(1);
    } else {
        uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
        if (!commission_key_derive(v, 0, n, key, &error) ||
            !(blob = commission_blob_build(key, serial, n, nonce, &wifi, &error))) {
            fprintf(stderr, "seed_commission: %s\n", error->message);
            return 1;
        }
        putchar(0); /* the target's mode byte: a blob as written over the air */
    }
    gsize blob_len;
    const uint8_t *b = g_bytes_get_data(blob, &blob_len);
    fwrite(b, 1, blob_len, stdout);
    g_bytes_unref(blob);
    return 0;
}
