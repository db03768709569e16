/* firmware/lib/keystore_read.h: reading the keystore partition (format in
 * include/keystore.h and docs/formats.md#keystore).  Privileged code only:
 * the MPU keeps the partition from unprivileged code. */
#ifndef LAMP_LIB_KEYSTORE_READ_H
#define LAMP_LIB_KEYSTORE_READ_H

#include "keystore.h"

#include <stddef.h>
#include <stdint.h>

/* The partition, where the lamp reads it. */
#define KEYSTORE_BASE ((const uint8_t *)KEYSTORE_ADDR)

/* NULL when the keystore is intact (magic, version, bounds, SHA-256);
 * otherwise why not. */
const char *keystore_check(void);
/* The value of the first entry with tag (after keystore_check passed), or
 * NULL; *len receives its length. */
const uint8_t *keystore_find(enum keystore_tag tag, size_t *len);

/* The same two on a keystore of size bytes at base instead of the
 * partition (the parsing alone, for host tests and fuzzing:
 * tests/fuzz/firmware/fuzz_keystore.c).  keystore_find_in trusts the
 * header's entries_size: call it only after keystore_check_in passed. */
const char *keystore_check_in(const uint8_t *base, size_t size);
const uint8_t *keystore_find_in(const uint8_t *base, enum keystore_tag tag, size_t *len);

#endif
