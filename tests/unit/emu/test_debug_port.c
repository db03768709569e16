/* tests/unit/emu/test_debug_port.c: the debug access port (debug_port.h)
 * on tiny guest programs (guest/debug_target.S, guest/debug_fault.S,
 * guest/it_block.S). */
#include "guest_harness.h"
#include "debug_port.h"
#include "otp_layout.h"

#include <CUnit/Basic.h>
#include <string.h>

#define SYMS 0xC0u /* the guests' table of label addresses, after the vectors */
enum { T_LOOP_BODY, T_FUNC_ADD, T_UNPRIV_SPOT, T_END_SPOT, T_AFTER_STORE };
enum { F_FAULT_INSN, F_HANDLER, F_AFTER_CALL, F_WDT_SLEEP };
#define VAR 0x20000010u
#define TICKS 0x20000020u
#define SECRET 0x20004000u
#define IT_WATCHED 0x20002000u /* guest/it_block.S's WATCHED */
#define ITERATIONS 1000u
#define MAX_INSNS 5000000u

struct lamp {
    struct guest *g;
    GString *console;
    unsigned wakes;
};

static void on_console(void *user, const uint8_t *buf, size_t len)
{
    g_string_append_len(((struct lamp *)user)->console, (const char *)buf, (gssize)len);
}

static void on_wake(void *user)
{
    ((struct lamp *)user)->wakes++;
}

static struct lamp *lamp_new(const char *name, enum machine_time_mode mode,
                             struct machine_core *core)
{
    struct lamp *l = g_new0(struct lamp, 1);
    struct machine_config cfg = {
        .time_mode = mode, .rng_seeded = true, .seed = 1,
        .log_mask = MACHINE_LOG_GUEST_ERROR | MACHINE_LOG_UNIMP | MACHINE_LOG_INFO,
        .hooks = { .log = guest_on_log, .console_tx = on_console, .wake = on_wake, .user = l },
        .core = core,
    };

    l->console = g_string_new(NULL);
    l->g = guest_new_config(name, &cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l->g);
    return l;
}

static void lamp_free(struct lamp *l)
{
    guest_free(l->g);
    g_string_free(l->console, TRUE);
    g_free(l);
}

static uint32_t sym(struct lamp *l, unsigned i)
{
    uint32_t v = 0;
    machine_read_phys(l->g->m, SYMS + 4 * i, &v, 4);
    return v & ~1u;
}

static void set_locks(struct lamp *l, uint32_t locks)
{
    g_autoptr(GError) error = NULL;
    CU_ASSERT_FATAL(machine_factory_write(l->g->m, OTP_BASE + OTP_LOCKS_OFFSET, &locks, 4, &error));
}

/* Runs until the debug port halts it or the guest is done (asleep with
 * nothing armed); returns the state it ended in. */
static enum machine_state run(struct lamp *l)
{
    struct machine *m = l->g->m;
    uint64_t start = l->g->m->icount;

    while (m->icount - start < MAX_INSNS) {
        enum machine_state st = machine_run(m, 10000);
        if (st == MACHINE_SLEEPING) {
            if (machine_next_deadline_ns(m) == UINT64_MAX)
                return st;
            machine_skip_to_next_deadline(m);
        } else if (st != MACHINE_RUNNABLE) {
            return st;
        }
    }
    return machine_state(m);
}

static uint32_t reg(struct lamp *l, enum debug_reg r)
{
    uint32_t v = 0xDEADBEEF;
    CU_ASSERT(debug_port_read_reg(l->g->m, r, &v));
    return v;
}

static uint32_t mem32(struct lamp *l, uint32_t addr)
{
    g_autoptr(GError) error = NULL;
    uint32_t v = 0xDEADBEEF;
    CU_ASSERT(debug_port_read(l->g->m, addr, &v, 4, NULL, &error));
    return v;
}

static struct lamp *attached(const char *name)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = lamp_new(name, MACHINE_TIME_DETERMINISTIC, NULL);

    CU_ASSERT_FATAL(l->g != NULL);
    CU_ASSERT_FATAL(debug_port_attach(l->g->m, &error));
    return l;
}

