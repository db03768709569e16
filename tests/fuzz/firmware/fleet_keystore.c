/* tests/fuzz/firmware/fleet_keystore.c: see fleet_keystore.h. */
#include "fleet_keystore.h"

#include "keystore_read.h"

#include <stdio.h>
#include <stdlib.h>

const uint8_t *fleet_keystore(size_t *size)
{
    static uint8_t ks[KEYSTORE_SIZE];
    static size_t len;
    const char *why;

    if (len == 0) {
        FILE *f = fopen(FUZZ_FLEET_KEYSTORE, "rb");
        if (!f) {
            perror(FUZZ_FLEET_KEYSTORE);
            fprintf(stderr, "(make it with tests/fuzz/seeds_firmware.sh)\n");
            abort();
        }
        len = fread(ks, 1, sizeof(ks), f);
        fclose(f);
        if ((why = keystore_check_in(ks, len)) != NULL) {
            fprintf(stderr, "%s: %s\n", FUZZ_FLEET_KEYSTORE, why);
            abort();
        }
    }
    *size = len;
    return ks;
}
