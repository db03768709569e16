/* bench/emu_costs.c: what lampsim's emulator charges for each kind of work
 * a lamp asks of it, measured on lampsim's own machine (emu/, the same
 * hooks, TLB and core as a fleet's lamps) running the loops of
 * bench/emu_costs/loops.S:
 *   emu_insn_ns       one guest instruction (a load, add, store, branch mix)
 *   emu_mmio_ns       one device register read, over an SRAM read
 *   emu_entry_ns      one entry into the emulator and back (machine_run)
 *   emu_switch_ns     putting another machine's registers into a shared core
 * bench/tls_fleet.sh multiplies a handshake's counts by these to show
 * where its CPU goes.  Times are this thread's CPU time; each figure is the
 * best of a few repetitions (the machine is shared: noise only adds).
 *
 * Usage: emu_costs DIR   (DIR: where loops_*.bin are) */
#include "machine.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define REPEAT 5

static const char *bin_dir;

static double thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, GError *error)
{
    fprintf(stderr, "emu_costs: %s: %s\n", what, error ? error->message : "failed");
    exit(1);
}

struct lamp {
    struct machine *m;
    char *dir;
};

static struct lamp lamp_new(const char *loop, struct machine_core *core)
{
    g_autofree char *path = g_strdup_printf("%s/loops_%s.bin", bin_dir, loop);
    g_autofree char *code = NULL;
    GError *error = NULL;
    gsize len;
    struct lamp l = { .dir = g_dir_make_tmp("lampsim-emu-costs-XXXXXX", &error) };
    struct machine_config cfg = {
        .name = loop, .time_mode = MACHINE_TIME_DETERMINISTIC, .rng_seeded = true, .seed = 1,
        .core = core,
    };

    if (!l.dir)
        die("temporary directory", error);
    if (!g_file_get_contents(path, &code, &len, &error))
        die(path, error);
    cfg.state_dir = l.dir;
    l.m = machine_new(&cfg, &error);
    if (!l.m || !machine_factory_write(l.m, 0, code, len, &error))
        die(path, error);
    machine_power_on(l.m);
    return l;
}

static void lamp_free(struct lamp l)
{
    const char *names[] = { "lamp.img", "lamp.img.tmp", "lamp.lock" };

    machine_free(l.m);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *p = g_build_filename(l.dir, names[i], NULL);
        g_unlink(p);
    }
    g_rmdir(l.dir);
    g_free(l.dir);
}

struct run {
    double seconds;
    struct machine_stats delta; /* of the first machine */
};

static void stats_delta(struct machine_stats *d, const struct machine_stats *a,
                        const struct machine_stats *b)
{
    d->instructions = b->instructions - a->instructions;
    d->cpu_entries = b->cpu_entries - a->cpu_entries;
    d->mmio_accesses = b->mmio_accesses - a->mmio_accesses;
    d->core_switches = b->core_switches - a->core_switches;
}

/* slices x budget instructions, alternating over n machines; the best of
 * REPEAT runs. */
static struct run timed(struct lamp *l, unsigned n, unsigned slices, uint64_t budget)
{
    struct run best = { .seconds = 1e30 };

    for (int r = 0; r < REPEAT; r++) {
        struct machine_stats a, b;
        struct run now;
        double t0;

        machine_get_stats(l[0].m, &a);
        t0 = thread_seconds();
        for (unsigned s = 0; s < slices; s++)
            for (unsigned i = 0; i < n; i++)
                if (machine_run(l[i].m, budget) != MACHINE_RUNNABLE) {
                    fprintf(stderr, "emu_costs: the %s loop stopped running\n",
                            machine_name(l[i].m));
                    exit(1);
                }
        now.seconds = thread_seconds() - t0;
        machine_get_stats(l[0].m, &b);
        stats_delta(&now.delta, &a, &b);
        if (now.seconds < best.seconds)
            best = now;
    }
    return best;
}

int main(int argc, char **argv)
{
    const uint64_t long_run = 20000000, short_slice = 64;
    struct lamp alu, sram, mmio, pair[2];
    struct machine_core *core;
    GError *error = NULL;
    struct run r, base;
    double insn, mmio_ns, entry, sw;

    if (argc != 2) {
        fprintf(stderr, "usage: emu_costs DIR   (DIR holds loops_alu.bin, loops_sram.bin, "
                        "loops_mmio.bin)\n");
        return 2;
    }
    bin_dir = argv[1];

    alu = lamp_new("alu", NULL);
    timed(&alu, 1, 1, 100000); /* translate before timing */
    r = timed(&alu, 1, 1, long_run);
    insn = r.seconds * 1e9 / r.delta.instructions;

    sram = lamp_new("sram", NULL);
    mmio = lamp_new("mmio", NULL);
    timed(&sram, 1, 1, 100000);
    timed(&mmio, 1, 1, 100000);
    base = timed(&sram, 1, 1, long_run / 4);
    r = timed(&mmio, 1, 1, long_run / 4);
    if (r.delta.mmio_accesses == 0) {
        fprintf(stderr, "emu_costs: the MMIO loop made no register accesses\n");
        return 1;
    }
    mmio_ns = (r.seconds - base.seconds * r.delta.instructions / base.delta.instructions) * 1e9 /
              r.delta.mmio_accesses;

    r = timed(&alu, 1, 200000, short_slice);
    entry = (r.seconds * 1e9 - r.delta.instructions * insn) / r.delta.cpu_entries;

    core = machine_core_new(2, &error);
    if (!core)
        die("core", error);
    pair[0] = lamp_new("alu", core);
    pair[1] = lamp_new("alu", core);
    timed(pair, 2, 1000, short_slice);
    r = timed(pair, 2, 100000, short_slice);
    if (r.delta.core_switches == 0) {
        fprintf(stderr, "emu_costs: two machines on one core never switched\n");
        return 1;
    }
    /* each slice of the pair is an entry plus, here, a switch */
    sw = (r.seconds * 1e9 / 2 - r.delta.instructions * insn - r.delta.cpu_entries * entry) /
         r.delta.core_switches;

    printf("emu_insn_ns: %.2f\n", insn);
    printf("emu_mmio_ns: %.0f\n", mmio_ns);
    printf("emu_entry_ns: %.0f\n", entry);
    printf("emu_switch_ns: %.0f\n", sw);
    lamp_free(alu);
    lamp_free(sram);
    lamp_free(mmio);
    lamp_free(pair[0]);
    lamp_free(pair[1]);
    machine_core_free(core);
    return 0;
}