static enum debug_stop_reason reason(struct lamp *l)
{
    struct debug_stop s;
    debug_port_stop(l->g->m, &s);
    return s.reason;
}

static void test_production_lamp_refuses(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, NULL);

    set_locks(l, OTP_LOCKS_PRODUCTION);
    CU_ASSERT_FALSE(debug_port_attach(l->g->m, &error));
    CU_ASSERT(g_error_matches(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED));
    CU_ASSERT(error && strstr(error->message, "DEBUG_LOCK") != NULL);
    CU_ASSERT_FALSE(debug_port_attached(l->g->m));
    /* nothing else answers either */
    debug_port_halt(l->g->m);
    CU_ASSERT_NOT_EQUAL(machine_state(l->g->m), MACHINE_HALTED);
    g_clear_error(&error);
    CU_ASSERT_FALSE(debug_port_set_breakpoint(l->g->m, sym(l, T_LOOP_BODY), &error));
    uint32_t v;
    CU_ASSERT_FALSE(debug_port_read_reg(l->g->m, DEBUG_REG_PC, &v));
    lamp_free(l);

    /* a development lamp answers, to one debugger at a time */
    l = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, NULL);
    set_locks(l, OTP_LOCKS_DEVELOPMENT);
    g_clear_error(&error);
    CU_ASSERT(debug_port_attach(l->g->m, &error));
    CU_ASSERT_FALSE(debug_port_attach(l->g->m, &error));
    CU_ASSERT(g_error_matches(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED));
    debug_port_detach(l->g->m);
    g_clear_error(&error);
    CU_ASSERT(debug_port_attach(l->g->m, &error));
    lamp_free(l);
}

static void test_halt_step_resume(void)
{
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;

    CU_ASSERT_EQUAL(machine_run(m, 500), MACHINE_RUNNABLE);
    debug_port_halt(m);
    CU_ASSERT_EQUAL(machine_state(m), MACHINE_HALTED);
    CU_ASSERT_EQUAL(reason(l), DEBUG_HALTED);
    uint64_t icount = m->icount;
    uint32_t pc = reg(l, DEBUG_REG_PC);
    CU_ASSERT_EQUAL(machine_run(m, 10000), MACHINE_HALTED);
    CU_ASSERT_EQUAL(m->icount, icount); /* nothing ran */
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PC), pc);

    unsigned wakes = l->wakes;
    for (int i = 0; i < 30; i++) {
        uint64_t before = m->icount;
        debug_port_step(m);
        CU_ASSERT_EQUAL(machine_run(m, 10000), MACHINE_HALTED);
        CU_ASSERT_EQUAL(reason(l), DEBUG_STEPPED);
        /* one instruction, or an exception's entry (SysTick) */
        uint32_t ipsr = reg(l, DEBUG_REG_XPSR) & 0x1FF;
        CU_ASSERT(m->icount == before + 1 || ipsr == 15);
    }
    CU_ASSERT(l->wakes >= wakes + 30);
    debug_port_resume(m);
    CU_ASSERT_EQUAL(run(l), MACHINE_SLEEPING);
    CU_ASSERT_EQUAL(guest_log(l->g, 1), 2 * ITERATIONS * (ITERATIONS + 1) / 2);
    lamp_free(l);
}

static void test_breakpoints(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;
    uint32_t body = sym(l, T_LOOP_BODY);

    CU_ASSERT(debug_port_set_breakpoint(m, body, &error));
    CU_ASSERT(debug_port_set_breakpoint(m, body | 1, &error)); /* the same one */
    CU_ASSERT(debug_port_set_breakpoint(m, sym(l, T_FUNC_ADD), &error));
    CU_ASSERT_EQUAL(debug_port_breakpoints(m), 2);
    debug_port_clear_breakpoint(m, sym(l, T_FUNC_ADD));
    debug_port_clear_breakpoint(m, 0x1234); /* none there: not an error */
    CU_ASSERT_EQUAL(debug_port_breakpoints(m), 1);

    for (uint32_t hit = 0; hit < 5; hit++) {
        CU_ASSERT_EQUAL(run(l), MACHINE_HALTED);
        CU_ASSERT_EQUAL(reason(l), DEBUG_BREAKPOINT);
        CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PC), body);
        CU_ASSERT_EQUAL(reg(l, DEBUG_REG_R0 + 4), hit); /* before its adds */
        debug_port_resume(m); /* steps over it */
    }
    debug_port_clear_breakpoint(m, body);
    CU_ASSERT_EQUAL(run(l), MACHINE_SLEEPING);
    CU_ASSERT_EQUAL(guest_log(l->g, 1), 2 * ITERATIONS * (ITERATIONS + 1) / 2);
    lamp_free(l);
}

