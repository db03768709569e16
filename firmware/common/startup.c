/* firmware/common/startup.c: vector table, reset handler (.data copy, .bss
 * zero), default handlers.  Shared by the bootloader and the application;
 * each links it at the start of its flash region. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
#define WEAK_ALIAS __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_ALIAS;
void HardFault_Handler(void) WEAK_ALIAS;
void MemManage_Handler(void) WEAK_ALIAS;
void BusFault_Handler(void) WEAK_ALIAS;
void UsageFault_Handler(void) WEAK_ALIAS;
void SVC_Handler(void) WEAK_ALIAS;
void PendSV_Handler(void) WEAK_ALIAS;
void SysTick_Handler(void) WEAK_ALIAS;
void UART0_IRQHandler(void) WEAK_ALIAS;
void TIMER0_IRQHandler(void) WEAK_ALIAS;
void RTC_IRQHandler(void) WEAK_ALIAS;
void WDT_IRQHandler(void) WEAK_ALIAS;
void FLASHCTL_IRQHandler(void) WEAK_ALIAS;
void RNG_IRQHandler(void) WEAK_ALIAS;
void NET_IRQHandler(void) WEAK_ALIAS;
void CRYPTO_IRQHandler(void) WEAK_ALIAS;
void BLE_IRQHandler(void) WEAK_ALIAS;
void LIGHT_IRQHandler(void) WEAK_ALIAS;

__attribute__((section(".isr_vector"), used))
void (*const vector_table[16 + 32])(void) = {
    (void (*)(void))&_estack, Reset_Handler, NMI_Handler, HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0,
    SVC_Handler, 0, 0, PendSV_Handler, SysTick_Handler,
    UART0_IRQHandler, TIMER0_IRQHandler, RTC_IRQHandler, WDT_IRQHandler,
    FLASHCTL_IRQHandler, RNG_IRQHandler, NET_IRQHandler, CRYPTO_IRQHandler,
    BLE_IRQHandler, LIGHT_IRQHandler,
};

void Reset_Handler(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;

    while (dst < &_edata)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    main();
    for (;;)
        __asm volatile("wfi");
}

void Default_Handler(void)
{
    /* An interrupt nobody expected: stop here so the watchdog resets. */
    for (;;)
        __asm volatile("wfi");
}
