/* tests/unit/core/test_mpu_perms.c: the PMSAv7 permission check against
 * the AP table of the ARMv7-M ARM (B3.5.9), XN, sub-regions, the background
 * region and region priority, one table row per case. */
#include "guest_harness.h"

#include <CUnit/Basic.h>
#include <string.h>

#define R UC_PROT_READ
#define W UC_PROT_WRITE
#define X UC_PROT_EXEC
#define RASR(ap, size_log2, xn, srd) \
    ((uint32_t)(xn) << 28 | (uint32_t)(ap) << 24 | (uint32_t)(srd) << 8 | ((size_log2) - 1) << 1 | 1)

static struct guest *g;

static void set_region(int n, uint32_t base, uint32_t rasr)
{
    g->m->mpu[n].rbar = base;
    g->m->mpu[n].rasr = rasr;
}

static void clear_mpu(uint32_t ctrl)
{
    memset(g->m->mpu, 0, sizeof(g->m->mpu));
    g->m->mpu_ctrl = ctrl;
}

static void mpu_ap_table_for_privileged_and_unprivileged(void)
{
    static const struct { unsigned ap; unsigned priv, unpriv; } rows[] = {
        { 0, 0, 0 },
        { 1, R | W, 0 },
        { 2, R | W, R },
        { 3, R | W, R | W },
        { 4, 0, 0 },          /* reserved */
        { 5, R, 0 },
        { 6, R, R },
        { 7, R, R },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        for (int xn = 0; xn <= 1; xn++) {
            clear_mpu(1);
            set_region(0, 0x20000000, RASR(rows[i].ap, 12, xn, 0));
            unsigned want_p = rows[i].priv | (!xn && (rows[i].priv & R) ? X : 0);
            unsigned want_u = rows[i].unpriv | (!xn && (rows[i].unpriv & R) ? X : 0);
            CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20000800, true), want_p);
            CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20000800, false), want_u);
        }
    }
}

static void mpu_background_region_only_for_privileged_with_privdefena(void)
{
    clear_mpu(1);
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20000000, true), 0);
    clear_mpu(1 | 4);
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20000000, true), R | W | X);
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x40000000, true), R | W);   /* peripherals XN */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20000000, false), 0);
    clear_mpu(0);                                                /* MPU off */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20000000, false), R | W | X);
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0xE0000000, false), R | W);
}

static void mpu_highest_region_wins_and_subregions_fall_through(void)
{
    clear_mpu(1);
    set_region(0, 0x20000000, RASR(3, 16, 1, 0));      /* 64 KiB RW XN */
    set_region(1, 0x20004000, RASR(6, 11, 0, 0x01));   /* 2 KiB RO, sub-region 0 off */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20004000, false), R | W);     /* falls to region 0 */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20004100, false), R | X);     /* region 1 */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20004800, false), R | W);     /* past region 1 */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20010000, false), 0);         /* past both */
    set_region(2, 0x20004000, RASR(0, 5, 1, 0));       /* 32 bytes, no access */
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x2000401C, true), 0);
    CU_ASSERT_EQUAL(mpu_perms(g->m, 0x20004020, true), R | W);  /* sub-region 0 off */
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    g = guest_new("svc_psp");
    if (!g)
        return 1;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("mpu", NULL, NULL);
    CU_add_test(s, "mpu_ap_table_for_privileged_and_unprivileged",
                mpu_ap_table_for_privileged_and_unprivileged);
    CU_add_test(s, "mpu_background_region_only_for_privileged_with_privdefena",
                mpu_background_region_only_for_privileged_with_privdefena);
    CU_add_test(s, "mpu_highest_region_wins_and_subregions_fall_through",
                mpu_highest_region_wins_and_subregions_fall_through);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    guest_free(g);
    return failed ? 1 : 0;
}
