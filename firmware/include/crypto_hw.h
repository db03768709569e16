/* firmware/include/crypto_hw.h: the CRYPTO engine's programming interface
 * (docs/hardware.md#crypto): register offsets and bits, command numbers,
 * error codes and the command descriptor the engine reads from SRAM.
 * Shared by the model (emu/crypto.c), the driver
 * (firmware/drivers/crypto_engine.c) and the unit tests, so the two sides
 * cannot drift.  Plain C11, no target headers: it compiles on the host. */
#ifndef LAMP_CRYPTO_HW_H
#define LAMP_CRYPTO_HW_H

#include <stddef.h>
#include <stdint.h>

/* Register offsets in the engine's 4 KiB window. */
enum {
    CRYPTO_REG_ID = 0x00,
    CRYPTO_REG_CTRL = 0x04,
    CRYPTO_REG_STATUS = 0x08,
    CRYPTO_REG_CLR = 0x0C,
    CRYPTO_REG_CMD = 0x10,
    CRYPTO_REG_ERRCODE = 0x14,
    CRYPTO_REG_RESULT = 0x18,
    CRYPTO_REG_DESC = 0x1C,
    /* The argument block: the same order as struct crypto_args. */
    CRYPTO_REG_SRC = 0x20,
    CRYPTO_REG_SRCLEN = 0x24,
    CRYPTO_REG_DST = 0x28,
    CRYPTO_REG_DSTLEN = 0x2C,
    CRYPTO_REG_KEY = 0x30,
    CRYPTO_REG_KEYLEN = 0x34,
    CRYPTO_REG_AUX = 0x38,
    CRYPTO_REG_AUXLEN = 0x3C,
    CRYPTO_REG_IV = 0x40,
    CRYPTO_REG_IVLEN = 0x44,
    CRYPTO_REG_TAG = 0x48,
    CRYPTO_REG_TAGLEN = 0x4C,
};

#define CRYPTO_ID_VALUE 0x50595243u /* "CRYP" little-endian */
#define CRYPTO_CTRL_IE 1u
#define CRYPTO_STATUS_BUSY 1u
#define CRYPTO_STATUS_DONE 2u
#define CRYPTO_STATUS_ERR 4u

/* Commands (CMD register or crypto_desc.cmd). */
#define CRYPTO_CMD_AES_ENC 1u
#define CRYPTO_CMD_AES_DEC 2u
#define CRYPTO_CMD_SHA256 3u
#define CRYPTO_CMD_P256_MUL_BASE 4u
#define CRYPTO_CMD_P256_ECDH 5u
#define CRYPTO_CMD_P256_SIGN 6u
#define CRYPTO_CMD_P256_VERIFY 7u
#define CRYPTO_CMD_RSA_PUBLIC 8u
#define CRYPTO_CMD_AES_CTR 9u
#define CRYPTO_CMD_GCM_ENC 10u
#define CRYPTO_CMD_GCM_DEC 11u
#define CRYPTO_CMD_AES256_ENC 12u
#define CRYPTO_CMD_AES256_DEC 13u

/* ERRCODE values (and the low byte of a finished descriptor's status). */
#define CRYPTO_ERR_CMD 1u     /* unknown command */
#define CRYPTO_ERR_LEN 2u     /* bad length */
#define CRYPTO_ERR_ADDR 3u    /* buffer or descriptor not in SRAM */
#define CRYPTO_ERR_INVALID 4u /* invalid key, point or value */
#define CRYPTO_ERR_HOST 5u    /* host failure */

/* Limits the engine enforces. */
#define CRYPTO_BULK_MAX (64u * 1024) /* AES / SHA-256 / GCM bytes per command */
#define CRYPTO_CHAIN_MAX 256u        /* descriptors per DESC write (stops a loop) */
#define CRYPTO_GCM_IV_LEN 12u
#define CRYPTO_GCM_TAG_MIN 4u
#define CRYPTO_GCM_TAG_MAX 16u

/* A buffer the engine reads or writes by DMA: wholly in SRAM, or len 0
 * (then addr is not looked at). */
struct crypto_buf {
    uint32_t addr;
    uint32_t len;
};

/* What a command works on; the registers SRC..TAGLEN hold the same words
 * in the same order. */
struct crypto_args {
    struct crypto_buf src, dst, key, aux, iv, tag;
};

/* A command descriptor: 64 bytes, word-aligned, wholly in SRAM.  The
 * engine reads cmd, next and args when it reaches the descriptor, and
 * writes status (and result) when it has finished with it. */
struct crypto_desc {
    uint32_t cmd;    /* CRYPTO_CMD_* */
    uint32_t status; /* 0 until finished; then CRYPTO_DESC_DONE | ERRCODE */
    uint32_t result; /* as the RESULT register: verify and GCM decrypt, 1 = valid */
    uint32_t next;   /* address of the next descriptor; 0 ends the chain */
    struct crypto_args args;
};

#define CRYPTO_DESC_DONE (1u << 31)
#define CRYPTO_DESC_ERRCODE(status) ((status) & 0xFFu)

_Static_assert(sizeof(struct crypto_args) == CRYPTO_REG_TAGLEN + 4 - CRYPTO_REG_SRC,
               "crypto_args must mirror the argument registers");
_Static_assert(sizeof(struct crypto_desc) == 64, "the engine reads 64-byte descriptors");
_Static_assert(offsetof(struct crypto_desc, args) == 16, "descriptor arguments start at 16");

#endif
