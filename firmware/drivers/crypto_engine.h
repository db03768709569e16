/* firmware/drivers/crypto_engine.h: the optional CRYPTO engine
 * (docs/hardware.md#crypto), driven through command descriptors in SRAM
 * (firmware/include/crypto_hw.h): a chain of them costs one register
 * write.  Every buffer must be in SRAM: the engine's DMA does not reach
 * flash.  Callers fall back to software when the engine is absent
 * (lib/alt_*.c). */
#ifndef LAMP_CRYPTO_ENGINE_H
#define LAMP_CRYPTO_ENGINE_H

#include "crypto_hw.h"
#include "hw.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A descriptor's buffer argument. */
#define CRYPTO_BUF(p, n) ((struct crypto_buf){ (uint32_t)(uintptr_t)(p), (uint32_t)(n) })

/* d as command cmd with no buffers yet.  Field by field: in this
 * freestanding build a struct literal is a memset call, and hash updates
 * build a descriptor each. */
static inline void crypto_desc_init(struct crypto_desc *d, uint32_t cmd)
{
    const struct crypto_buf none = { 0, 0 };

    d->cmd = cmd;
    d->status = d->result = d->next = 0;
    d->args.src = d->args.dst = d->args.key = d->args.aux = d->args.iv = d->args.tag = none;
}

/* This lamp variant has the engine (SYSCTL FEATURES, then its ID). */
bool crypto_engine_present(void);
/* The engine's DMA reaches [p, p+len): it lies in SRAM.  Inline: the
 * hash and GCM paths ask it for every buffer of every call. */
static inline bool crypto_engine_reaches(const void *p, size_t len)
{
    uint32_t a = (uint32_t)(uintptr_t)p;
    return a >= SRAM_BASE && len <= SRAM_SIZE && a - SRAM_BASE <= SRAM_SIZE - len;
}
/* Runs the n descriptors of d (cmd and args filled in; the driver links
 * them and clears their status) as one chain, and waits for it, sleeping
 * in WFI while a public-key command takes its time.  0 if all of them
 * completed, else the ERRCODE of the one that stopped the chain (the
 * descriptors after it were not run).  Results are in d[i].result. */
uint32_t crypto_engine_run(struct crypto_desc *d, size_t n);
/* Descriptors given to the engine since reset, and chains it stopped with
 * an error. */
uint32_t crypto_engine_ops(void);
uint32_t crypto_engine_errors(void);

#endif
