/* firmware/app/main.c: the lamp application: protections first, then the
 * banner, any crash record from the last run, and the console loop, which
 * sleeps in WFI whenever there is nothing to do. */
#include "console.h"
#include "crash.h"
#include "flashctl.h"
#include "hw.h"
#include "mpu_setup.h"
#include "status.h"
#include "uart.h"

#define WDT_TIMEOUT_MS 4000u
#define WAKE_PERIOD_US 1000000u /* kick the watchdog once a second */

void TIMER0_IRQHandler(void);
void TIMER0_IRQHandler(void)
{
    TIMER_SR = 1;
}

static void protect_boot_and_enable_traps(void)
{
    /* The bootloader stays write-protected until the next reset. */
    flashctl_protect(0, BOOTLOADER_BASE, BOOTLOADER_BASE + BOOTLOADER_SIZE);
    flashctl_lock_protection();
    FLASHCTL_CR = FLASHCTL_CR_ERRIE;
    NVIC_ISER0 = 1u << IRQ_FLASHCTL;
    SCB_SHCSR |= SHCSR_FAULTS_ENA;
    SCB_CCR |= CCR_DIV_0_TRP;
    mpu_setup();
}

static void start_watchdog(void)
{
    WDT_LOAD = WDT_TIMEOUT_MS;
    WDT_CR = 1;
    /* A periodic wake-up to kick it; nothing else runs while idle. */
    TIMER_LOAD = WAKE_PERIOD_US;
    TIMER_CR = 1u | 2u | 4u;
    NVIC_ISER0 = 1u << IRQ_TIMER0;
}

int main(void)
{
    SYSCTL_BOOTSTAGE = 2;
    status_init();
    protect_boot_and_enable_traps();
    uart_init(true);
    status_print_banner();
    crash_report_pending();
    crash_set_reason("");
    start_watchdog();
    SYSCTL_BOOTSTAGE = 3;
    console_prompt();
    for (;;) {
        int c;
        WDT_KICK = 0xA5A5A5A5u;
        while ((c = uart_getc()) >= 0)
            console_input((char)c);
        /* Sleep with interrupts masked so input that arrives between the
         * check and the WFI still wakes us. */
        __asm volatile("cpsid i" ::: "memory");
        if (uart_getc_pending() == 0)
            __asm volatile("wfi");
        __asm volatile("cpsie i" ::: "memory");
    }
}