static void test_breakpoint_on_a_shared_core(void)
{
    g_autoptr(GError) error = NULL;
    struct machine_core *core = machine_core_new(3, &error);
    struct lamp *solo = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, NULL);
    struct lamp *a = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, core);
    struct lamp *b = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, core);

    CU_ASSERT_FATAL(core && solo->g && a->g && b->g);
    CU_ASSERT_EQUAL(run(solo), MACHINE_SLEEPING);
    CU_ASSERT_FATAL(debug_port_attach(a->g->m, &error));
    CU_ASSERT(debug_port_set_breakpoint(a->g->m, sym(a, T_FUNC_ADD), &error));
    /* interleaved: a halts at each call, b never does */
    unsigned hits = 0;
    bool b_done = false;
    while (!b_done) {
        enum machine_state st = machine_run(a->g->m, 3000);
        if (st == MACHINE_HALTED) {
            CU_ASSERT_EQUAL(reason(a), DEBUG_BREAKPOINT);
            CU_ASSERT_EQUAL(reg(a, DEBUG_REG_PC), sym(a, T_FUNC_ADD));
            hits++;
            debug_port_resume(a->g->m);
        } else if (st == MACHINE_SLEEPING) {
            machine_skip_to_next_deadline(a->g->m);
        }
        st = machine_run(b->g->m, 3000);
        CU_ASSERT_NOT_EQUAL(st, MACHINE_HALTED);
        if (st == MACHINE_SLEEPING) {
            if (machine_next_deadline_ns(b->g->m) == UINT64_MAX)
                b_done = true;
            else
                machine_skip_to_next_deadline(b->g->m);
        }
    }
    CU_ASSERT(hits >= 5); /* one a turn: b is done in a few */
    CU_ASSERT_EQUAL(b->g->m->icount, solo->g->m->icount);
    CU_ASSERT_STRING_EQUAL(b->console->str, solo->console->str);
    /* and a, its breakpoint gone, ends as they did */
    debug_port_detach(a->g->m);
    CU_ASSERT_EQUAL(run(a), MACHINE_SLEEPING);
    CU_ASSERT_EQUAL(a->g->m->icount, solo->g->m->icount);
    CU_ASSERT_STRING_EQUAL(a->console->str, solo->console->str);
    lamp_free(a);
    lamp_free(b);
    lamp_free(solo);
    machine_core_free(core);
}

/* Runs with one watchpoint; true when it fired, its stop in *out. */
static bool watch_once(uint32_t addr, uint32_t len, enum debug_watch_kind kind,
                       struct debug_stop *out, uint32_t *r4)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = attached("debug_target");
    bool fired;

    CU_ASSERT(debug_port_set_watchpoint(l->g->m, addr, len, kind, &error));
    CU_ASSERT_EQUAL(debug_port_watchpoints(l->g->m), 1);
    fired = run(l) == MACHINE_HALTED;
    debug_port_stop(l->g->m, out);
    if (fired) {
        *r4 = reg(l, DEBUG_REG_R0 + 4);
        CU_ASSERT_EQUAL(mem32(l, VAR), *r4); /* the write is done */
        debug_port_clear_watchpoint(l->g->m, addr, len, kind);
        debug_port_resume(l->g->m);
        CU_ASSERT_EQUAL(run(l), MACHINE_SLEEPING);
        CU_ASSERT_EQUAL(guest_log(l->g, 1), 2 * ITERATIONS * (ITERATIONS + 1) / 2);
    }
    lamp_free(l);
    return fired;
}

