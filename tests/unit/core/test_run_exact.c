/* machine_run(m, k) stops at the first point at or after k instructions
 * where the CPU can stop, charging every counted cycle (exception entries,
 * resets) to the slice: so a machine run again from power on with, as
 * budgets, the differences between the counts another run stopped at
 * stops at exactly those counts.  Record/replay delivers each input there
 * (docs/emulator.md, docs/debugging.md#record-and-replay).  Guests that
 * fault, take SVCs, nest exceptions, sleep on SysTick and reset. */
#include "guest_harness.h"

#include <CUnit/Basic.h>

#define MAX_STOPS 4096
/* A run ends at most a translation block past its budget. */
#define MAX_BLOCK_INSNS 512

struct stop {
    uint64_t icount;
    uint32_t pc;
    bool slept; /* asleep there: the time skipped to the next deadline */
};

static const char *const guests[] = {
    "usage_faults", "svc_psp", "nesting", "wfi_systick", "sysresetreq", "stack_faults",
};

/* Budgets that do not divide anything evenly. */
static uint64_t budget(unsigned i)
{
    static const uint64_t b[] = { 7, 131, 1000, 3, 4999, 64, 12, 257 };
    return b[i % G_N_ELEMENTS(b)];
}

static uint32_t pc_of(struct machine *m)
{
    core_enter(m->core, m);
    return cpu_reg(m, UC_ARM_REG_PC);
}

/* Runs g with the budgets above, noting where each run stopped. */
static unsigned first_run(struct guest *g, struct stop *stops)
{
    unsigned n = 0;

    while (n < MAX_STOPS) {
        uint64_t before = g->m->icount, k = budget(n);
        enum machine_state st = machine_run(g->m, k);

        if (st == MACHINE_RUNNABLE) {
            CU_ASSERT_TRUE(g->m->icount - before >= k);
            CU_ASSERT_TRUE(g->m->icount - before < k + MAX_BLOCK_INSNS);
        }
        stops[n] = (struct stop){ g->m->icount, pc_of(g->m), st == MACHINE_SLEEPING };
        n++;
        if (st == MACHINE_SLEEPING && machine_next_deadline_ns(g->m) != UINT64_MAX)
            machine_skip_to_next_deadline(g->m);
        else if (st != MACHINE_RUNNABLE)
            break;
    }
    return n;
}

static void run_again_stops_exactly(const char *name)
{
    static struct stop stops[MAX_STOPS];
    struct guest *a = guest_new(name), *b = guest_new(name);
    unsigned n;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    n = first_run(a, stops);
    CU_ASSERT_TRUE(n > 1);
    for (unsigned i = 0; i < n; i++) {
        uint64_t want = stops[i].icount;
        while (b->m->icount < want) {
            uint64_t before = b->m->icount;
            machine_run(b->m, want - b->m->icount);
            if (b->m->icount == before)
                break;
        }
        if (b->m->icount != want || pc_of(b->m) != stops[i].pc) {
            fprintf(stderr, "%s: stop %u: at %llu pc 0x%08x, first run %llu pc 0x%08x\n", name,
                    i, (unsigned long long)b->m->icount, pc_of(b->m),
                    (unsigned long long)want, stops[i].pc);
            CU_FAIL("the run again did not stop where the first did");
            break;
        }
        if (stops[i].slept && machine_next_deadline_ns(b->m) != UINT64_MAX)
            machine_skip_to_next_deadline(b->m);
    }
    guest_free(a);
    guest_free(b);
}

static void run_exact_all_guests(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guests); i++)
        run_again_stops_exactly(guests[i]);
}

int main(void)
{
    CU_pSuite suite;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("run_exact", NULL, NULL);
    CU_add_test(suite, "machine_run_again_with_the_differences_stops_exactly_there",
                run_exact_all_guests);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
