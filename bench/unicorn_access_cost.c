/* bench/unicorn_access_cost.c: what one guest memory access costs in the
 * Unicorn the system provides, with no lampsim around it: a Cortex-M4
 * loop of two stores, two loads or two NOPs (plus SUBS and BNE) run
 * N times from flash-like memory on SRAM-like memory, without hooks, with
 * one block hook (as lampsim runs since Unicorn 2.1), with one code
 * hook on every instruction (as lampsim ran on 2.0.1), and bounded by
 * uc_emu_start's instruction count instead (Unicorn's own way to end a
 * run after N instructions, which lampsim does not use: this shows why).  Prints the ns a
 * store or a load adds over a NOP, and the ns per instruction of the NOP
 * loop.  bench/emu_costs measures the same in lampsim's own machine.
 *
 * Why: Unicorn 2.0.1 marks every RAM page "not dirty" for good (its
 * dirty-memory bitmap is a stub), so every guest store leaves the
 * generated code for the store helper, which builds and frees a page
 * collection (upstream issues #1838, #1970): about 70 ns a store, a floor
 * under anything store-heavy such as a TLS handshake.  2.1 fixed it (about
 * 1 ns); this keeps showing which one the system has.
 *
 * Usage: unicorn_access_cost [ITERATIONS]   (default 2000000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicorn/unicorn.h>

enum { CODE_BASE = 0, SRAM_BASE = 0x20000000, REGION = 64 * 1024 };

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void count_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    (void)uc, (void)addr, (void)size;
    ++*(uint64_t *)user;
}

/* counts the loop's four instructions a block at a time */
static void count_block(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
    (void)uc, (void)addr;
    *(uint64_t *)user += size / 2;
}

enum hooks { PLAIN, BLOCK_HOOK, CODE_HOOK, COUNTED };

/* ns per loop iteration of the five-halfword Thumb loop `body` */
static double loop_ns(const uint16_t body[5], uint32_t iterations, enum hooks hooked)
{
    static uint8_t code[REGION], sram[REGION];
    uc_engine *uc;
    uc_hook hook;
    uint64_t insns = 0;
    uint32_t r0 = SRAM_BASE + 0x100, r2 = iterations;
    uc_err err = uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &uc);

    if (err) {
        fprintf(stderr, "unicorn_access_cost: uc_open: %s\n", uc_strerror(err));
        exit(1);
    }
    memset(code, 0, sizeof(code));
    memcpy(code, body, 5 * sizeof(uint16_t));
    err = uc_ctl_set_cpu_model(uc, UC_CPU_ARM_CORTEX_M4);
    if (!err)
        err = uc_mem_map_ptr(uc, CODE_BASE, REGION, UC_PROT_READ | UC_PROT_EXEC, code);
    if (!err)
        err = uc_mem_map_ptr(uc, SRAM_BASE, REGION, UC_PROT_ALL, sram);
    if (!err && hooked == CODE_HOOK)
        err = uc_hook_add(uc, &hook, UC_HOOK_CODE, count_insn, &insns, 1, 0);
    if (!err && hooked == BLOCK_HOOK)
        err = uc_hook_add(uc, &hook, UC_HOOK_BLOCK, count_block, &insns, 1, 0);
    if (!err)
        err = uc_reg_write(uc, UC_ARM_REG_R0, &r0);
    if (!err)
        err = uc_reg_write(uc, UC_ARM_REG_R2, &r2);
    double t0 = cpu_seconds();
    /* runs up to the final NOP (the fifth halfword); COUNTED: stopped by
     * the count at the same place */
    if (!err)
        err = uc_emu_start(uc, CODE_BASE | 1, CODE_BASE + 8, 0,
                           hooked == COUNTED ? 4ull * iterations : 0);
    double t = cpu_seconds() - t0;
    if (err) {
        fprintf(stderr, "unicorn_access_cost: %s\n", uc_strerror(err));
        exit(1);
    }
    if ((hooked == BLOCK_HOOK || hooked == CODE_HOOK) && insns < 4ull * iterations) {
        fprintf(stderr, "unicorn_access_cost: the hook saw %llu instructions, expected %llu\n",
                (unsigned long long)insns, 4ull * iterations);
        exit(1);
    }
    uc_close(uc);
    return t / iterations * 1e9;
}

int main(int argc, char **argv)
{
    /* loop: <op>; <op>; subs r2, #1; bne loop; nop */
    static const uint16_t stores[5] = { 0x6001 /* str r1,[r0] */, 0x6041 /* str r1,[r0,#4] */,
                                        0x3a01, 0xd1fb, 0xbf00 };
    static const uint16_t loads[5] = { 0x6801 /* ldr r1,[r0] */, 0x6843 /* ldr r3,[r0,#4] */,
                                       0x3a01, 0xd1fb, 0xbf00 };
    static const uint16_t nops[5] = { 0xbf00, 0xbf00, 0x3a01, 0xd1fb, 0xbf00 };
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;

    if (n <= 0 || n > 0x7FFFFFFF) {
        fprintf(stderr, "usage: unicorn_access_cost [ITERATIONS]\n");
        return 2;
    }
    static const char *const names[] = { "plain", "block_hooked", "hooked", "counted" };
    for (enum hooks hooked = PLAIN; hooked <= COUNTED; hooked++) {
        double s = loop_ns(stores, (uint32_t)n, hooked), l = loop_ns(loads, (uint32_t)n, hooked);
        double z = loop_ns(nops, (uint32_t)n, hooked);
        const char *k = names[hooked];
        printf("unicorn_%s_store_ns: %.1f\n", k, (s - z) / 2);
        printf("unicorn_%s_load_ns: %.1f\n", k, (l - z) / 2);
        printf("unicorn_%s_insn_ns: %.1f\n", k, z / 4);
    }
    return 0;
}
