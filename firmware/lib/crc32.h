/* firmware/lib/crc32.h: CRC-32 (IEEE 802.3, reflected, as zlib). */
#ifndef LAMP_CRC32_H
#define LAMP_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif
