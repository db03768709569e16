/* tests/unit/core/test_core.c: the exception model, SCB fault reporting
 * and SysTick/WFI, each against a tiny guest program (see guest/). */
#include "guest_harness.h"

#include <CUnit/Basic.h>
#include <string.h>

#define RESULT 0x20000000u

static struct guest *boot(const char *name)
{
    struct guest *g = guest_new(name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_TRUE(guest_run(g, 2000000));
    return g;
}

static void check_log(struct guest *g, const uint32_t *want, unsigned n)
{
    CU_ASSERT_EQUAL(guest_log(g, 0), n);
    for (unsigned i = 0; i < n; i++) {
        if (guest_log(g, i + 1) != want[i])
            fprintf(stderr, "\n  log[%u] = 0x%08x, want 0x%08x", i, guest_log(g, i + 1), want[i]);
        CU_ASSERT_EQUAL(guest_log(g, i + 1), want[i]);
    }
}

static void svc_from_unprivileged_psp_thread_returns_through_fffffffd(void)
{
    struct guest *g = boot("svc_psp");

    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 16), 11);           /* IPSR in handler */
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 20), 0xFFFFFFFDu);  /* EXC_RETURN */
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 24), 0x20010000u);  /* MSP untouched */
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 0), 3);             /* CONTROL restored */
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 4), 0x20008000u);   /* PSP popped */
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 8), 0x44);          /* r4 preserved */
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 12), 0x11);         /* stacked r0 restored */
    guest_free(g);
}

static void unprivileged_thread_on_psp_is_preempted_and_held_by_basepri(void)
{
    /* Each half of the loop logs its sum and SP; each SVC the ticks so
     * far and BASEPRI; then CONTROL. */
    struct guest *g = boot("unpriv_thread");

    CU_ASSERT_EQUAL(guest_log(g, 0), 9);
    CU_ASSERT_EQUAL(guest_log(g, 1), guest_log(g, 5));   /* the same sum both halves */
    CU_ASSERT_EQUAL(guest_log(g, 2), 0x20008000u - 12);  /* PSP, under work's frame */
    CU_ASSERT_EQUAL(guest_log(g, 6), 0x20008000u - 12);
    CU_ASSERT(guest_log(g, 3) >= 5);                     /* ticks preempted the first half */
    CU_ASSERT_EQUAL(guest_log(g, 4), 0);                 /* BASEPRI */
    CU_ASSERT_EQUAL(guest_log(g, 7), guest_log(g, 3));   /* and none the second */
    CU_ASSERT_EQUAL(guest_log(g, 8), 0x80);
    CU_ASSERT_EQUAL(guest_log(g, 9), 2);                 /* privileged, still on PSP */
    guest_free(g);
}

