/* firmware/include/image.h: the signed and encrypted update image, and how
 * it lies in the slots (docs/formats.md#update-image).  Shared by the
 * bootloader, the application, tools/lampfactory and sim/. */
#ifndef LAMP_IMAGE_H
#define LAMP_IMAGE_H

#include "otp_layout.h"
#include "partitions.h"

#include <stdint.h>

#define IMAGE_MAGIC 0x474D494Cu /* "LIMG" little endian */
#define IMAGE_HEADER_VERSION 2u
#define IMAGE_HEADER_SIZE 256u
#define IMAGE_SIG_SIZE 512u     /* RSA-4096 RSASSA-PSS, SHA-256, salt 32 */
#define IMAGE_SALT_LEN 32u
#define IMAGE_KEY_SIZE 16u      /* AES-128 content key */
#define IMAGE_WRAPPED_KEY_SIZE 24u /* RFC 3394 AES key wrap of the content key */
#define IMAGE_IV_SIZE 16u       /* AES-CTR initial counter block */

/* How an image lies in its slot (partitions.h). */
#define IMAGE_LOAD_ADDR (SLOT_A_ADDR + IMAGE_HEADER_SIZE)
/* Slot A's last sector is its trailer: the confirm word lives there. */
#define SLOT_TRAILER_OFFSET (SLOT_SIZE - FLASH_SECTOR_SIZE)
#define SLOT_A_CONFIRM_ADDR (SLOT_A_ADDR + SLOT_TRAILER_OFFSET)
#define SLOT_CONFIRM_MAGIC 0x4D524643u /* "CFRM" */
#define IMAGE_MAX_PAYLOAD (SLOT_TRAILER_OFFSET - IMAGE_HEADER_SIZE - IMAGE_SIG_SIZE)
/* Highest epoch the OTP thermometer holds (otp_layout.h). */
#define IMAGE_MAX_EPOCH OTP_EPOCH_BITS

struct image_header {
    uint32_t magic;
    uint16_t header_version;
    uint16_t header_size;     /* IMAGE_HEADER_SIZE */
    uint32_t fw_version;      /* major << 16 | minor << 8 | patch */
    uint32_t security_epoch;
    uint32_t payload_size;    /* bytes between header and signature */
    uint32_t load_addr;       /* IMAGE_LOAD_ADDR: the payload's vector table */
    uint32_t flags;           /* none defined: must be 0 */
    uint32_t reserved0;       /* 0 */
    uint8_t plain_sha256[32]; /* SHA-256 of the plaintext payload */
    uint8_t wrapped_key[IMAGE_WRAPPED_KEY_SIZE];
    uint8_t iv[IMAGE_IV_SIZE];
    uint8_t reserved[IMAGE_HEADER_SIZE - 104]; /* 0 */
};

_Static_assert(sizeof(struct image_header) == IMAGE_HEADER_SIZE, "header is 256 bytes");

#endif
