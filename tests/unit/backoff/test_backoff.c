/* CUnit tests of the retries' waits (firmware/app/backoff.c) on the host,
 * the RNG driver replaced by a table of draws. */
#include "backoff.h"
#include "rng.h"

#include "cunit_run.h"

#include <CUnit/Basic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint32_t draw;
static int draw_fails;

/* The RNG driver (rng.h): 0, or -1 when the health test failed. */
int rng_read(void *out, size_t len)
{
    if (draw_fails)
        return -1;
    CU_ASSERT_EQUAL(len, sizeof(draw));
    memcpy(out, &draw, sizeof(draw));
    return 0;
}

static void backoff_wait_is_half_to_all_of_the_ceiling(void)
{
    static const struct { uint32_t ceiling, draw, want; } cases[] = {
        { 1000, 0, 500 },              /* the least: half */
        { 1000, 500, 1000 },           /* the most: all */
        { 1000, 501, 500 },            /* wraps inside the range */
        { 1000, 0xFFFFFFFFu, 500 + 0xFFFFFFFFu % 501 },
        { 60000, 12345, 42345 },
        { 1001, 501, 1001 },           /* odd ceilings reach the ceiling */
        { 1, 1, 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool no_jitter = true;
        draw = cases[i].draw;
        draw_fails = 0;
        CU_ASSERT_EQUAL(backoff_wait_ms(cases[i].ceiling, &no_jitter), cases[i].want);
        CU_ASSERT_FALSE(no_jitter);
    }
}

static void backoff_wait_without_a_healthy_rng_is_half_and_says_so(void)
{
    bool no_jitter = false;

    draw_fails = 1;
    CU_ASSERT_EQUAL(backoff_wait_ms(8000, &no_jitter), 4000);
    CU_ASSERT_TRUE(no_jitter);
    draw_fails = 0;
}

static void backoff_ceiling_doubles_up_to_the_max(void)
{
    static const struct { uint32_t ceiling, max, want; } cases[] = {
        { 1000, 60000, 2000 },
        { 16000, 60000, 32000 },
        { 32000, 60000, 60000 },
        { 60000, 60000, 60000 },
        { 16000, 30000, 30000 },
        { 0x90000000u, 0xF0000000u, 0xF0000000u }, /* no overflow past the max */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CU_ASSERT_EQUAL(backoff_next_ceiling(cases[i].ceiling, cases[i].max), cases[i].want);
}

static CU_TestInfo backoff_tests[] = {
    { "backoff_wait_is_half_to_all_of_the_ceiling", backoff_wait_is_half_to_all_of_the_ceiling },
    { "backoff_wait_without_a_healthy_rng_is_half_and_says_so", backoff_wait_without_a_healthy_rng_is_half_and_says_so },
    { "backoff_ceiling_doubles_up_to_the_max", backoff_ceiling_doubles_up_to_the_max },
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cunit_run_suite("backoff", backoff_tests);
}
