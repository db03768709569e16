/* firmware/app/main.c: the lamp application: protections first, then the
 * banner, any crash record from the last run, and the console loop, which
 * sleeps in WFI whenever there is nothing to do. */
#include "app_delivery.h"
#include "app_lifecycle.h"
#include "app_store.h"
#include "beacon.h"
#include "boot_confirm.h"
#include "console.h"
#include "commission.h"
#include "crash.h"
#include "crash_report.h"
#include "flashctl.h"
#include "hw.h"
#include "keystore.h"
#include "lighting.h"
#include "clock.h"
#include "netmgr.h"
#include "ota.h"
#include "shadow.h"
#include "mpu_setup.h"
#include "status.h"
#include "telemetry_period.h"
#include "uart.h"
#include "console_rx.h"
#include "vm_apps.h"
#include "vm_strikes.h"

#include "mbedtls/memory_buffer_alloc.h"

/* An idle lamp wakes every 10 s (to kick the watchdog, with a third of its
 * time to spare); its network deadlines (keepalive 45 s, telemetry
 * every 60 s unless the owner set another period)
 * and every event (network, BLE, console) wake it sooner.  Waking once a
 * second cost a fleet of idle lamps ten times the host CPU for nothing. */
#define WDT_TIMEOUT_MS 30000u
#define WAKE_PERIOD_US 10000000u
#define UPDATE_RX_TICK_MS 1000u /* a console transfer times out in seconds */

/* mbedTLS allocations: update verification, the TLS connection (16 KiB
 * records in, 4 KiB out, certificates, ECC working memory), JSON. */
static uint8_t mbedtls_arena[96 * 1024] __attribute__((aligned(8)));

void TIMER0_IRQHandler(void);
void TIMER0_IRQHandler(void)
{
    TIMER_SR = TIMER_SR_EXPIRED;
}

static void protect_boot_and_enable_traps(void)
{
    /* The bootloader and the keystore stay write-protected until the
     * next reset. */
    flashctl_protect(0, BOOTLOADER_ADDR, BOOTLOADER_ADDR + BOOTLOADER_SIZE);
    flashctl_protect(1, KEYSTORE_ADDR, KEYSTORE_ADDR + KEYSTORE_SIZE);
    flashctl_lock_protection();
    FLASHCTL_CR = FLASHCTL_CR_ERRIE;
    NVIC_ISER0 = 1u << IRQ_FLASHCTL;
    SCB_SHCSR |= SHCSR_FAULTS_ENA;
    SCB_CCR |= CCR_DIV_0_TRP;
    mpu_setup();
}

/* The wake-up timer: periodic at 1 s (the watchdog's pace) while nothing
 * needs an earlier wake, and then left alone: an idle lamp touches no
 * register between wake-ups, which is what lets a fleet of them idle
 * cheaply; one-shot when the network has an earlier deadline. */
static bool wake_periodic;

static void arm_wakeup(uint32_t ms)
{
    if (ms >= WAKE_PERIOD_US / 1000u) {
        if (wake_periodic)
            return;
        TIMER_CR = 0;
        TIMER_SR = TIMER_SR_EXPIRED;
        TIMER_LOAD = WAKE_PERIOD_US;
        TIMER_CR = TIMER_CR_EN | TIMER_CR_IE | TIMER_CR_PERIODIC;
        wake_periodic = true;
        return;
    }
    TIMER_CR = 0;
    TIMER_SR = TIMER_SR_EXPIRED;
    TIMER_LOAD = ms ? ms * TIMER_TICKS_PER_MS : 100u;
    TIMER_CR = TIMER_CR_EN | TIMER_CR_IE;
    wake_periodic = false;
}

static void start_watchdog(void)
{
    WDT_LOAD = WDT_TIMEOUT_MS;
    WDT_CR = WDT_CR_EN;
    /* A periodic wake-up to kick it; nothing else runs while idle. */
    arm_wakeup(WAKE_PERIOD_US / 1000u);
    NVIC_ISER0 = 1u << IRQ_TIMER0;
}

int main(void)
{
    SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_APP_INIT;
    status_init();
    clock_init();
    protect_boot_and_enable_traps();
    uart_init(true);
    console_init();
    status_print_banner();
    crash_report_pending();
    crash_set_reason("");
    start_watchdog();
    mbedtls_memory_buffer_alloc_init(mbedtls_arena, sizeof(mbedtls_arena));
    boot_confirm_running_image();
    /* netmgr's clients, in the order it asks them (the shadow's topic is
     * subscribed, and its reported state published, first) */
    shadow_init();
    ota_init();
    app_delivery_init();
    crash_report_init();
    lighting_init();
    SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_RUNNING;
    console_prompt();
    /* visible over BLE first: a lamp with no network is found that way */
    commission_start();
    beacon_init();
    telemetry_period_init();
    vm_strikes_init();
    vm_apps_init();
    (void)app_store_init(); /* it logs what failed; the lamp runs without apps */
    app_lifecycle_start();
    netmgr_start();
    for (;;) {
        int c;
        WDT_KICK = WDT_KICK_KEY;
        while ((c = uart_getc()) >= 0)
            console_input((char)c);
        console_tick(RTC_SECONDS);
        netmgr_poll();
        commission_poll();
        lighting_poll();
        vm_apps_poll();
        /* Sleep with interrupts masked so input that arrives between the
         * check and the WFI still wakes us (a NET interrupt already taken
         * and masked is the netmgr_pending check); the timer wakes us for
         * the network's next deadline or the watchdog, whichever is
         * first. */
        __asm volatile("cpsid i" ::: "memory");
        uint32_t idle_ms = netmgr_idle_ms(), light_ms = lighting_idle_ms(), apps_ms = vm_apps_idle_ms();
        if (light_ms < idle_ms)
            idle_ms = light_ms;
        if (apps_ms < idle_ms)
            idle_ms = apps_ms;
        if (console_rx_active() && idle_ms > UPDATE_RX_TICK_MS)
            idle_ms = UPDATE_RX_TICK_MS;
        arm_wakeup(idle_ms);
        if (uart_getc_pending() == 0 && !commission_pending() && !netmgr_pending() &&
            !lighting_pending() && !vm_apps_pending())
            __asm volatile("wfi");
        __asm volatile("cpsie i" ::: "memory");
    }
}
