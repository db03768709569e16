/* firmware/lib/keystore_read.h: reading the keystore partition (format in
 * include/keystore.h and docs/formats.md#keystore).  Privileged code only:
 * the MPU keeps the partition from unprivileged code. */
#ifndef LAMP_LIB_KEYSTORE_READ_H
#define LAMP_LIB_KEYSTORE_READ_H

#include "keystore.h"

#include <stddef.h>
#include <stdint.h>

/* NULL when the keystore is intact (magic, version, bounds, SHA-256);
 * otherwise why not. */
const char *keystore_check(void);
/* The value of the first entry with tag (after keystore_check passed), or
 * NULL; *len receives its length. */
const uint8_t *keystore_find(enum keystore_tag tag, size_t *len);

#endif