static void test_watchpoints(void)
{
    struct debug_stop s;
    uint32_t r4 = 0;
    struct lamp *l = attached("debug_target");
    uint32_t after_store = sym(l, T_AFTER_STORE);
    lamp_free(l);

    CU_ASSERT(watch_once(VAR, 4, DEBUG_WATCH_WRITE, &s, &r4));
    CU_ASSERT_EQUAL(s.reason, DEBUG_WATCHPOINT);
    CU_ASSERT_EQUAL(s.access, DEBUG_WATCH_WRITE);
    CU_ASSERT_EQUAL(s.access_addr, VAR);
    CU_ASSERT_EQUAL(s.watch_addr, VAR);
    CU_ASSERT_EQUAL(s.watch_len, 4);
    CU_ASSERT_EQUAL(s.pc, after_store); /* after the store */
    CU_ASSERT_EQUAL(r4, 1);

    CU_ASSERT(watch_once(VAR, 4, DEBUG_WATCH_READ, &s, &r4));
    CU_ASSERT_EQUAL(s.access, DEBUG_WATCH_READ);
    CU_ASSERT_EQUAL(s.pc, after_store + 2); /* after the load */

    CU_ASSERT(watch_once(VAR + 3, 1, DEBUG_WATCH_ACCESS, &s, &r4));
    CU_ASSERT_EQUAL(s.access, DEBUG_WATCH_WRITE); /* the store comes first */
    CU_ASSERT_EQUAL(s.access_addr, VAR);

    /* just outside the word, on either side: never */
    CU_ASSERT_FALSE(watch_once(VAR + 4, 4, DEBUG_WATCH_ACCESS, &s, &r4));
    CU_ASSERT_FALSE(watch_once(VAR - 4, 4, DEBUG_WATCH_ACCESS, &s, &r4));
}

static void test_registers_unprivileged(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;

    CU_ASSERT(debug_port_set_breakpoint(m, sym(l, T_UNPRIV_SPOT), &error));
    CU_ASSERT_EQUAL_FATAL(run(l), MACHINE_HALTED);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_CONTROL), 3);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PSP), 0x20008000u);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_SP), 0x20008000u);
    uint32_t msp = reg(l, DEBUG_REG_MSP);
    CU_ASSERT(msp != 0 && msp != 0x20008000u);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_XPSR) & 0x1FF, 0);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PRIMASK), 0);

    /* writes, read back through a core switch */
    CU_ASSERT(debug_port_write_reg(m, DEBUG_REG_R0 + 7, 0xCAFE));
    CU_ASSERT(debug_port_write_reg(m, DEBUG_REG_BASEPRI, 0x40));
    struct lamp *other = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, NULL);
    machine_run(other->g->m, 100);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_R0 + 7), 0xCAFE);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_BASEPRI), 0x40);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_MSP), msp);
    CU_ASSERT(debug_port_write_reg(m, DEBUG_REG_BASEPRI, 0));
    lamp_free(other);

    /* the MPU forbids SECRET to all code; the port reads it anyway */
    CU_ASSERT_EQUAL(mem32(l, SECRET), 0x5EC2E7u);

    /* the SVC takes it back to privileged thread mode on MSP */
    debug_port_clear_breakpoint(m, sym(l, T_UNPRIV_SPOT));
    CU_ASSERT(debug_port_set_breakpoint(m, sym(l, T_END_SPOT), &error));
    debug_port_resume(m);
    CU_ASSERT_EQUAL_FATAL(run(l), MACHINE_HALTED);
    /* (the handler cleared nPRIV; EXC_RETURN brought back SPSEL) */
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_CONTROL), 2);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_SP), 0x20008000u);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_MSP), msp);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_R0 + 6), 6);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_R0 + 7), 0xCAFE);
    lamp_free(l);
}

