/* tests/fuzz/firmware/fleet_keystore.h: the keystore of the fuzzing
 * fleet's lamp (fleet/keystore.bin, made by lampfactory through
 * tests/fuzz/seeds_firmware.sh): the keys the seeds are signed and
 * encrypted with, so a target reaches what lies behind a signature. */
#ifndef FUZZ_FLEET_KEYSTORE_H
#define FUZZ_FLEET_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

/* The keystore partition (KEYSTORE_SIZE bytes), read once; aborts, saying
 * why, if the file is missing or not intact. */
const uint8_t *fleet_keystore(size_t *size);

#endif
