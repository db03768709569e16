/* firmware/include/image.h: the application image header in a slot
 * (docs/formats.md#application-image).  Shared with tools/mkimage. */
#ifndef LAMP_IMAGE_H
#define LAMP_IMAGE_H

#include <stdint.h>

#define IMAGE_MAGIC 0x474D494Cu /* "LIMG" little endian */
#define IMAGE_HEADER_VERSION 1u
#define IMAGE_HEADER_SIZE 256u
#define IMAGE_LOAD_ADDR 0x00020100u

struct image_header {
    uint32_t magic;
    uint32_t header_version;
    uint32_t fw_version;      /* major << 16 | minor << 8 | patch */
    uint32_t security_epoch;
    uint32_t payload_size;    /* bytes after the header */
    uint32_t payload_crc32;
    uint32_t load_addr;       /* where the payload's vector table lies */
    uint8_t reserved[IMAGE_HEADER_SIZE - 32];
    uint32_t header_crc32;    /* over the 252 bytes before it */
};

_Static_assert(sizeof(struct image_header) == IMAGE_HEADER_SIZE, "header is 256 bytes");

#endif