/* A stepped instruction meets the MPU as a running one does. */
static void test_step_under_the_mpu(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;
    const uint8_t ldr[2] = { 0x08, 0x68 }; /* ldr r0, [r1] */
    struct debug_stop s;

    CU_ASSERT(debug_port_set_breakpoint(m, sym(l, T_UNPRIV_SPOT), &error));
    CU_ASSERT_EQUAL_FATAL(run(l), MACHINE_HALTED);
    CU_ASSERT(debug_port_flash_program(m, 0x80000, ldr, 2, &error)); /* in region 0 */
    CU_ASSERT(debug_port_write_reg(m, DEBUG_REG_R0 + 1, SECRET));
    CU_ASSERT(debug_port_write_reg(m, DEBUG_REG_PC, 0x80000));
    debug_port_step(m);
    CU_ASSERT_EQUAL(machine_run(m, 1000), MACHINE_HALTED);
    debug_port_stop(m, &s);
    CU_ASSERT_EQUAL(s.reason, DEBUG_FAULT);
    CU_ASSERT_EQUAL(s.exception, 3); /* MemManage, not enabled: escalated */
    CU_ASSERT_NOT_EQUAL(reg(l, DEBUG_REG_R0), 0x5EC2E7u);
    lamp_free(l);
}

static void test_memory(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;
    bool side = true;
    uint8_t buf[8];

    debug_port_halt(m);
    /* a side-effect register is not read: the byte typed stays queued */
    machine_console_input(m, (const uint8_t *)"x", 1);
    memset(buf, 0xAA, sizeof(buf));
    CU_ASSERT(debug_port_read(m, 0x40003000u, buf, 8, &side, &error));
    CU_ASSERT(side);
    CU_ASSERT_EQUAL(buf[0], 0); /* DR: not read */
    CU_ASSERT_EQUAL(buf[4] & 1, 1); /* SR: RXNE, the byte still there */
    CU_ASSERT(debug_port_read(m, 0x40003004u, buf, 4, &side, &error));
    CU_ASSERT_FALSE(side);
    CU_ASSERT(debug_port_read(m, 0x40002008u, buf, 4, &side, &error)); /* RNG DR */
    CU_ASSERT(side);

    /* SRAM written and read back; flash and nothing refused */
    uint32_t v = 0x12345678;
    CU_ASSERT(debug_port_write(m, 0x20001000u, &v, 4, &error));
    CU_ASSERT_EQUAL(mem32(l, 0x20001000u), 0x12345678u);
    CU_ASSERT_EQUAL(mem32(l, 0), 0x20010000u); /* the initial SP */
    CU_ASSERT_FALSE(debug_port_write(m, 0x100, &v, 4, &error));
    g_clear_error(&error);
    CU_ASSERT_FALSE(debug_port_read(m, 0x30000000u, buf, 4, NULL, &error));
    CU_ASSERT(error && strstr(error->message, "0x30000000") != NULL);
    g_clear_error(&error);
    /* a read across the end of SRAM fails where nothing answers */
    CU_ASSERT_FALSE(debug_port_read(m, SRAM_BASE + SRAM_SIZE - 4, buf, 8, NULL, &error));
    lamp_free(l);
}

