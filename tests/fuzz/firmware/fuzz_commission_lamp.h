/* tests/fuzz/firmware/fuzz_commission_lamp.h: the lamp the commissioning
 * target plays, shared with the seed maker (seed_commission.c): the
 * fuzzing fleet's lamp (fleet/keystore.bin: its serial and K(0)) at key
 * counter 0, showing this nonce on the connection the blobs are for. */
#ifndef FUZZ_COMMISSION_LAMP_H
#define FUZZ_COMMISSION_LAMP_H

#define FUZZ_COMMISSION_NONCE \
    { 0x6e, 0x6f, 0x6e, 0x63, 0x65, 0x2d, 0x66, 0x6f, 0x72, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x21, 0x00 }
#define FUZZ_COMMISSION_N 0u

#endif
