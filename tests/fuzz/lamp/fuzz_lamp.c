/* Fuzz target: the whole lamp, its real firmware in the emulator, fed
 * hostile console bytes, BLE operations and a hostile broker's MQTT and
 * TLS (lamp_harness.h says how).
 *
 * The lamp boots once, in LLVMFuzzerInitialize; each input then runs in a
 * fork() of that process, which is a snapshot of everything for free (the
 * Unicorn core, guest RAM and flash, the BLE medium), and the parent stays
 * the booted lamp.  libFuzzer sees the guest's edge coverage: the child's
 * block hook counts into a shared map the parent copies into libFuzzer's
 * extra counters after the child ends (the host code the child ran is not
 * seen: it is the emulator's, not the lamp's).  A child that finds the
 * oracle broken, crashes, or hangs makes the parent abort, so libFuzzer
 * keeps the input as a crash.
 *
 * With LAMPSIM_FUZZ_GUEST_BLOCKS=FILE it measures instead of fuzzing (run
 * it with -runs=0 over a corpus): the children mark which guest blocks
 * ran, and FILE gets their addresses at exit (tools/fuzz.sh guest-coverage
 * maps them to the firmware's functions); libFuzzer then sees no guest
 * coverage. */
#include "lamp_harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COVERAGE_COUNTERS (1u << 16)
/* One entry per halfword of the first 2 MiB: all of flash, exactly. */
#define BLOCK_MAP_SIZE (1u << 20)
/* Host seconds a child may take: far more than any input needs (its
 * virtual time is bounded), less than libFuzzer's -timeout=10. */
#define CHILD_HOST_SECONDS 8u
/* Every this many inputs, a line of guest coverage on stderr. */
#define REPORT_EVERY 1000u

__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t guest_counters[COVERAGE_COUNTERS];
static uint8_t *shared_counters;        /* the children's, MAP_SHARED */
static uint8_t edges_seen[COVERAGE_COUNTERS]; /* ever, for the report */
static unsigned edges_total;
static unsigned long inputs, excused;
static size_t map_size;                 /* of shared_counters */
static struct lamp_harness *harness;
static const char *blocks_file;         /* measuring: where the blocks go */
static uint8_t *blocks_seen;            /* measuring: every child's, merged */

static void write_blocks(void)
{
    FILE *f = fopen(blocks_file, "w");
    unsigned n = 0;

    if (!f) {
        perror(blocks_file);
        return;
    }
    for (uint32_t i = 0; i < BLOCK_MAP_SIZE; i++)
        if (blocks_seen[i] && ++n)
            fprintf(f, "0x%08x\n", i << 1);
    if (fclose(f) != 0)
        perror(blocks_file);
    fprintf(stderr, "lamp-fuzz: %u guest blocks ran, listed in %s\n", n, blocks_file);
}

static void free_harness(void)
{
    if (blocks_file)
        write_blocks();
    else if (inputs)
        fprintf(stderr, "lamp-fuzz: done: %lu inputs (%lu excused), %u guest edges\n", inputs,
                excused, edges_total);
    lamp_harness_free(harness);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;

    (void)argc, (void)argv;
    /* The broker writes to connections the lamp may have closed: an error
     * it takes, not a signal (OpenSSL writes with write(2)). */
    signal(SIGPIPE, SIG_IGN);
    blocks_file = g_getenv("LAMPSIM_FUZZ_GUEST_BLOCKS");
    map_size = blocks_file ? BLOCK_MAP_SIZE : COVERAGE_COUNTERS;
    if (blocks_file)
        blocks_seen = g_malloc0(BLOCK_MAP_SIZE);
    shared_counters = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                           -1, 0);
    if (shared_counters == MAP_FAILED) {
        perror("lamp-fuzz: the shared coverage map");
        exit(1);
    }
    harness = lamp_harness_boot(&error);
    if (!harness ||
        !lamp_harness_cover(harness, blocks_file != NULL, shared_counters, map_size, &error)) {
        fprintf(stderr, "lamp-fuzz: %s\n", error->message);
        exit(1);
    }
    if (g_getenv("LAMPSIM_FUZZ_JUDGE_ALL"))
        lamp_harness_judge_all(harness);
    atexit(free_harness);
    return 0;
}

static void note_coverage(void)
{
    if (blocks_file) {
        for (uint32_t i = 0; i < BLOCK_MAP_SIZE; i++)
            blocks_seen[i] |= shared_counters[i];
        inputs++;
        return;
    }
    memcpy(guest_counters, shared_counters, COVERAGE_COUNTERS);
    for (unsigned i = 0; i < COVERAGE_COUNTERS; i++) {
        if (guest_counters[i] && !edges_seen[i]) {
            edges_seen[i] = 1;
            edges_total++;
        }
    }
    if (++inputs % REPORT_EVERY == 0)
        fprintf(stderr, "lamp-fuzz: %lu inputs (%lu excused), %u guest edges\n", inputs,
                excused, edges_total);
}

static _Noreturn void child(const uint8_t *data, size_t size)
{
    g_autoptr(GString) why = g_string_new(NULL);

    /* libFuzzer's handlers are inherited: its SIGALRM one would decide by
     * its own timer (and allocate, see run_in_child), and its SIGTERM one
     * would leave a child behind when meson stops the test.  The kernel's
     * default actions end the child whatever it is doing. */
    signal(SIGALRM, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    alarm(CHILD_HOST_SECONDS);
    switch (lamp_harness_run(harness, data, size, why)) {
    case LAMP_SURVIVED:
        _exit(0);
    case LAMP_EXCUSED:
        _exit(3);
    case LAMP_BROKEN:
        break;
    }
    fprintf(stderr, "lamp-fuzz: FINDING: %s\n", why->str);
    _exit(1);
}

/* Runs the input in a fork and returns its wait status.  A fork of a
 * process with threads (GLib's gmain, libFuzzer's RSS thread) can catch
 * ASan's allocator locked by one of them, and clang 14's ASan has no
 * fork handler: the child then hangs at its first allocation.  The lamp
 * is deterministic, so a real hang comes back on a second fork of the
 * same input; one that does not was the host's, and is said. */
static int run_in_child(const uint8_t *data, size_t size)
{
    int status = 0;

    for (int attempt = 1; attempt <= 2; attempt++) {
        memset(shared_counters, 0, map_size);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            perror("lamp-fuzz: fork");
            abort();
        }
        if (pid == 0)
            child(data, size);
        /* libFuzzer's timeout timer (SIGALRM) interrupts the wait */
        while (waitpid(pid, &status, 0) < 0) {
            if (errno == EINTR)
                continue;
            perror("lamp-fuzz: waitpid");
            abort();
        }
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGALRM || attempt == 2)
            break;
        fprintf(stderr, "lamp-fuzz: the input's process hung for %u host s; running it "
                "again to tell a host fork artefact from the lamp\n", CHILD_HOST_SECONDS);
        lamp_harness_after_child(harness);
    }
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status = run_in_child(data, size);

    lamp_harness_after_child(harness);
    note_coverage();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        excused++;
        return -1; /* not kept in the corpus: it asked for a reset */
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        fprintf(stderr, "lamp-fuzz: FINDING: the lamp's process died of %s%s\n",
                strsignal(WTERMSIG(status)),
                WTERMSIG(status) == SIGALRM ? " (a hang: no verdict in "
                                              G_STRINGIFY(CHILD_HOST_SECONDS) " host s)" : "");
    else
        fprintf(stderr, "lamp-fuzz: the lamp's process exited with %d\n", WEXITSTATUS(status));
    abort();
}