static void test_flash(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;
    const uint8_t image[8] = { 0x12, 0x34, 0x56, 0x78, 0xF0, 0x0F, 0xFF, 0x00 };
    uint8_t back[8];

    set_locks(l, OTP_LOCKS_DEVELOPMENT);
    /* only with the core halted */
    CU_ASSERT_FALSE(debug_port_flash_erase(m, 0x100000, FLASH_SECTOR_SIZE, &error));
    g_clear_error(&error);
    debug_port_halt(m);
    CU_ASSERT(debug_port_flash_erase(m, 0x100000, FLASH_SECTOR_SIZE, &error));
    CU_ASSERT_EQUAL(mem32(l, 0x100000), 0xFFFFFFFFu);
    CU_ASSERT(debug_port_flash_program(m, 0x100000, image, 8, &error));
    CU_ASSERT(debug_port_read(m, 0x100000, back, 8, NULL, &error));
    CU_ASSERT_EQUAL(memcmp(back, image, 8), 0);
    /* NOR: clearing more bits is fine, setting one is not */
    const uint8_t less[1] = { 0x10 }, more[1] = { 0x13 };
    CU_ASSERT(debug_port_flash_program(m, 0x100000, less, 1, &error));
    CU_ASSERT_FALSE(debug_port_flash_program(m, 0x100000, more, 1, &error));
    CU_ASSERT(error && strstr(error->message, "erase") != NULL);
    g_clear_error(&error);
    /* whole sectors only */
    CU_ASSERT_FALSE(debug_port_flash_erase(m, 0x100100, FLASH_SECTOR_SIZE, &error));
    g_clear_error(&error);
    /* the bootloader's sectors, under BOOTLOADER_WP */
    CU_ASSERT_FALSE(debug_port_flash_erase(m, 0, FLASH_SECTOR_SIZE, &error));
    CU_ASSERT(g_error_matches(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED));
    CU_ASSERT(error && strstr(error->message, "write-protected") != NULL);
    g_clear_error(&error);
    CU_ASSERT_FALSE(debug_port_flash_program(m, 0x8000, image, 8, &error));
    g_clear_error(&error);
    CU_ASSERT_EQUAL(mem32(l, 0), 0x20010000u); /* untouched */

    /* code loaded and run: a BKPT, which halts the core for a debugger */
    const uint8_t bkpt[4] = { 0x00, 0xBF, 0x00, 0xBE }; /* nop; bkpt #0 */
    CU_ASSERT(debug_port_flash_program(m, 0x100010, bkpt, 4, &error));
    CU_ASSERT(debug_port_write_reg(m, DEBUG_REG_PC, 0x100010));
    uint64_t icount = m->icount;
    debug_port_resume(m);
    CU_ASSERT_EQUAL(machine_run(m, 1000), MACHINE_HALTED);
    CU_ASSERT_EQUAL(reason(l), DEBUG_BREAKPOINT);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PC), 0x100012);
    CU_ASSERT(m->icount > icount);
    lamp_free(l);
}

static void test_reset_with_halt(void)
{
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;
    uint32_t vector;

    machine_read_phys(m, 4, &vector, 4);
    machine_run(m, 5000);
    debug_port_reset(m, true);
    CU_ASSERT_EQUAL(machine_state(m), MACHINE_HALTED);
    CU_ASSERT_EQUAL(reason(l), DEBUG_RESET);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PC), vector & ~1u);
    debug_port_resume(m);
    CU_ASSERT_EQUAL(run(l), MACHINE_SLEEPING);

    /* every reset, power on included, with halt_on_reset */
    debug_port_set_halt_on_reset(m, true);
    machine_power_off(m, "test");
    machine_power_on(m);
    CU_ASSERT_EQUAL(machine_state(m), MACHINE_HALTED);
    CU_ASSERT_EQUAL(reason(l), DEBUG_RESET);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PC), vector & ~1u);
    debug_port_set_halt_on_reset(m, false);
    debug_port_resume(m);
    CU_ASSERT_EQUAL(run(l), MACHINE_SLEEPING);
    CU_ASSERT_EQUAL(guest_log(l->g, 1), 2 * ITERATIONS * (ITERATIONS + 1) / 2);
    lamp_free(l);
}

static void test_halt_on_fault(void)
{
    struct lamp *l = attached("debug_fault");
    struct machine *m = l->g->m;
    uint32_t frame[8];
    g_autoptr(GError) error = NULL;

    CU_ASSERT_EQUAL_FATAL(run(l), MACHINE_HALTED);
    struct debug_stop s;
    debug_port_stop(m, &s);
    CU_ASSERT_EQUAL(s.reason, DEBUG_FAULT);
    CU_ASSERT_EQUAL(s.exception, 3); /* HardFault: UsageFault is not enabled */
    CU_ASSERT_EQUAL(s.pc, sym(l, F_HANDLER));
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_PC), sym(l, F_HANDLER));
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_XPSR) & 0x1FF, 3);
    /* the frame unwinds into the faulting function */
    CU_ASSERT(debug_port_read(m, reg(l, DEBUG_REG_MSP), frame, sizeof(frame), NULL, &error));
    CU_ASSERT_EQUAL(frame[0], 0x11);
    CU_ASSERT_EQUAL(frame[5], sym(l, F_AFTER_CALL) | 1); /* LR: the caller */
    CU_ASSERT_EQUAL(frame[6], sym(l, F_FAULT_INSN));     /* PC: the fault */
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_R0 + 4), 0x44);
    CU_ASSERT_EQUAL(reg(l, DEBUG_REG_LR), 0xFFFFFFF9u);
    lamp_free(l);
}

