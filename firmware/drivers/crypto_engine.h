/* firmware/drivers/crypto_engine.h: the optional CRYPTO engine
 * (docs/hardware.md#crypto).  Every buffer must be in SRAM: the engine's
 * DMA does not reach flash.  Callers fall back to software when the engine
 * is absent (lib/alt_*.c). */
#ifndef LAMP_CRYPTO_ENGINE_H
#define LAMP_CRYPTO_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

struct crypto_engine_args {
    const void *src;
    uint32_t src_len;
    void *dst;
    uint32_t dst_len;
    const void *key;
    uint32_t key_len;
    const void *aux;
    uint32_t aux_len;
};

/* This lamp variant has the engine (SYSCTL FEATURES, then its ID). */
bool crypto_engine_present(void);
/* Runs one command and waits for it (sleeping in WFI); 0, or the engine's
 * ERRCODE.  *result (if not NULL) gets RESULT (P-256 verify: 1 = valid). */
uint32_t crypto_engine_run(uint32_t cmd, const struct crypto_engine_args *a,
                           uint32_t *result);
/* Commands run since reset, and those the engine refused. */
uint32_t crypto_engine_ops(void);
uint32_t crypto_engine_errors(void);

#endif
