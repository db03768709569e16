/* firmware/drivers/flashctl.c: FLASHCTL driver (docs/hardware.md).  A
 * command sleeps in WFI until DONE instead of polling BUSY: a page program
 * takes 400 us, an erase 1 ms, and a lamp that spins through them burns
 * power (and, emulated, host CPU).  Interrupts stay masked while it sleeps
 * (WFI still wakes on the pending DONE), so no handler runs for it. */
#include "flashctl.h"

#include "hw.h"

#include <stdbool.h>

static uint32_t run(uint32_t addr, uint32_t data, uint32_t cmd)
{
    uint32_t sr, primask, irq = 1u << IRQ_FLASHCTL;
    bool irq_was_enabled = NVIC_ISER0 & irq;

    __asm volatile("mrs %0, primask" : "=r"(primask));
    __asm volatile("cpsid i" ::: "memory");
    FLASHCTL_KEY = FLASHCTL_KEY1;
    FLASHCTL_KEY = FLASHCTL_KEY2;
    FLASHCTL_SR = FLASHCTL_SR_DONE | FLASHCTL_SR_ERRORS;
    FLASHCTL_CR |= FLASHCTL_CR_DONEIE;
    NVIC_ISER0 = irq;
    FLASHCTL_ADDR = addr;
    FLASHCTL_DATA = data;
    FLASHCTL_CMD = cmd;
    while ((sr = FLASHCTL_SR) & FLASHCTL_SR_BUSY)
        __asm volatile("wfi" ::: "memory");
    FLASHCTL_CR = FLASHCTL_CR_LOCK | (FLASHCTL_CR & FLASHCTL_CR_ERRIE);
    FLASHCTL_SR = FLASHCTL_SR_DONE;
    NVIC_ICPR0 = irq; /* re-pends by itself if an error is still flagged */
    if (!irq_was_enabled)
        NVIC_ICER0 = irq;
    if (!primask)
        __asm volatile("cpsie i" ::: "memory");
    return sr & FLASHCTL_SR_ERRORS;
}

uint32_t flashctl_program(uint32_t addr, uint32_t word)
{
    return run(addr, word, FLASHCTL_CMD_PROGRAM);
}

uint32_t flashctl_program_page(uint32_t addr, const void *src)
{
    FLASHCTL_SRC = (uint32_t)src;
    return run(addr, 0, FLASHCTL_CMD_PAGEPROG);
}

uint32_t flashctl_program_otp(uint32_t addr, uint32_t bits)
{
    return run(addr, bits, FLASHCTL_CMD_OTPPROG);
}

uint32_t flashctl_erase(uint32_t addr)
{
    return run(addr, 0, FLASHCTL_CMD_ERASE);
}

void flashctl_protect(unsigned range, uint32_t start, uint32_t end)
{
    FLASHCTL_WPSTART(range) = start;
    FLASHCTL_WPEND(range) = end;
}

void flashctl_lock_protection(void)
{
    FLASHCTL_WPLOCK = 1;
}