/* The watchdog guest: armed for 100 ms, then asleep. */
static struct lamp *watchdog_lamp(enum machine_time_mode mode)
{
    g_autoptr(GError) error = NULL;
    struct lamp *l = lamp_new("debug_fault", mode, NULL);
    uint32_t one = 1;

    CU_ASSERT_FATAL(debug_port_attach(l->g->m, &error));
    debug_port_reset(l->g->m, true);
    CU_ASSERT(debug_port_write(l->g->m, SRAM_BASE, &one, 4, &error));
    debug_port_resume(l->g->m);
    for (int i = 0; i < 100 && machine_run(l->g->m, 10000) == MACHINE_RUNNABLE; i++)
        ;
    CU_ASSERT_EQUAL(machine_state(l->g->m), MACHINE_SLEEPING);
    return l;
}

static uint64_t resets(struct lamp *l)
{
    struct machine_stats st;
    machine_get_stats(l->g->m, &st);
    return st.resets;
}

static void test_time_frozen_while_halted(void)
{
    /* realtime: 250 ms at a halt, and the 100 ms watchdog did not bite */
    struct lamp *l = watchdog_lamp(MACHINE_TIME_REALTIME);
    struct machine *m = l->g->m;
    uint64_t before = resets(l);

    debug_port_halt(m);
    uint64_t now = machine_now_ns(m);
    CU_ASSERT_EQUAL(machine_next_deadline_host_us(m), G_MAXINT64);
    g_usleep(250000);
    machine_poll_timers(m);
    CU_ASSERT_EQUAL(machine_now_ns(m), now);
    debug_port_resume(m);
    machine_poll_timers(m);
    machine_run(m, 1000);
    CU_ASSERT_EQUAL(resets(l), before);
    CU_ASSERT(machine_now_ns(m) < now + 50000000ull);
    /* and without the halt it does */
    g_usleep(250000);
    machine_poll_timers(m);
    machine_run(m, 1000);
    CU_ASSERT_EQUAL(resets(l), before + 1);
    lamp_free(l);

    /* deterministic: a halted lamp skips nowhere */
    l = watchdog_lamp(MACHINE_TIME_DETERMINISTIC);
    m = l->g->m;
    before = resets(l);
    debug_port_halt(m);
    now = machine_now_ns(m);
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(machine_run(m, 10000), MACHINE_HALTED);
    CU_ASSERT_EQUAL(machine_now_ns(m), now);
    CU_ASSERT_EQUAL(resets(l), before);
    debug_port_resume(m);
    machine_skip_to_next_deadline(m);
    machine_run(m, 1000);
    CU_ASSERT_EQUAL(resets(l), before + 1);
    lamp_free(l);
}

static void test_stepping_changes_nothing(void)
{
    g_autoptr(GError) error = NULL;
    struct lamp *plain = lamp_new("debug_target", MACHINE_TIME_DETERMINISTIC, NULL);
    struct lamp *l = attached("debug_target");
    struct machine *m = l->g->m;
    unsigned halts = 0;

    CU_ASSERT_EQUAL_FATAL(run(plain), MACHINE_SLEEPING);
    CU_ASSERT(debug_port_set_breakpoint(m, sym(l, T_LOOP_BODY), &error));
    CU_ASSERT(debug_port_set_breakpoint(m, sym(l, T_AFTER_STORE), &error));
    CU_ASSERT(debug_port_set_watchpoint(m, TICKS, 4, DEBUG_WATCH_WRITE, &error));
    for (;;) {
        enum machine_state st = run(l);
        if (st != MACHINE_HALTED)
            break;
        halts++;
        uint32_t r;
        debug_port_read_reg(m, DEBUG_REG_PC, &r);
        /* a few steps at most halts, then on */
        for (unsigned i = 0; i < halts % 4; i++) {
            debug_port_step(m);
            CU_ASSERT_EQUAL(machine_run(m, 10000), MACHINE_HALTED);
        }
        if (halts == 60) {
            debug_port_clear_breakpoint(m, sym(l, T_LOOP_BODY));
            debug_port_clear_breakpoint(m, sym(l, T_AFTER_STORE));
        }
        if (halts == 80)
            debug_port_clear_watchpoint(m, TICKS, 4, DEBUG_WATCH_WRITE);
        debug_port_resume(m);
    }
    CU_ASSERT(halts >= 80);
    CU_ASSERT_EQUAL(m->icount, plain->g->m->icount);
    CU_ASSERT_EQUAL(machine_now_ns(m), machine_now_ns(plain->g->m));
    CU_ASSERT_STRING_EQUAL(l->console->str, plain->console->str);
    CU_ASSERT_EQUAL(guest_log(l->g, 1), guest_log(plain->g, 1));
    CU_ASSERT_EQUAL(guest_log(l->g, 2), guest_log(plain->g, 2));
    CU_ASSERT(guest_log(l->g, 2) > 100); /* SysTick interrupted it often */
    lamp_free(l);
    lamp_free(plain);
}

