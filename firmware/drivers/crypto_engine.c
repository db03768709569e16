/* firmware/drivers/crypto_engine.c: CRYPTO engine driver.  As with
 * FLASHCTL, a command sleeps in WFI with interrupts masked until DONE
 * (WFI still wakes on the pending interrupt), so no handler runs for it;
 * the public-key commands take milliseconds. */
#include "crypto_engine.h"

#include "hw.h"

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

static void load_args(const struct crypto_engine_args *a)
{
    CRYPTO_SRC = (uint32_t)a->src;
    CRYPTO_SRCLEN = a->src_len;
    CRYPTO_DST = (uint32_t)a->dst;
    CRYPTO_DSTLEN = a->dst_len;
    CRYPTO_KEY = (uint32_t)a->key;
    CRYPTO_KEYLEN = a->key_len;
    CRYPTO_AUX = (uint32_t)a->aux;
    CRYPTO_AUXLEN = a->aux_len;
    /* The engine writes dst by DMA: nothing may stay in flight past here. */
    __asm volatile("dsb" ::: "memory");
}

/* AES and SHA-256 blocks are done before the write to CMD completes
 * (docs/hardware.md#crypto): no interrupt, no sleep.  These run thousands
 * of times per image or TLS record, so they stay a handful of accesses. */
static uint32_t run_at_once(uint32_t cmd, const struct crypto_engine_args *a)
{
    uint32_t sr;

    load_args(a);
    CRYPTO_CMD = cmd;
    sr = CRYPTO_STATUS;
    if (sr & CRYPTO_STATUS_BUSY) /* not this engine's documented timing */
        while ((sr = CRYPTO_STATUS) & CRYPTO_STATUS_BUSY)
            ;
    CRYPTO_CLR = CRYPTO_STATUS_DONE | CRYPTO_STATUS_ERR;
    return (sr & CRYPTO_STATUS_ERR) ? CRYPTO_ERRCODE : 0;
}

uint32_t crypto_engine_run(uint32_t cmd, const struct crypto_engine_args *a, uint32_t *result)
{
    uint32_t sr, primask, irq = 1u << IRQ_CRYPTO;
    bool irq_was_enabled;

    if (cmd == CRYPTO_CMD_AES_ENC || cmd == CRYPTO_CMD_AES_DEC || cmd == CRYPTO_CMD_AES_CTR ||
        cmd == CRYPTO_CMD_SHA256) {
        uint32_t err = run_at_once(cmd, a);
        ops++;
        errors += err != 0;
        return err;
    }
    irq_was_enabled = NVIC_ISER0 & irq;

    __asm volatile("mrs %0, primask" : "=r"(primask));
    __asm volatile("cpsid i" ::: "memory");
    CRYPTO_CLR = CRYPTO_STATUS_DONE | CRYPTO_STATUS_ERR;
    CRYPTO_CTRL = CRYPTO_CTRL_IE;
    NVIC_ISER0 = irq;
    load_args(a);
    CRYPTO_CMD = cmd;
    while ((sr = CRYPTO_STATUS) & CRYPTO_STATUS_BUSY)
        __asm volatile("wfi" ::: "memory");
    if (result)
        *result = CRYPTO_RESULT;
    uint32_t err = (sr & CRYPTO_STATUS_ERR) ? CRYPTO_ERRCODE : 0;
    CRYPTO_CTRL = 0;
    CRYPTO_CLR = CRYPTO_STATUS_DONE | CRYPTO_STATUS_ERR;
    NVIC_ICPR0 = irq;
    if (!irq_was_enabled)
        NVIC_ICER0 = irq;
    if (!primask)
        __asm volatile("cpsie i" ::: "memory");
    ops++;
    if (err)
        errors++;
    return err;
}

uint32_t crypto_engine_ops(void) { return ops; }
uint32_t crypto_engine_errors(void) { return errors; }
