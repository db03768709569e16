/* firmware/drivers/crypto_engine.c: CRYPTO engine driver.  A chain of
 * AES, GCM and SHA-256 descriptors is finished before the write to DESC
 * completes (docs/hardware.md#crypto), so those cost one register access
 * and no interrupt: they run thousands of times per image or TLS session.
 * A chain with a public-key command waits as FLASHCTL's driver does:
 * sleeping in WFI with interrupts masked until the engine is no longer
 * BUSY (WFI still wakes on the pending interrupt), so no handler runs. */
#include "crypto_engine.h"

enum { UNKNOWN, ABSENT, PRESENT };
static int presence;
static uint32_t ops, errors;

bool crypto_engine_present(void)
{
    if (presence == UNKNOWN)
        /* The window of a lamp without the engine faults: read FEATURES first. */
        presence = (SYSCTL_FEATURES & SYSCTL_FEATURE_CRYPTO) && CRYPTO_ID == CRYPTO_ID_VALUE
                       ? PRESENT
                       : ABSENT;
    return presence == PRESENT;
}

/* Sleeps until the engine is no longer BUSY; returns STATUS. */
static uint32_t wait_while_busy(void)
{
    uint32_t sr, primask, irq = 1u << IRQ_CRYPTO;
    bool irq_was_enabled = NVIC_ISER0 & irq;

    __asm volatile("mrs %0, primask" : "=r"(primask));
    __asm volatile("cpsid i" ::: "memory");
    /* DONE rising now raises the interrupt line, which ends the WFI; if it
     * rose already, the line is high at once. */
    CRYPTO_CTRL = CRYPTO_CTRL_IE;
    NVIC_ISER0 = irq;
    while ((sr = CRYPTO_STATUS) & CRYPTO_STATUS_BUSY)
        __asm volatile("wfi" ::: "memory");
    CRYPTO_CTRL = 0;
    CRYPTO_CLR = CRYPTO_STATUS_DONE | CRYPTO_STATUS_ERR;
    NVIC_ICPR0 = irq;
    if (!irq_was_enabled)
        NVIC_ICER0 = irq;
    if (!primask)
        __asm volatile("cpsie i" ::: "memory");
    return sr;
}

/* The chain's outcome once the engine has stopped: the first descriptor
 * with an error, or the engine's own ERRCODE when it could not run one. */
static uint32_t chain_error(const struct crypto_desc *d, size_t n, uint32_t sr)
{
    for (size_t i = 0; i < n; i++) {
        if (!(d[i].status & CRYPTO_DESC_DONE))
            return (sr & CRYPTO_STATUS_ERR) ? CRYPTO_ERRCODE : CRYPTO_ERR_HOST;
        if (CRYPTO_DESC_ERRCODE(d[i].status))
            return CRYPTO_DESC_ERRCODE(d[i].status);
    }
    return 0;
}

uint32_t crypto_engine_run(struct crypto_desc *d, size_t n)
{
    uint32_t sr = 0, err;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        d[i].status = 0;
        d[i].next = i + 1 < n ? (uint32_t)&d[i + 1] : 0;
    }
    /* The engine reads descriptors and buffers by DMA: every store to them
     * must be done before it starts... */
    __asm volatile("dsb" ::: "memory");
    CRYPTO_DESC = (uint32_t)d;
    /* ...and what it wrote back must be read again, not assumed. */
    __asm volatile("" ::: "memory");
    if (!(d[n - 1].status & CRYPTO_DESC_DONE)) {
        /* A public-key command is taking its time, or the chain stopped. */
        sr = CRYPTO_STATUS;
        if (sr & CRYPTO_STATUS_BUSY)
            sr = wait_while_busy();
    }
    err = chain_error(d, n, sr);
    ops += n;
    errors += err != 0;
    return err;
}

uint32_t crypto_engine_ops(void) { return ops; }
uint32_t crypto_engine_errors(void) { return errors; }
