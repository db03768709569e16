/* tests/unit/periph/test_periph.c: SYSCTL, RNG, UART, RTC, TIMER0, WDT. */
#include "periph_harness.h"

#include <CUnit/Basic.h>
#include <string.h>

static char *dir;
static struct machine *m;

static int setup(void)
{
    dir = bench_tmpdir();
    m = bench_machine_new(dir, 42, NULL);
    return m ? 0 : 1;
}

static int teardown(void)
{
    machine_free(m);
    bench_rmdir(dir);
    g_free(dir);
    return 0;
}

static void sysctl_identity_and_reset_request_needs_key(void)
{
    CU_ASSERT_EQUAL(reg_read(m, SYSCTL_BASE + 0x00), 0x4C4D5031u);
    CU_ASSERT_EQUAL(reg_read(m, SYSCTL_BASE + 0x14), MACHINE_CPU_HZ);
    reg_write(m, SYSCTL_BASE + 0x10, 0x12345678);
    CU_ASSERT_EQUAL(m->pending_reset, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "without key"));
    reg_write(m, SYSCTL_BASE + 0x10, 0x5EC0DE01);
    CU_ASSERT_EQUAL(m->pending_reset, MACHINE_RESET_SOFT);
    m->pending_reset = 0;
}

static void rng_seeded_stream_is_reproducible(void)
{
    g_autofree char *d2 = bench_tmpdir();
    struct machine *other = bench_machine_new(d2, 42, NULL);
    uint32_t a[8], b[8];

    CU_ASSERT_PTR_NOT_NULL_FATAL(other);
    reg_write(m, RNG_BASE, 1);
    reg_write(other, RNG_BASE, 1);
    CU_ASSERT_TRUE(reg_read(m, RNG_BASE + 4) & 1);          /* DRDY */
    for (int i = 0; i < 8; i++) {
        a[i] = reg_read(m, RNG_BASE + 8);
        b[i] = reg_read(other, RNG_BASE + 8);
    }
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
    CU_ASSERT_NOT_EQUAL(a[0], a[1]);
    machine_free(other);
    bench_rmdir(d2);
}

static void rng_injected_health_failure_sets_secs_until_reset(void)
{
    reg_write(m, RNG_BASE, 1);
    machine_inject_rng_failure(m);
    CU_ASSERT_EQUAL(reg_read(m, RNG_BASE + 4), 2u);          /* SECS, no DRDY */
    CU_ASSERT_EQUAL(reg_read(m, RNG_BASE + 8), 0u);
    reg_write(m, RNG_BASE, 0);
    reg_write(m, RNG_BASE, 1);
    CU_ASSERT_EQUAL(reg_read(m, RNG_BASE + 4), 2u);          /* injected: stays */
    rng_ops.reset(m->rng, MACHINE_RESET_SYSRESETREQ);
    reg_write(m, RNG_BASE, 1);
    CU_ASSERT_EQUAL(reg_read(m, RNG_BASE + 4), 1u);
}

static void uart_flow_control_keeps_pasted_input_in_order(void)
{
    char text[100], got[100];

    for (int i = 0; i < 100; i++)
        text[i] = (char)('A' + i % 26);
    reg_write(m, UART0_BASE + 8, 1 | 2);                     /* EN | RXIE */
    machine_console_input(m, (const uint8_t *)text, sizeof(text));
    CU_ASSERT_TRUE(m->exc_pending[EXC_IRQ0 + IRQ_UART0]);
    for (int i = 0; i < 100; i++) {
        CU_ASSERT_TRUE_FATAL(reg_read(m, UART0_BASE + 4) & 1); /* RXNE */
        got[i] = (char)reg_read(m, UART0_BASE);
    }
    CU_ASSERT_EQUAL(memcmp(text, got, sizeof(text)), 0);
    CU_ASSERT_FALSE(reg_read(m, UART0_BASE + 4) & 1);
    CU_ASSERT_FALSE(m->irq_level[IRQ_UART0]);
}

static void timer_one_shot_then_periodic(void)
{
    uint64_t t0 = machine_now_ns(m);

    reg_write(m, TIMER0_BASE + 4, 1000);                     /* 1 ms */
    reg_write(m, TIMER0_BASE, 1 | 2);                        /* EN | IE, one shot */
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(machine_now_ns(m) - t0, 1000000u);
    CU_ASSERT_EQUAL(reg_read(m, TIMER0_BASE + 0xC), 1u);
    CU_ASSERT_TRUE(m->irq_level[IRQ_TIMER0]);
    CU_ASSERT_EQUAL(reg_read(m, TIMER0_BASE) & 1, 0u);       /* stopped */
    reg_write(m, TIMER0_BASE + 0xC, 1);
    CU_ASSERT_FALSE(m->irq_level[IRQ_TIMER0]);
    reg_write(m, TIMER0_BASE, 1 | 4);                        /* periodic */
    for (int i = 0; i < 3; i++)
        machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(machine_now_ns(m) - t0, 4000000u);
    CU_ASSERT_TRUE(reg_read(m, TIMER0_BASE) & 1);
    reg_write(m, TIMER0_BASE, 0);
}

static void wdt_resets_unless_kicked_and_cannot_be_disabled(void)
{
    reg_write(m, WDT_BASE + 4, 10);                          /* 10 ms */
    reg_write(m, WDT_BASE, 1);
    reg_write(m, WDT_BASE + 8, 0xA5A5A5A5);
    reg_write(m, WDT_BASE, 0);
    CU_ASSERT_EQUAL(reg_read(m, WDT_BASE) & 1, 1u);
    CU_ASSERT_EQUAL(m->pending_reset, 0);
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(m->pending_reset, MACHINE_RESET_WDT);
    m->pending_reset = 0;
}

static void rtc_starts_at_fixed_epoch_and_alarm_fires(void)
{
    /* deterministic mode: 2026-01-01 00:00:00 UTC at power on */
    machine_power_on(m);
    uint32_t now = reg_read(m, RTC_BASE);
    CU_ASSERT_TRUE(now >= 1767225600u && now < 1767225600u + 5);
    reg_write(m, RTC_BASE + 8, now + 2);
    reg_write(m, RTC_BASE + 0xC, 3);
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(reg_read(m, RTC_BASE + 0x10), 1u);
    CU_ASSERT_TRUE(m->irq_level[IRQ_RTC]);
    CU_ASSERT_EQUAL(reg_read(m, RTC_BASE), now + 2);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("peripherals", setup, teardown);
    CU_add_test(s, "sysctl_identity_and_reset_request_needs_key", sysctl_identity_and_reset_request_needs_key);
    CU_add_test(s, "rng_seeded_stream_is_reproducible", rng_seeded_stream_is_reproducible);
    CU_add_test(s, "rng_injected_health_failure_sets_secs_until_reset",
                rng_injected_health_failure_sets_secs_until_reset);
    CU_add_test(s, "uart_flow_control_keeps_pasted_input_in_order",
                uart_flow_control_keeps_pasted_input_in_order);
    CU_add_test(s, "timer_one_shot_then_periodic", timer_one_shot_then_periodic);
    CU_add_test(s, "wdt_resets_unless_kicked_and_cannot_be_disabled",
                wdt_resets_unless_kicked_and_cannot_be_disabled);
    CU_add_test(s, "rtc_starts_at_fixed_epoch_and_alarm_fires", rtc_starts_at_fixed_epoch_and_alarm_fires);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