static void priorities_preemption_tail_chaining_and_basepri(void)
{
    /* SysTick first (0x80 beats 0xF0), PendSV tail-chained, SysTick
     * preempting PendSV, then BASEPRI=0x80 holding SysTick until cleared. */
    static const uint32_t want[] = { 15, 14, 15, 0xEE, 0xB1, 15, 0xB2 };
    struct guest *g = boot("priorities");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

static void mpu_faults_report_daccviol_with_mmfar_and_honour_subregions(void)
{
    static const uint32_t want[] = {
        0xA1,                     /* disabled sub-region: lower region allows */
        0x82, 0x20008100u, 0xA2,  /* enabled no-access sub-region */
        0x82, 0x20004010u, 0xA3,  /* unprivileged write to AP=2 */
    };
    struct guest *g = boot("mpu_faults");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

static void div0_traps_only_with_div_0_trp_and_bus_fault_escalates(void)
{
    struct guest *g = boot("div_bus");
    uint32_t pc = guest_log(g, 3), insn = 0;

    CU_ASSERT_EQUAL(guest_log(g, 0), 8);
    CU_ASSERT_EQUAL(guest_log(g, 1), 0);                  /* no trap: result 0 */
    CU_ASSERT_EQUAL(guest_log(g, 2), 1u << 25);           /* DIVBYZERO */
    machine_read_phys(g->m, pc, &insn, 2);
    CU_ASSERT_EQUAL(insn & 0xFFF0, 0xFB90);               /* stacked PC is the SDIV */
    CU_ASSERT_EQUAL(guest_log(g, 4), 0xD1);
    CU_ASSERT_EQUAL(guest_log(g, 5), 1u << 30);           /* HFSR.FORCED */
    CU_ASSERT_EQUAL(guest_log(g, 6), (1u << 9) | (1u << 15)); /* PRECISERR|BFARVALID */
    CU_ASSERT_EQUAL(guest_log(g, 7), 0x50000000u);        /* BFAR */
    CU_ASSERT_EQUAL(guest_log(g, 8), 0xD2);
    guest_free(g);
}

static void wfi_sleeps_until_systick_and_illegal_exc_return_is_invpc(void)
{
    static const uint32_t want[] = { 15, 0x5A, 15, 0x5A, 15, 1u << 18 };
    struct guest *g = boot("wfi_systick");

    check_log(g, want, G_N_ELEMENTS(want));
    /* Three ticks of 100 us went by in virtual time, mostly asleep. */
    CU_ASSERT_TRUE(machine_now_ns(g->m) >= 300000);
    CU_ASSERT_TRUE(g->m->icount < 2000);
    guest_free(g);
}

static void fault_in_hardfault_locks_up_and_resets_with_cause_lockup(void)
{
    /* RAM survives the warm reset's retained area only; LOG is in the
     * refilled part, so the program logs again after the reset. */
    struct guest *g = boot("lockup");

    CU_ASSERT_EQUAL(g->m->reset_cause, MACHINE_RESET_LOCKUP);
    CU_ASSERT_EQUAL(g->m->stats.resets, 2);
    CU_ASSERT_EQUAL(guest_log(g, 1) & 0x8, 0x8);
    guest_free(g);
}

static void every_exc_return_value_nesting_and_masks(void)
{
    static const uint32_t want[] = {
        14, 0xFFFFFFF9u, 11, 0xFFFFFFF1u, 0, (1u << 10) | (1u << 7), 0, 0xB0, 0xA0,
        0xA1, 15, 0xA2,                         /* PRIMASK holds SysTick */
        2, 0xA3,                                /* FAULTMASK holds PendSV, not NMI */
        14, 0xFFFFFFF9u, 11, 0xFFFFFFF1u, 0, (1u << 10) | (1u << 7), 0, 0xB0, 0xA4,
        0xA5,                                   /* SEV: WFE falls through */
        14, 0xFFFFFFF9u, 1u << 18, 0xFFFFFFF0u, /* lone 0xFFFFFFF1: INVPC */
    };
    struct guest *g = boot("nesting");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

static void subpriority_orders_pending_irqs_of_one_group(void)
{
    static const uint32_t want[] = { 0xFA050000u, 0xFA050500u, 17, 17, 16, 18, 0xC0 };
    struct guest *g = boot("subpriority");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

static void sysresetreq_resets_with_its_cause_only_with_vectkey(void)
{
    struct guest *g = boot("sysresetreq");

    CU_ASSERT_EQUAL(g->m->reset_cause, MACHINE_RESET_SYSRESETREQ);
    CU_ASSERT_EQUAL(g->m->stats.resets, 2);
    CU_ASSERT_EQUAL(guest_log(g, 0), 2);
    /* RESETCAUSE accumulates until cleared (docs/hardware.md) */
    CU_ASSERT_EQUAL(guest_log(g, 1), MACHINE_RESET_POR | MACHINE_RESET_SYSRESETREQ);
    CU_ASSERT_EQUAL(guest_log(g, 2), 0x52);     /* the keyless write did not reset */
    guest_free(g);
}

static void stacking_and_unstacking_faults_set_stkerr_bits(void)
{
    static const uint32_t want[] = {
        CFSR_MSTKERR, 4, 1u << 15, 0x200081E0u, /* SVCall stays pending */
        CFSR_MUNSTKERR, 0xFFFFFFFDu,            /* tail-chained, same EXC_RETURN */
        CFSR_STKERR, 2, 1u << 14,               /* NMI wins, BusFault pended */
    };
    struct guest *g = boot("stack_faults");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

static void fetch_faults_ibuserr_unmapped_and_iaccviol_on_xn_ram(void)
{
    static const uint32_t want[] = {
        0xE1,                                   /* SRAM runs with the MPU off */
        CFSR_IBUSERR, 0x30000000u, 0xE2,
        CFSR_IACCVIOL, 0x20002000u, 0xE3,
    };
    struct guest *g = boot("exec_faults");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

static void mpu_each_ap_value_privileged_and_unprivileged_load_store(void)
{
    /* per AP: privileged load, store, unprivileged load, store */
    static const uint32_t want[] = {
        0, 0, 0, 0,  1, 1, 0, 0,  1, 1, 1, 0,  1, 1, 1, 1,
        0, 0, 0, 0,  1, 0, 0, 0,  1, 0, 1, 0,  1, 0, 1, 0,
        0, 1,                                   /* background: off, PRIVDEFENA */
    };
    struct guest *g = boot("mpu_matrix");

    check_log(g, want, G_N_ELEMENTS(want));
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT), CFSR_DACCVIOL | CFSR_MMARVALID);
    CU_ASSERT_EQUAL(guest_ram32(g, RESULT + 4), 0x40000000u);
    guest_free(g);
}

static uint16_t insn_at(struct guest *g, uint32_t pc)
{
    uint16_t hw = 0;
    machine_read_phys(g->m, pc, &hw, 2);
    return hw;
}

static void usage_faults_nocp_unaligned_undefinstr_invstate_and_escalation(void)
{
    struct guest *g = boot("usage_faults");

    CU_ASSERT_EQUAL(guest_log(g, 0), 17);
    CU_ASSERT_EQUAL(guest_log(g, 1), CFSR_NOCP);
    CU_ASSERT_EQUAL(insn_at(g, guest_log(g, 2)) & 0xEC00, 0xEC00);   /* the VADD */
    CU_ASSERT_EQUAL(guest_log(g, 3), 0xF1);                          /* CPACR full */
    CU_ASSERT_EQUAL(guest_log(g, 4), CFSR_NOCP);                     /* unprivileged */
    CU_ASSERT_EQUAL(insn_at(g, guest_log(g, 5)) & 0xEC00, 0xEC00);
    CU_ASSERT_EQUAL(guest_log(g, 6), 0xF2);
    CU_ASSERT_EQUAL(guest_log(g, 7), CFSR_UNALIGNED);
    CU_ASSERT_EQUAL(insn_at(g, guest_log(g, 8)) & 0xFFF0, 0xE850);   /* LDREX */
    CU_ASSERT_EQUAL(guest_log(g, 9), CFSR_UNDEFINSTR);
    CU_ASSERT_EQUAL(insn_at(g, guest_log(g, 10)) & 0xFFF0, 0xF7F0);  /* UDF.W */
    CU_ASSERT_EQUAL(guest_log(g, 12), CFSR_INVSTATE);
    CU_ASSERT_EQUAL(guest_log(g, 13), guest_log(g, 11));             /* at the target */
    CU_ASSERT_EQUAL(guest_log(g, 14), 0xF3);
    CU_ASSERT_EQUAL(guest_log(g, 15), HFSR_FORCED);    /* same priority: escalated */
    CU_ASSERT_EQUAL(guest_log(g, 16), CFSR_UNDEFINSTR);
    CU_ASSERT_EQUAL(guest_log(g, 17), 0xF4);
    guest_free(g);
}

static void scs_is_privileged_only_with_precise_busfault_and_userset_stir(void)
{
    static const uint32_t want[] = {
        CFSR_PRECISERR | CFSR_BFARVALID, 0xE000ED04u, 0x1234,
        CFSR_PRECISERR | CFSR_BFARVALID, 0xE000EF00u,
        16, 0x5C,                               /* STIR with USERSETMPEND */
    };
    struct guest *g = boot("scs_unpriv");

    check_log(g, want, G_N_ELEMENTS(want));
    guest_free(g);
}

/* The counters behind `lampsim fleet`'s per-handshake figures. */
static void stats_count_stores_register_accesses_and_entries(void)
{
    struct guest *g = guest_new_counting_stores("counters");
    struct machine_stats st;

    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_TRUE(guest_run(g, 100000));
    machine_get_stats(g->m, &st);
    CU_ASSERT_EQUAL(st.guest_stores, 1000);
    CU_ASSERT_EQUAL(st.mmio_accesses, 10);
    CU_ASSERT_TRUE(st.cpu_entries >= 1 && st.cpu_entries < 20);
    guest_free(g);

    g = guest_new("counters");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_TRUE(guest_run(g, 100000));
    machine_get_stats(g->m, &st);
    CU_ASSERT_EQUAL(st.guest_stores, 0); /* not asked for */
    CU_ASSERT_EQUAL(st.mmio_accesses, 10);
    guest_free(g);
}

/* machine_set_coverage (the whole-lamp fuzzer's guest coverage): blocks
 * mode marks the reset handler's first block and others; edge mode counts
 * the loop's edges over and over; a size not a power of two is refused. */
static void coverage_marks_blocks_and_counts_edges(void)
{
    struct guest *g = guest_new("counters");
    g_autofree uint8_t *map = g_malloc0(1u << 20);
    uint32_t reset_vector = 0;
    unsigned marked = 0, edges = 0, most = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_FALSE(machine_set_coverage(g->m, MACHINE_COVERAGE_EDGES, map, 1000, NULL));
    CU_ASSERT_TRUE_FATAL(machine_set_coverage(g->m, MACHINE_COVERAGE_BLOCKS, map, 1u << 20, NULL));
    CU_ASSERT_TRUE(guest_run(g, 100000));
    CU_ASSERT_TRUE(machine_read_phys(g->m, 4, &reset_vector, 4));
    CU_ASSERT_EQUAL(map[(reset_vector & ~1u) >> 1], 1);
    for (uint32_t i = 0; i < 1u << 20; i++)
        marked += map[i] != 0;
    CU_ASSERT_TRUE(marked > 1);
    guest_free(g);

    g = guest_new("counters");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    memset(map, 0, 1u << 16);
    CU_ASSERT_TRUE_FATAL(machine_set_coverage(g->m, MACHINE_COVERAGE_EDGES, map, 1u << 16, NULL));
    CU_ASSERT_TRUE(guest_run(g, 100000));
    for (uint32_t i = 0; i < 1u << 16; i++) {
        edges += map[i] != 0;
        most = MAX(most, map[i]);
    }
    CU_ASSERT_TRUE(edges > 1);
    CU_ASSERT_TRUE(most > 1); /* the loop's edge, taken again and again */
    guest_free(g);
}

int main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("exception_model", NULL, NULL);
    CU_add_test(s, "coverage_marks_blocks_and_counts_edges", coverage_marks_blocks_and_counts_edges);
    CU_add_test(s, "svc_from_unprivileged_psp_thread_returns_through_fffffffd",
                svc_from_unprivileged_psp_thread_returns_through_fffffffd);
    CU_add_test(s, "unprivileged_thread_on_psp_is_preempted_and_held_by_basepri",
                unprivileged_thread_on_psp_is_preempted_and_held_by_basepri);
    CU_add_test(s, "priorities_preemption_tail_chaining_and_basepri",
                priorities_preemption_tail_chaining_and_basepri);
    CU_add_test(s, "wfi_sleeps_until_systick_and_illegal_exc_return_is_invpc",
                wfi_sleeps_until_systick_and_illegal_exc_return_is_invpc);
    CU_add_test(s, "every_exc_return_value_nesting_and_masks",
                every_exc_return_value_nesting_and_masks);
    CU_add_test(s, "subpriority_orders_pending_irqs_of_one_group",
                subpriority_orders_pending_irqs_of_one_group);
    s = CU_add_suite("scb", NULL, NULL);
    CU_add_test(s, "sysresetreq_resets_with_its_cause_only_with_vectkey",
                sysresetreq_resets_with_its_cause_only_with_vectkey);
    CU_add_test(s, "scs_is_privileged_only_with_precise_busfault_and_userset_stir",
                scs_is_privileged_only_with_precise_busfault_and_userset_stir);
    s = CU_add_suite("faults", NULL, NULL);
    CU_add_test(s, "stacking_and_unstacking_faults_set_stkerr_bits",
                stacking_and_unstacking_faults_set_stkerr_bits);
    CU_add_test(s, "fetch_faults_ibuserr_unmapped_and_iaccviol_on_xn_ram",
                fetch_faults_ibuserr_unmapped_and_iaccviol_on_xn_ram);
    CU_add_test(s, "usage_faults_nocp_unaligned_undefinstr_invstate_and_escalation",
                usage_faults_nocp_unaligned_undefinstr_invstate_and_escalation);
    CU_add_test(s, "mpu_each_ap_value_privileged_and_unprivileged_load_store",
                mpu_each_ap_value_privileged_and_unprivileged_load_store);
    CU_add_test(s, "mpu_faults_report_daccviol_with_mmfar_and_honour_subregions",
                mpu_faults_report_daccviol_with_mmfar_and_honour_subregions);
    CU_add_test(s, "div0_traps_only_with_div_0_trp_and_bus_fault_escalates",
                div0_traps_only_with_div_0_trp_and_bus_fault_escalates);
    CU_add_test(s, "fault_in_hardfault_locks_up_and_resets_with_cause_lockup",
                fault_in_hardfault_locks_up_and_resets_with_cause_lockup);
    s = CU_add_suite("stats", NULL, NULL);
    CU_add_test(s, "stats_count_stores_register_accesses_and_entries",
                stats_count_stores_register_accesses_and_entries);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