/* An access inside a Thumb IT block to a page the TLB refuses (one a
 * watchpoint watches elsewhere, one a 32-byte MPU region splits) is
 * replayed by the probe and the step, which restart the CPU in the middle
 * of the block: the block must go on as it would have, whether its
 * condition holds or not (guest/it_block.S). */
static void test_it_block_on_refused_pages(void)
{
    static const struct {
        uint32_t r6, r7, word;
    } want[] = {
        { 0x33, 0, 0x333322A1 }, /* NE: byte 0 stored, byte 2 loaded and copied */
        { 0, 1, 0x4433B211 },    /* EQ: byte 1 stored, nothing else */
    };
    uint64_t icount[2];
    for (int watched = 0; watched <= 1; watched++) {
        g_autoptr(GError) error = NULL;
        struct lamp *l = attached("it_block");

        if (watched)
            CU_ASSERT(debug_port_set_watchpoint(l->g->m, IT_WATCHED + 0x200, 4,
                                                DEBUG_WATCH_ACCESS, &error));
        CU_ASSERT_EQUAL_FATAL(run(l), MACHINE_SLEEPING);
        icount[watched] = l->g->m->icount;
        CU_ASSERT_EQUAL(guest_log(l->g, 0), 12);
        for (unsigned page = 0; page < 2; page++) {
            for (unsigned c = 0; c < 2; c++) {
                unsigned i = 1 + page * 6 + c * 3;
                CU_ASSERT_EQUAL(guest_log(l->g, i), want[c].r6);
                CU_ASSERT_EQUAL(guest_log(l->g, i + 1), want[c].r7);
                CU_ASSERT_EQUAL(guest_log(l->g, i + 2), want[c].word);
            }
        }
        lamp_free(l);
    }
    CU_ASSERT_EQUAL(icount[1], icount[0]);
}

int main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("debug_port", NULL, NULL);
    CU_add_test(s, "production_lamp_refuses", test_production_lamp_refuses);
    CU_add_test(s, "halt_step_resume", test_halt_step_resume);
    CU_add_test(s, "breakpoints", test_breakpoints);
    CU_add_test(s, "breakpoint_on_a_shared_core", test_breakpoint_on_a_shared_core);
    CU_add_test(s, "watchpoints", test_watchpoints);
    CU_add_test(s, "registers_unprivileged", test_registers_unprivileged);
    CU_add_test(s, "step_under_the_mpu", test_step_under_the_mpu);
    CU_add_test(s, "memory", test_memory);
    CU_add_test(s, "flash", test_flash);
    CU_add_test(s, "reset_with_halt", test_reset_with_halt);
    CU_add_test(s, "halt_on_fault", test_halt_on_fault);
    CU_add_test(s, "time_frozen_while_halted", test_time_frozen_while_halted);
    CU_add_test(s, "stepping_changes_nothing", test_stepping_changes_nothing);
    CU_add_test(s, "it_block_on_refused_pages", test_it_block_on_refused_pages);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
