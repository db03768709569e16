/* tests/unit/core/test_shared_core.c: what a machine does cannot depend on
 * the machines it shares a core with, nor on the thread it runs on
 * (docs/emulator.md#cores, #threads).  A set of guest programs that
 * exercise exceptions, faults, the MPU, sleeping, instruction sites and
 * long stretches of unprivileged thread mode on the process stack is
 * run deterministically three ways: each alone on a core of its own; all
 * interleaved on one core in short slices (so every slice is a core switch,
 * and programs, including two copies of one, share translated code); and
 * split over two threads with a core each, running at once.  Every
 * machine's fingerprint (instructions executed, virtual time, its log and
 * a hash of its SRAM) must be the same each way. */
#include "guest_harness.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static const char *const programs[] = {
    "priorities", "nesting", "wfi_systick", "usage_faults", "mpu_faults",
    "div_bus", "exec_faults", "subpriority", "priorities", "mpu_matrix", "unpriv_thread",
};
#define N_PROGRAMS G_N_ELEMENTS(programs)
#define MAX_INSNS 20000000u

struct fingerprint {
    uint64_t insns, time_ns;
    uint32_t log[64];
    char *sram_sha256;
    bool finished;
};

static void take_fingerprint(struct guest *g, struct fingerprint *fp)
{
    g_autofree uint8_t *sram = g_malloc(SRAM_SIZE);

    fp->insns = g->m->icount;
    fp->time_ns = machine_now_ns(g->m);
    for (unsigned i = 0; i < G_N_ELEMENTS(fp->log); i++)
        fp->log[i] = guest_log(g, i);
    machine_read_phys(g->m, SRAM_BASE, sram, SRAM_SIZE);
    fp->sram_sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, sram, SRAM_SIZE);
}

/* One slice of at most n instructions; true once the guest is done
 * (asleep with no timer armed, off or locked up, or out of budget). */
static bool step(struct guest *g, unsigned n)
{
    enum machine_state st = machine_run(g->m, n);

    if (st == MACHINE_SLEEPING) {
        if (machine_next_deadline_ns(g->m) == UINT64_MAX)
            return true;
        machine_skip_to_next_deadline(g->m);
    }
    return st == MACHINE_OFF || st == MACHINE_LOCKED_UP || g->m->icount >= MAX_INSNS;
}

/* Runs programs[first], programs[first + stride], ... on one core (NULL:
 * a core each), round robin in slices of slice instructions. */
static void run_group(unsigned first, unsigned stride, bool shared, unsigned slice,
                      struct fingerprint *out)
{
    g_autoptr(GError) error = NULL;
    struct machine_core *core = shared ? machine_core_new(N_PROGRAMS, &error) : NULL;
    struct guest *g[N_PROGRAMS] = { 0 };
    bool done[N_PROGRAMS] = { 0 };
    unsigned left = 0;

    if (shared && !core) {
        fprintf(stderr, "core: %s\n", error->message);
        CU_FAIL_FATAL("machine_core_new");
    }
    for (unsigned i = first; i < N_PROGRAMS; i += stride) {
        g[i] = guest_new_on_core(programs[i], core);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g[i]);
        left++;
    }
    machine_core_free(core); /* the machines hold it now */
    while (left > 0) {
        for (unsigned i = first; i < N_PROGRAMS; i += stride) {
            if (!done[i] && step(g[i], slice)) {
                done[i] = true;
                out[i].finished = g[i]->m->icount < MAX_INSNS;
                left--;
            }
        }
    }
    for (unsigned i = first; i < N_PROGRAMS; i += stride) {
        take_fingerprint(g[i], &out[i]);
        guest_free(g[i]);
    }
}

static void expect_same(const struct fingerprint *want, const struct fingerprint *got,
                        const char *how)
{
    for (unsigned i = 0; i < N_PROGRAMS; i++) {
        bool same = want[i].insns == got[i].insns && want[i].time_ns == got[i].time_ns &&
                    !memcmp(want[i].log, got[i].log, sizeof(want[i].log)) &&
                    !strcmp(want[i].sram_sha256, got[i].sram_sha256);
        if (!same)
            fprintf(stderr, "\n  %s: %s differs from alone: %llu vs %llu instructions, "
                    "%llu vs %llu ns, log[0] %u vs %u, SRAM %.12s vs %.12s", how, programs[i],
                    (unsigned long long)got[i].insns, (unsigned long long)want[i].insns,
                    (unsigned long long)got[i].time_ns, (unsigned long long)want[i].time_ns,
                    got[i].log[0], want[i].log[0], got[i].sram_sha256, want[i].sram_sha256);
        CU_ASSERT(same);
    }
}

static void free_fingerprints(struct fingerprint *fp)
{
    for (unsigned i = 0; i < N_PROGRAMS; i++)
        g_free(fp[i].sram_sha256);
}

struct half {
    unsigned first;
    struct fingerprint *out;
};

static gpointer run_half(gpointer data)
{
    struct half *h = data;
    GMainContext *ctx = g_main_context_new();

    /* as a fleet worker does: the machines are made on the thread that runs them */
    g_main_context_push_thread_default(ctx);
    run_group(h->first, 2, true, 1500, h->out);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    return NULL;
}

static void machines_behave_the_same_alone_sharing_a_core_and_on_two_threads(void)
{
    struct fingerprint alone[N_PROGRAMS] = { 0 }, shared[N_PROGRAMS] = { 0 },
                       threads[N_PROGRAMS] = { 0 };
    struct half halves[2] = { { 0, threads }, { 1, threads } };
    GThread *t[2];

    for (unsigned i = 0; i < N_PROGRAMS; i++)
        run_group(i, N_PROGRAMS, false, 50000, alone);
    for (unsigned i = 0; i < N_PROGRAMS; i++) {
        if (!alone[i].finished)
            fprintf(stderr, "\n  %s did not finish alone", programs[i]);
        CU_ASSERT(alone[i].finished);
        CU_ASSERT(alone[i].log[0] > 0); /* it logged something to compare */
    }
    run_group(0, 1, true, 997, shared);
    expect_same(alone, shared, "one shared core");
    for (unsigned i = 0; i < 2; i++)
        t[i] = g_thread_new("half", run_half, &halves[i]);
    for (unsigned i = 0; i < 2; i++)
        g_thread_join(t[i]);
    expect_same(alone, threads, "two threads");
    free_fingerprints(alone);
    free_fingerprints(shared);
    free_fingerprints(threads);
}

int main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("shared_core", NULL, NULL);
    CU_add_test(s, "machines_behave_the_same_alone_sharing_a_core_and_on_two_threads",
                machines_behave_the_same_alone_sharing_a_core_and_on_two_threads);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
