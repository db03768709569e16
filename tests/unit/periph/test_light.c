/* tests/unit/periph/test_light.c: LIGHT, the light engine
 * (docs/hardware.md#light): the lamp model (level and colour to power and
 * lumens), fades, the PIR, lux with the lamp's own leak, the thermal model
 * and its comparator, sensor faults, the energy counter and what resets
 * keep.  Expected figures are worked out from the formulas and constants
 * in docs/hardware.md, not read back from the model. */
#include "periph_harness.h"

#include <CUnit/Basic.h>
#include <math.h>
#include <string.h>

#define R(off) (LIGHT_BASE + (off))
#define MS 1000000ull
#define S 1000000000ull

static char *dir;
static struct machine *m;

/* A new lamp, powered on (virtual time starts near 0), seeded. */
static void begin_seeded(uint64_t seed)
{
    if (m)
        machine_free(m);
    m = bench_machine_new(dir, seed, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    machine_power_on(m);
}

static void begin(void) { begin_seeded(42); }

static int setup(void)
{
    dir = bench_tmpdir();
    return dir ? 0 : 1;
}

static int teardown(void)
{
    if (m)
        machine_free(m);
    m = NULL;
    bench_rmdir(dir);
    g_free(dir);
    return 0;
}

/* Lamp time to t (absolute ns), firing the timers due on the way, as a
 * sleeping lamp would see it. */
static void run_to(uint64_t t)
{
    while (machine_next_deadline_ns(m) <= t)
        machine_skip_to_next_deadline(m);
    uint64_t now = machine_now_ns(m);
    if (t > now)
        m->sleep_skipped_ns += t - now;
}

static void wait_ns(uint64_t ns) { run_to(machine_now_ns(m) + ns); }

static uint32_t rd(uint32_t off) { return reg_read(m, R(off)); }
static void wr(uint32_t off, uint32_t v) { reg_write(m, R(off), v); }
static bool irq(void) { return m->irq_level[IRQ_LIGHT]; }

/* Sets the output at once (CTRL.IE as it was). */
static void set_output(uint32_t level, uint32_t cct, bool en)
{
    wr(LIGHT_REG_TARGET_LEVEL, level);
    wr(LIGHT_REG_TARGET_CCT, cct);
    wr(LIGHT_REG_FADE, 0);
    wr(LIGHT_REG_CTRL, (rd(LIGHT_REG_CTRL) & LIGHT_CTRL_IE) | (en ? LIGHT_CTRL_EN : 0));
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
}

static struct machine_light_state state(void)
{
    struct machine_light_state s;
    machine_light_state(m, &s);
    return s;
}

static void set_env(double daylight, bool occupied, double ambient)
{
    struct machine_light_env env = { daylight, occupied, ambient };
    CU_ASSERT_TRUE(machine_light_set_env(m, &env, NULL));
}

/* Interrupt on these events. */
static void enable_irq(uint32_t events)
{
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
    wr(LIGHT_REG_INTEN, events);
    wr(LIGHT_REG_CTRL, rd(LIGHT_REG_CTRL) | LIGHT_CTRL_IE);
}

/* The interrupt comes at t for event alone, armed as the next deadline,
 * and not a millisecond before. */
static void irq_comes_at(uint64_t t, uint32_t event)
{
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), t);
    run_to(t - MS);
    CU_ASSERT_FALSE(irq());
    run_to(t);
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), event);
}

static void identity_and_power_on_defaults(void)
{
    begin();
    CU_ASSERT_EQUAL(rd(LIGHT_REG_ID), LIGHT_ID_VALUE);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_CTRL), LIGHT_CTRL_EN);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), LIGHT_LEVEL_FULL);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_CCT), 4000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TARGET_LEVEL), LIGHT_LEVEL_FULL);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TARGET_CCT), 4000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_STATUS), LIGHT_STATUS_ON | LIGHT_STATUS_LUX_OK |
                                              LIGHT_STATUS_PIR_OK | LIGHT_STATUS_TEMP_OK);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), 0u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_PIR_HOLD), LIGHT_PIR_HOLD_DEFAULT_MS);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TEMP), 2500u); /* cold: the room's 25 degC */
    CU_ASSERT_EQUAL(rd(LIGHT_REG_ENERGY), 0u);
    CU_ASSERT_FALSE(irq());
    /* Nothing is due: no timer. */
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
}

/* Level and colour to power and light (docs/hardware.md#the-lamp-model). */
static void level_sets_power_and_lumens(void)
{
    static const struct {
        uint32_t level, cct;
        bool en;
        uint32_t want_mw;
        double want_lm;
    } cases[] = {
        { 100000, 4000, true, 17973, 2206.60 },
        { 50000, 4000, true, 9099, 1103.30 },
        { 25000, 4000, true, 4840, 551.65 },
        { 10000, 4000, true, 2342, 220.66 },
        { 1000, 4000, true, 863, 22.07 },   /* the driver at 27 %: 0.56 W for 0.15 W of LEDs */
        { 1, 4000, true, 700, 0.02 },       /* the driver's own 0.4 W as soon as it drives */
        { 0, 4000, true, 300, 0.0 },        /* standby */
        { 100000, 4000, false, 300, 0.0 },  /* not enabled: standby */
        { 100000, 2700, true, 17973, 2050.0 },
        { 100000, 6500, true, 17973, 2350.0 },
        { 30000, 6500, true, 5683, 705.0 },
    };

    begin();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        set_output(cases[i].level, cases[i].cct, cases[i].en);
        struct machine_light_state s = state();
        CU_ASSERT_EQUAL(rd(LIGHT_REG_POWER), cases[i].want_mw);
        CU_ASSERT_DOUBLE_EQUAL(s.watts, cases[i].want_mw / 1000.0, 0.001);
        CU_ASSERT_DOUBLE_EQUAL(s.lumens, cases[i].want_lm, 0.01);
        CU_ASSERT_EQUAL(!!(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_ON),
                        cases[i].en && cases[i].level > 0);
        if (rd(LIGHT_REG_POWER) != cases[i].want_mw)
            printf("\n  case %zu: %u mW, want %u\n", i, rd(LIGHT_REG_POWER), cases[i].want_mw);
    }
}

/* The cool string's share of the PWM for a colour (mired mix by lumens,
 * strings of different efficacy). */
static void cct_splits_the_duty_between_strings(void)
{
    static const struct {
        uint32_t level, cct, warm, cool;
        double lm;
    } cases[] = {
        { 100000, 2700, 100000, 0, 2050.0 },
        { 100000, 3000, 84745, 15255, 2095.76 },
        { 100000, 4000, 47800, 52200, 2206.60 },
        { 100000, 5000, 23696, 76304, 2278.91 },
        { 100000, 6500, 0, 100000, 2350.0 },
        { 50000, 4000, 23900, 26100, 1103.30 },
    };

    begin();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        set_output(cases[i].level, cases[i].cct, true);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_CCT), cases[i].cct);
        CU_ASSERT(abs((int)rd(LIGHT_REG_WARM_DUTY) - (int)cases[i].warm) <= 1);
        CU_ASSERT(abs((int)rd(LIGHT_REG_COOL_DUTY) - (int)cases[i].cool) <= 1);
        CU_ASSERT_DOUBLE_EQUAL(state().lumens, cases[i].lm, 0.01);
    }
    /* Disabled, the strings get nothing whatever the level. */
    set_output(100000, 4000, false);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_WARM_DUTY), 0u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_COOL_DUTY), 0u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), 100000u);
}

/* A fade: level linear in lamp time, colour linear in mired. */
static void fade_follows_virtual_time(void)
{
    static const struct {
        uint32_t from, to, from_cct, to_cct, ms, at_ms, level, cct;
    } cases[] = {
        { 0, 100000, 4000, 4000, 1000, 0, 0, 4000 },
        { 0, 100000, 4000, 4000, 1000, 250, 25000, 4000 },
        { 0, 100000, 4000, 4000, 1000, 999, 99900, 4000 },
        { 0, 100000, 4000, 4000, 1000, 1000, 100000, 4000 },
        { 0, 100000, 4000, 4000, 1000, 5000, 100000, 4000 },
        { 80000, 20000, 2700, 6500, 2000, 1000, 50000, 3815 },
        { 80000, 20000, 2700, 6500, 2000, 500, 65000, 3162 },
        { 100000, 0, 4000, 4000, 3600000, 1800000, 50000, 4000 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        begin();
        set_output(cases[i].from, cases[i].from_cct, true);
        wr(LIGHT_REG_TARGET_LEVEL, cases[i].to);
        wr(LIGHT_REG_TARGET_CCT, cases[i].to_cct);
        uint64_t t0 = machine_now_ns(m);
        wr(LIGHT_REG_FADE, cases[i].ms);
        run_to(t0 + cases[i].at_ms * MS);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), cases[i].level);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_CCT), cases[i].cct);
        bool running = cases[i].at_ms < cases[i].ms;
        CU_ASSERT_EQUAL(!!(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_FADING), running);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_FADE), running ? cases[i].ms - cases[i].at_ms : 0);
        CU_ASSERT_EQUAL(!!(rd(LIGHT_REG_EVENTS) & LIGHT_EV_FADE_DONE), !running);
    }
}

/* FADE_DONE interrupts at the end of the fade, not before; the only timer
 * is that end. */
static void fade_done_interrupts_at_the_end(void)
{
    begin();
    set_output(0, 4000, true);
    enable_irq(LIGHT_EV_FADE_DONE);
    wr(LIGHT_REG_TARGET_LEVEL, 70000);
    uint64_t t0 = machine_now_ns(m);
    wr(LIGHT_REG_FADE, 1500);
    irq_comes_at(t0 + 1500 * MS, LIGHT_EV_FADE_DONE);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_FADE_DONE);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
    /* No interrupt wanted, no timer: with the line disabled, or with the
     * event already pending (the line is high anyway). */
    wr(LIGHT_REG_CTRL, LIGHT_CTRL_EN);
    wr(LIGHT_REG_FADE, 1000);
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
    wr(LIGHT_REG_CTRL, LIGHT_CTRL_EN | LIGHT_CTRL_IE);
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), machine_now_ns(m) + 1000 * MS);
    wr(LIGHT_REG_TARGET_LEVEL, 0);
    wr(LIGHT_REG_FADE, 0);
    CU_ASSERT_TRUE(irq());
    wr(LIGHT_REG_TARGET_LEVEL, 70000);
    wr(LIGHT_REG_FADE, 1000);
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_FADE_DONE);
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), machine_now_ns(m) + 1000 * MS);
    wait_ns(1000 * MS);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_FADE_DONE);
    /* FADE 0 is done before the write returns. */
    wr(LIGHT_REG_TARGET_LEVEL, 10000);
    wr(LIGHT_REG_FADE, 0);
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), 10000u);
}

/* A fade started during another goes on from where the light is, and
 * gives one FADE_DONE, at its own end. */
static void fade_retargeted_midway(void)
{
    begin();
    set_output(0, 4000, true);
    wr(LIGHT_REG_TARGET_LEVEL, 100000);
    uint64_t t0 = machine_now_ns(m);
    wr(LIGHT_REG_FADE, 1000);
    run_to(t0 + 500 * MS);
    wr(LIGHT_REG_TARGET_LEVEL, 0);
    wr(LIGHT_REG_FADE, 500);
    run_to(t0 + 750 * MS);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), 25000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS) & LIGHT_EV_FADE_DONE, 0u);
    run_to(t0 + 1000 * MS);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), 0u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_FADE_DONE);
}

/* PIR: movements at given times (ms), the state at a later time. */
static void pir_occupancy_and_hold(void)
{
    static const struct {
        uint32_t hold_ms;
        uint32_t moves[4]; /* 0 ends the list (times after start, ms) */
        uint32_t at_ms;
        bool occupied;
        uint32_t motions, events;
    } cases[] = {
        { 10000, { 0 }, 60000, false, 0, 0 },
        { 10000, { 1000 }, 1000, true, 1, LIGHT_EV_MOTION },
        { 10000, { 1000 }, 10999, true, 1, LIGHT_EV_MOTION },
        { 10000, { 1000 }, 11000, false, 1, LIGHT_EV_MOTION | LIGHT_EV_VACANT },
        { 10000, { 1000, 8000 }, 17999, true, 2, LIGHT_EV_MOTION },
        { 10000, { 1000, 8000 }, 18000, false, 2, LIGHT_EV_MOTION | LIGHT_EV_VACANT },
        { 2000, { 1000, 5000 }, 6000, true, 2, LIGHT_EV_MOTION | LIGHT_EV_VACANT | LIGHT_EV_MOTION },
        { 2000, { 1000, 5000, 5500 }, 7499, true, 3, LIGHT_EV_MOTION | LIGHT_EV_VACANT },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        begin();
        wr(LIGHT_REG_PIR_HOLD, cases[i].hold_ms);
        uint64_t t0 = machine_now_ns(m);
        for (int k = 0; k < 4 && cases[i].moves[k]; k++) {
            run_to(t0 + cases[i].moves[k] * MS);
            machine_light_motion(m);
        }
        run_to(t0 + cases[i].at_ms * MS);
        CU_ASSERT_EQUAL(!!(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OCCUPIED), cases[i].occupied);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_MOTIONS), cases[i].motions);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), cases[i].events);
        CU_ASSERT_EQUAL(state().occupied, cases[i].occupied);
    }
}

/* MOTION interrupts when occupancy begins, not at every movement; VACANT
 * interrupts when the hold runs out. */
static void pir_interrupts_begin_and_end_of_occupancy(void)
{
    begin();
    enable_irq(LIGHT_EV_MOTION | LIGHT_EV_VACANT);
    wr(LIGHT_REG_PIR_HOLD, 10000);
    uint64_t t0 = machine_now_ns(m);
    machine_light_motion(m);
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_TRUE(m->exc_pending[EXC_IRQ0 + IRQ_LIGHT]);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_MOTION);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), t0 + 10000 * MS);
    run_to(t0 + 4000 * MS);
    machine_light_motion(m); /* moves again: the hold restarts, no interrupt */
    CU_ASSERT_FALSE(irq());
    irq_comes_at(t0 + 14000 * MS, LIGHT_EV_VACANT);
    /* A shorter hold written after the time has passed ends it at once. */
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
    wr(LIGHT_REG_PIR_HOLD, 60000);
    machine_light_motion(m);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
    wait_ns(5000 * MS);
    wr(LIGHT_REG_PIR_HOLD, 2000);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_VACANT);
    CU_ASSERT_TRUE(irq());
}

/* A lit lamp in an occupied room: occupancy begins once, then nothing is
 * due, so nothing wakes the lamp, with every interrupt enabled. */
static void occupied_lit_room_arms_no_timer(void)
{
    begin();
    set_env(300, true, 25);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_MOTION);
    enable_irq(LIGHT_EV_ALL);
    wr(LIGHT_REG_LUX_LOW, 10000);  /* a daylight-harvesting window around 410 lx */
    wr(LIGHT_REG_LUX_HIGH, 60000);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
    wait_ns(3600 * S);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), 0u);
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OCCUPIED);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_MOTIONS), 1u);
    /* The room empties: VACANT after the hold, the only timer. */
    uint64_t t0 = machine_now_ns(m);
    set_env(300, false, 25);
    irq_comes_at(t0 + LIGHT_PIR_HOLD_DEFAULT_MS * MS, LIGHT_EV_VACANT);
}

/* What the ceiling sensor sees: daylight plus 0.05 lx per lumen. */
static void lux_is_daylight_plus_the_lamps_leak(void)
{
    static const struct {
        double daylight;
        uint32_t level, cct;
        bool en;
        uint32_t want_centi_lx;
    } cases[] = {
        { 0, 100000, 4000, true, 11033 },
        { 500, 0, 4000, true, 50000 },
        { 500, 100000, 2700, true, 60250 },
        { 300, 50000, 6500, true, 35875 },
        { 1000, 100000, 4000, false, 100000 },
        { 100000, 100000, 4000, true, 10011033 },
    };

    begin();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        set_env(cases[i].daylight, false, 25);
        set_output(cases[i].level, cases[i].cct, cases[i].en);
        CU_ASSERT(abs((int)rd(LIGHT_REG_LUX) - (int)cases[i].want_centi_lx) <= 1);
        CU_ASSERT_DOUBLE_EQUAL(state().lux, cases[i].want_centi_lx / 100.0, 0.01);
    }
}

/* The lux window: leaving it raises LUX (at once for a change of the
 * room, at the crossing for a fade). */
static void lux_window_interrupts_when_left(void)
{
    begin();
    set_env(0, false, 25);
    enable_irq(LIGHT_EV_LUX);
    wr(LIGHT_REG_LUX_LOW, 10000);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX_HIGH), LIGHT_LUX_HIGH_DEFAULT); /* staged only */
    wr(LIGHT_REG_LUX_HIGH, 20000);
    CU_ASSERT_FALSE(irq()); /* 110 lx: inside */
    set_env(150, false, 25);
    CU_ASSERT_TRUE(irq()); /* 260 lx */
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_LUX_OUT);
    /* Edge, not level: cleared, it stays quiet until it crosses again. */
    wr(LIGHT_REG_EVENTS, LIGHT_EV_LUX);
    CU_ASSERT_FALSE(irq());
    /* A window that does not hold the light now fires when written. */
    wr(LIGHT_REG_LUX_LOW, 5000);
    wr(LIGHT_REG_LUX_HIGH, 30000);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_LUX_OUT);
    set_env(0, false, 25);
    /* Dimming from full to off over 1 s: 110.33 lx x level leaves
     * [50, 300] lx when the level falls below 0.4532, at 546.8 ms. */
    wr(LIGHT_REG_TARGET_LEVEL, 0);
    uint64_t t0 = machine_now_ns(m);
    wr(LIGHT_REG_FADE, 1000);
    uint64_t d = machine_next_deadline_ns(m);
    CU_ASSERT(d >= t0 + 546700 * 1000ull && d <= t0 + 546900 * 1000ull);
    run_to(t0 + 546 * MS);
    CU_ASSERT_FALSE(irq());
    run_to(t0 + 547 * MS);
    CU_ASSERT_TRUE(irq());
}

/* First-order thermal: T(t) = Tss + (T0 - Tss) e^(-t / 300 s), Tss =
 * ambient + 2.5 K/W x input. */
static void temperature_rises_toward_steady_state(void)
{
    static const struct {
        double ambient;
        uint32_t level;
        double after_s, want_c;
    } cases[] = {
        { 25, 100000, 300, 53.40 },
        { 25, 100000, 600, 63.85 },
        { 25, 0, 600, 25.65 },
        { 45, 100000, 3000, 89.93 },
        { -10, 50000, 1e6, -10 + 2.5 * 9.09916 },
    };
    double t1;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        begin();
        set_env(0, false, cases[i].ambient);
        machine_power_on(m); /* starts at the room's temperature */
        set_output(cases[i].level, 4000, true);
        wait_ns((uint64_t)(cases[i].after_s * S));
        CU_ASSERT_DOUBLE_EQUAL(state().temp_c, cases[i].want_c, 0.01);
        CU_ASSERT(abs((int32_t)rd(LIGHT_REG_TEMP) - (int)lround(cases[i].want_c * 100)) <= 1);
    }
    /* The room warms under a running lamp: from 53.40 degC after 300 s
     * at 25 degC, towards 45 + 44.93 degC. */
    begin();
    wait_ns(300 * S);
    t1 = state().temp_c;
    set_env(0, false, 45);
    wait_ns(300 * S);
    CU_ASSERT_DOUBLE_EQUAL(state().temp_c, 89.93 + (t1 - 89.93) * exp(-1), 0.01);
    CU_ASSERT_DOUBLE_EQUAL(state().temp_c, 76.49, 0.01);
}

/* The documented input power (docs/hardware.md#the-lamp-model), for the
 * integration below. */
static double doc_watts(double d)
{
    double led = 15.4 * d;
    return d > 0 ? 0.30 + 0.40 + 1.06 * led + 0.004 * led * led : 0.30;
}

/* During fades the model's closed form matches the thermal equation
 * integrated step by step (RK4, 10 ms steps), and its energy the power's
 * integral, sampled however often it is read. */
static void temperature_during_fades_matches_the_equation(void)
{
    static const struct {
        uint32_t from, to, ms, reads;
    } cases[] = {
        { 0, 100000, 600000, 1 },
        { 100000, 0, 200000, 50 },
        { 20000, 90000, 1000, 7 },
        { 100000, 5000, 1, 3 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        double span_s = MAX(cases[i].ms / 1000.0, 60.0), temp = 25, energy = 0;
        double d0 = cases[i].from / 1e5, d1 = cases[i].to / 1e5, fade_s = cases[i].ms / 1000.0;
        begin();
        set_env(0, false, 25);
        machine_power_on(m);
        set_output(cases[i].from, 4000, true);
        double e0 = state().energy_wh;
        wr(LIGHT_REG_TARGET_LEVEL, cases[i].to);
        uint64_t t0 = machine_now_ns(m);
        wr(LIGHT_REG_FADE, cases[i].ms);
        for (uint32_t k = 1; k <= cases[i].reads; k++) {
            run_to(t0 + (uint64_t)(span_s * 1e9 * k / cases[i].reads));
            rd(LIGHT_REG_TEMP);
        }
        /* steps of 10 ms, or a thousandth of a shorter fade, landing on its end */
        for (double t = 0, dt; t < span_s - 1e-12; t += dt) {
            double p[3], k1, k2, k3, k4;
            dt = t < fade_s ? MIN(MIN(0.01, fade_s / 1000), fade_s - t) : MIN(0.01, span_s - t);
            for (int j = 0; j < 3; j++) {
                double at = t + dt * j / 2;
                p[j] = doc_watts(at >= fade_s ? d1 : d0 + (d1 - d0) * at / fade_s);
            }
            k1 = (25 + 2.5 * p[0] - temp) / 300;
            k2 = (25 + 2.5 * p[1] - (temp + dt / 2 * k1)) / 300;
            k3 = (25 + 2.5 * p[1] - (temp + dt / 2 * k2)) / 300;
            k4 = (25 + 2.5 * p[2] - (temp + dt * k3)) / 300;
            temp += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            energy += dt / 6 * (p[0] + 4 * p[1] + p[2]);
        }
        CU_ASSERT_DOUBLE_EQUAL(state().temp_c, temp, 0.001);
        CU_ASSERT_DOUBLE_EQUAL((state().energy_wh - e0) * 3600, energy, 0.01);
    }
}

/* Over-temperature: ambient 45 degC at full tends to 89.93 degC, so the
 * comparator trips at 85 degC after 662.84 s, with its interrupt then;
 * dimmed to off it tends to 45.75 degC and clears below 75 degC 88.22 s
 * later. */
static void overtemp_flag_and_interrupts_at_the_crossings(void)
{
    begin();
    set_env(0, false, 45);
    machine_power_on(m);
    enable_irq(LIGHT_EV_OVERTEMP | LIGHT_EV_COOLED);
    uint64_t t0 = machine_now_ns(m);
    uint64_t d = machine_next_deadline_ns(m);
    CU_ASSERT(d >= t0 + 662838 * MS && d <= t0 + 662848 * MS);
    run_to(t0 + 662 * S);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
    run_to(t0 + 663 * S);
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_OVERTEMP);
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
    CU_ASSERT_TRUE(state().overtemp);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);

    /* Off from here: Tss = 45.75; cools below 75 after
     * 300 ln((T1 - 45.75) / 29.25) s. */
    double t1 = state().temp_c;
    uint64_t off = machine_now_ns(m);
    set_output(0, 4000, true);
    double cool_s = 300 * log((t1 - 45.75) / (75 - 45.75));
    run_to(off + (uint64_t)((cool_s - 0.01) * S));
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
    run_to(off + (uint64_t)((cool_s + 0.01) * S));
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_COOLED);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
}

/* Thresholds: written low then high; an empty band is refused. */
static void temperature_thresholds(void)
{
    begin();
    set_env(0, false, 25);
    wr(LIGHT_REG_TEMP_LOW, 3000);
    wr(LIGHT_REG_TEMP_HIGH, 4000);
    wait_ns(300 * S); /* 53.4 degC */
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_OVERTEMP);
    wr(LIGHT_REG_TEMP_LOW, 9000);
    wr(LIGHT_REG_TEMP_HIGH, 9000);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "TEMP_LOW 9000 not below TEMP_HIGH 9000"));
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TEMP_HIGH), 4000u);
    /* A band above the temperature now: the comparator clears (no
     * interrupt for that is asked here, but the event is there). */
    wr(LIGHT_REG_TEMP_LOW, 6000);
    wr(LIGHT_REG_TEMP_HIGH, 7000);
    CU_ASSERT_TRUE(rd(LIGHT_REG_EVENTS) & LIGHT_EV_COOLED);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
}

/* ---- sensor faults ---- */

static void fault(enum machine_light_sensor s, enum machine_light_fault f)
{
    machine_light_set_sensor_fault(m, s, f);
}

static void lux_stuck_freezes_the_reading(void)
{
    begin();
    set_env(200, false, 25);
    uint32_t before = rd(LIGHT_REG_LUX);
    fault(MACHINE_LIGHT_SENSOR_LUX, MACHINE_LIGHT_FAULT_STUCK);
    set_env(5000, false, 25);
    set_output(0, 4000, true);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX), before);
    CU_ASSERT_DOUBLE_EQUAL(state().lux, 5000, 0.01); /* the room is what it is */
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_LUX_OK);
    fault(MACHINE_LIGHT_SENSOR_LUX, MACHINE_LIGHT_FAULT_NONE);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX), 500000u);
}

static void lux_absent_reports_none(void)
{
    begin();
    enable_irq(LIGHT_EV_SENSOR | LIGHT_EV_LUX);
    wr(LIGHT_REG_LUX_LOW, 0);
    wr(LIGHT_REG_LUX_HIGH, 100);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
    fault(MACHINE_LIGHT_SENSOR_LUX, MACHINE_LIGHT_FAULT_ABSENT);
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_SENSOR);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX), LIGHT_LUX_NONE);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_LUX_OK);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_LUX_OUT);
    CU_ASSERT_TRUE(isnan(state().lux_reading));
    /* Back, it sees the lamp's 110 lx outside [0, 1] lx at once. */
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
    fault(MACHINE_LIGHT_SENSOR_LUX, MACHINE_LIGHT_FAULT_NONE);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_LUX);
}

static void lux_noisy_stays_near_the_truth(void)
{
    uint32_t seen[20];
    unsigned distinct = 0, below = 0;

    begin();
    set_env(1000, false, 25);
    set_output(0, 4000, true);
    fault(MACHINE_LIGHT_SENSOR_LUX, MACHINE_LIGHT_FAULT_NOISY);
    for (int i = 0; i < 20; i++) {
        seen[i] = rd(LIGHT_REG_LUX);
        /* +-(10 % + 2 lx) of 1000 lx */
        CU_ASSERT(seen[i] >= 89800 && seen[i] <= 110200);
        CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX), seen[i]); /* one sample per 100 ms */
        distinct += i > 0 && seen[i] != seen[i - 1];
        below += seen[i] < 100000;
        wait_ns(100 * MS);
    }
    CU_ASSERT(distinct >= 15);
    CU_ASSERT(below >= 4 && below <= 16); /* on both sides of the truth */
}

static void temp_stuck_hides_overheating(void)
{
    begin();
    set_env(0, false, 60);
    machine_power_on(m);
    enable_irq(LIGHT_EV_OVERTEMP);
    fault(MACHINE_LIGHT_SENSOR_TEMP, MACHINE_LIGHT_FAULT_STUCK);
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
    wait_ns(3600 * S);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TEMP), 6000u);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT(state().temp_c > 100); /* the driver is at 104.93 degC */
    /* Unstuck, the comparator sees it at once. */
    fault(MACHINE_LIGHT_SENSOR_TEMP, MACHINE_LIGHT_FAULT_NONE);
    CU_ASSERT_TRUE(irq());
}

static void temp_absent_reports_none(void)
{
    begin();
    set_env(0, false, 60);
    wait_ns(3600 * S);
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
    fault(MACHINE_LIGHT_SENSOR_TEMP, MACHINE_LIGHT_FAULT_ABSENT);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OVERTEMP);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TEMP), LIGHT_TEMP_NONE);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_TEMP_OK);
    CU_ASSERT_TRUE(rd(LIGHT_REG_EVENTS) & LIGHT_EV_SENSOR);
    CU_ASSERT_TRUE(isnan(state().temp_reading_c));
}

static void temp_noisy_stays_near_the_truth(void)
{
    unsigned below = 0;

    begin();
    fault(MACHINE_LIGHT_SENSOR_TEMP, MACHINE_LIGHT_FAULT_NOISY);
    for (int i = 0; i < 20; i++) {
        double truth = state().temp_c;
        int32_t got = (int32_t)rd(LIGHT_REG_TEMP);
        CU_ASSERT(fabs(got / 100.0 - truth) <= 1.0 + 0.005);
        below += got / 100.0 < truth;
        wait_ns(1000 * MS);
    }
    CU_ASSERT(below >= 4 && below <= 16);
}

static void pir_stuck_ignores_movement(void)
{
    begin();
    machine_light_motion(m);
    fault(MACHINE_LIGHT_SENSOR_PIR, MACHINE_LIGHT_FAULT_STUCK);
    wait_ns(600 * S); /* the hold has long passed: stuck occupied */
    machine_light_motion(m);
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OCCUPIED);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_MOTIONS), 1u);
    CU_ASSERT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
}

static void pir_absent_sees_nothing(void)
{
    begin();
    enable_irq(LIGHT_EV_MOTION);
    fault(MACHINE_LIGHT_SENSOR_PIR, MACHINE_LIGHT_FAULT_ABSENT);
    wr(LIGHT_REG_EVENTS, LIGHT_EV_ALL);
    machine_light_motion(m);
    set_env(0, true, 25);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & (LIGHT_STATUS_OCCUPIED | LIGHT_STATUS_PIR_OK));
    CU_ASSERT_EQUAL(rd(LIGHT_REG_MOTIONS), 0u);
    /* Repaired in an occupied room: occupancy begins. */
    fault(MACHINE_LIGHT_SENSOR_PIR, MACHINE_LIGHT_FAULT_NONE);
    CU_ASSERT_TRUE(irq());
    CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_OCCUPIED);
}

/* A noisy PIR sees movements in an empty room (20 s apart on average). */
static void pir_noisy_sees_ghosts(void)
{
    begin();
    enable_irq(LIGHT_EV_MOTION);
    fault(MACHINE_LIGHT_SENSOR_PIR, MACHINE_LIGHT_FAULT_NOISY);
    CU_ASSERT_NOT_EQUAL(machine_next_deadline_ns(m), UINT64_MAX);
    run_to(machine_next_deadline_ns(m));
    CU_ASSERT_TRUE(irq());
    wait_ns(1200 * S);
    uint32_t n = rd(LIGHT_REG_MOTIONS);
    CU_ASSERT(n >= 30 && n <= 100);
}

/* Noise comes from the machine's seed: the same seed reads the same. */
static void noise_is_seeded(void)
{
    uint32_t a[3][10];
    uint64_t seeds[3] = { 5, 5, 6 };

    for (int k = 0; k < 3; k++) {
        begin_seeded(seeds[k]);
        fault(MACHINE_LIGHT_SENSOR_TEMP, MACHINE_LIGHT_FAULT_NOISY);
        fault(MACHINE_LIGHT_SENSOR_PIR, MACHINE_LIGHT_FAULT_NOISY);
        for (int i = 0; i < 5; i++) {
            a[k][i] = rd(LIGHT_REG_TEMP);
            wait_ns(500 * MS);
        }
        for (int i = 5; i < 10; i++) {
            run_to(machine_next_deadline_ns(m) + 1);
            a[k][i] = (uint32_t)(machine_now_ns(m) / MS);
        }
    }
    CU_ASSERT_EQUAL(memcmp(a[0], a[1], sizeof(a[0])), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a[0], a[2], sizeof(a[0])), 0);
}

/* Energy: the power's integral, in mWh. */
static void energy_accumulates(void)
{
    static const struct {
        uint32_t level;
        double hours;
        uint32_t want_mwh;
    } cases[] = {
        { 100000, 1, 17972 },
        { 50000, 2, 18198 },
        { 10000, 0.5, 1170 },
        { 0, 10, 3000 },
    };

    uint32_t e0;

    begin();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        set_output(cases[i].level, 4000, true);
        e0 = rd(LIGHT_REG_ENERGY);
        double w0 = state().energy_wh;
        wait_ns((uint64_t)(cases[i].hours * 3600 * S));
        CU_ASSERT(abs((int)(rd(LIGHT_REG_ENERGY) - e0) - (int)cases[i].want_mwh) <= 1);
        CU_ASSERT_DOUBLE_EQUAL(state().energy_wh - w0, cases[i].want_mwh / 1000.0, 0.002);
    }
    /* EN alone: the driver stops, the lamp draws standby (0.3 W), and
     * starts again where the level is. */
    set_output(100000, 4000, true);
    e0 = rd(LIGHT_REG_ENERGY);
    wait_ns(1800 * S);
    wr(LIGHT_REG_CTRL, 0);
    wait_ns(3600 * S);
    wr(LIGHT_REG_CTRL, LIGHT_CTRL_EN);
    wait_ns(1800 * S);
    CU_ASSERT(abs((int)(rd(LIGHT_REG_ENERGY) - e0) - (8986 + 300 + 8986)) <= 1);
    /* Over a fade from off to full in an hour: the mean of P(d) for d
     * from 0 to 1 (the loss's square term averages d^2 to 1/3). */
    set_output(0, 4000, true);
    e0 = rd(LIGHT_REG_ENERGY);
    wr(LIGHT_REG_TARGET_LEVEL, 100000);
    wr(LIGHT_REG_FADE, 3600000);
    wait_ns(1800 * S);
    rd(LIGHT_REG_STATUS); /* looking in the middle changes nothing */
    wait_ns(1800 * S);
    CU_ASSERT(abs((int)(rd(LIGHT_REG_ENERGY) - e0) - 9178) <= 1);
}

/* The meter keeps counting through an MCU reset, and loses its count with
 * the power (docs/hardware.md#resets-and-the-energy-counter). */
static void energy_survives_reset_not_power_cut(void)
{
    begin();
    wait_ns(3600 * S);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_ENERGY), 17972u);
    m->pending_reset = 0;
    light_ops.reset(machine_periph_opaque(m, &light_ops), MACHINE_RESET_WDT);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_ENERGY), 17972u);
    wait_ns(3600 * S);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_ENERGY), 35945u);
    machine_power_off(m, "test");
    CU_ASSERT_FALSE(state().powered);
    CU_ASSERT_EQUAL(state().energy_wh, 0.0);
    machine_power_on(m);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_ENERGY), 0u);
}

/* An MCU reset resets the interface, not the light: a fade goes on. */
static void warm_reset_keeps_the_light_and_clears_the_interface(void)
{
    begin();
    set_env(0, false, 25);
    set_output(20000, 3000, true);
    enable_irq(LIGHT_EV_ALL);
    wr(LIGHT_REG_PIR_HOLD, 5000);
    wr(LIGHT_REG_LUX_LOW, 1);
    wr(LIGHT_REG_LUX_HIGH, 2);
    CU_ASSERT_TRUE(irq());
    wr(LIGHT_REG_TARGET_LEVEL, 60000);
    wr(LIGHT_REG_TARGET_CCT, 5000);
    uint64_t t0 = machine_now_ns(m);
    wr(LIGHT_REG_FADE, 2000);
    run_to(t0 + 500 * MS);
    double temp = state().temp_c;

    light_ops.reset(machine_periph_opaque(m, &light_ops), MACHINE_RESET_SYSRESETREQ);
    CU_ASSERT_FALSE(irq());
    CU_ASSERT_EQUAL(rd(LIGHT_REG_CTRL), LIGHT_CTRL_EN);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_INTEN), 0u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), 0u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_PIR_HOLD), LIGHT_PIR_HOLD_DEFAULT_MS);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX_HIGH), LIGHT_LUX_HIGH_DEFAULT);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_LUX_OUT);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TARGET_LEVEL), 60000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TARGET_CCT), 5000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), 30000u);
    CU_ASSERT_DOUBLE_EQUAL(state().temp_c, temp, 1e-9);
    run_to(t0 + 2000 * MS);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), 60000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_CCT), 5000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), LIGHT_EV_FADE_DONE); /* the fade ended after */

    /* Power on: all of it back to the power-on state, the room kept. */
    set_env(0, false, 30);
    machine_power_on(m);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LEVEL), LIGHT_POWER_ON_LEVEL);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_CCT), LIGHT_POWER_ON_CCT_K);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_TEMP), 3000u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), 0u);
}

/* SNAPSHOT: every reading of one instant, by DMA, in one write. */
static void snapshot_writes_every_reading_at_once(void)
{
    const uint32_t addr = SRAM_BASE + 0x1000;
    struct light_report r;

    begin();
    set_env(250, false, 25);
    machine_light_motion(m);
    set_output(40000, 3000, true);
    wait_ns(120 * S);
    wr(LIGHT_REG_TARGET_LEVEL, 0);
    wr(LIGHT_REG_FADE, 10000);
    wait_ns(2500 * MS);
    wr(LIGHT_REG_SNAPSHOT, addr);
    CU_ASSERT_TRUE(machine_read_phys(m, addr, &r, sizeof(r)));
    CU_ASSERT_EQUAL(r.status, rd(LIGHT_REG_STATUS));
    CU_ASSERT_EQUAL(r.events, rd(LIGHT_REG_EVENTS));
    CU_ASSERT_EQUAL(r.level, 30000u);
    CU_ASSERT_EQUAL(r.level, rd(LIGHT_REG_LEVEL));
    CU_ASSERT_EQUAL(r.cct_k, 3000u);
    CU_ASSERT_EQUAL(r.warm_duty, rd(LIGHT_REG_WARM_DUTY));
    CU_ASSERT_EQUAL(r.cool_duty, rd(LIGHT_REG_COOL_DUTY));
    CU_ASSERT_EQUAL(r.power_mw, rd(LIGHT_REG_POWER));
    CU_ASSERT_EQUAL(r.energy_mwh, rd(LIGHT_REG_ENERGY));
    CU_ASSERT_EQUAL((uint32_t)r.temp_centi_c, rd(LIGHT_REG_TEMP));
    CU_ASSERT_EQUAL(r.lux_centi, rd(LIGHT_REG_LUX));
    CU_ASSERT_EQUAL(r.motions, 1u);
    CU_ASSERT_EQUAL(r.fade_left_ms, 7500u);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_SNAPSHOT), addr);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_SNAPERR);

    static const uint32_t bad[] = { 0x00001000, SRAM_BASE + 2, SRAM_BASE + SRAM_SIZE - 44 };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        wr(LIGHT_REG_SNAPSHOT, bad[i]);
        CU_ASSERT_TRUE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_SNAPERR);
        CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "not a word-aligned 48-byte block"));
    }
    wr(LIGHT_REG_SNAPSHOT, addr);
    CU_ASSERT_FALSE(rd(LIGHT_REG_STATUS) & LIGHT_STATUS_SNAPERR);
}

/* Reading the state from the host changes nothing the lamp sees: two
 * lamps, one read all the time, the other never, stay the same. */
static void reading_the_state_changes_nothing(void)
{
    g_autofree char *d2 = bench_tmpdir();
    struct machine *other = bench_machine_new(d2, 42, NULL);
    struct machine *mine;

    CU_ASSERT_PTR_NOT_NULL_FATAL(other);
    begin();
    mine = m;
    machine_power_on(other);
    for (int k = 0; k < 2; k++) {
        m = k ? other : mine;
        struct machine_light_env env = { 0, false, 45 };
        machine_light_set_env(m, &env, NULL);
        machine_light_set_sensor_fault(m, MACHINE_LIGHT_SENSOR_PIR, MACHINE_LIGHT_FAULT_NOISY);
        enable_irq(LIGHT_EV_OVERTEMP | LIGHT_EV_MOTION);
        wr(LIGHT_REG_TARGET_LEVEL, 0);
        wr(LIGHT_REG_FADE, 900000);
    }
    for (int step = 0; step < 40; step++) {
        m = mine;
        for (int i = 0; i < 7; i++) {
            state();
            m->sleep_skipped_ns += 3 * S;
        }
        state();
        uint64_t t = machine_now_ns(mine);
        m = other;
        run_to(t);
        m = mine;
        run_to(t);
        CU_ASSERT_EQUAL(machine_next_deadline_ns(mine), machine_next_deadline_ns(other));
    }
    m = mine;
    uint32_t e1 = rd(LIGHT_REG_EVENTS), n1 = rd(LIGHT_REG_MOTIONS);
    m = other;
    CU_ASSERT_EQUAL(rd(LIGHT_REG_EVENTS), e1);
    CU_ASSERT_EQUAL(rd(LIGHT_REG_MOTIONS), n1);
    CU_ASSERT(n1 > 0);
    machine_free(other);
    bench_rmdir(d2);
    m = mine;
}

/* What the firmware gets wrong is logged and clamped, not obeyed. */
static void bad_register_values_are_guest_errors(void)
{
    static const struct {
        uint32_t off, value, reads;
        const char *log;
    } cases[] = {
        { LIGHT_REG_TARGET_LEVEL, 100001, 100000, "TARGET_LEVEL 100001 out of 0..100000" },
        { LIGHT_REG_TARGET_CCT, 2000, 2700, "TARGET_CCT 2000 out of 2700..6500" },
        { LIGHT_REG_TARGET_CCT, 9000, 6500, "TARGET_CCT 9000 out of 2700..6500" },
        { LIGHT_REG_PIR_HOLD, 10, 1000, "PIR_HOLD 10 out of" },
        { LIGHT_REG_FADE, 4000000, 3600000, "FADE 4000000 out of 0..3600000" },
    };

    begin();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        wr(cases[i].off, cases[i].value);
        CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), cases[i].log));
        CU_ASSERT_EQUAL(rd(cases[i].off), cases[i].reads);
    }
    rd(0x0FC);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "light: read of 0x0fc"));
    wr(LIGHT_REG_LEVEL, 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "read-only or unknown 0x014"));
    wr(LIGHT_REG_LUX_LOW, 500);
    wr(LIGHT_REG_LUX_HIGH, 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "lux window 500..100 is empty"));
    CU_ASSERT_EQUAL(rd(LIGHT_REG_LUX_HIGH), LIGHT_LUX_HIGH_DEFAULT);
}

/* The room's values are checked: a typo is refused with what is allowed. */
static void env_out_of_range_is_refused(void)
{
    static const struct {
        double daylight, ambient;
        const char *why;
    } cases[] = {
        { -1, 25, "daylight -1 lx: out of 0..200000" },
        { 300000, 25, "daylight 300000 lx" },
        { NAN, 25, "daylight nan lx" },
        { 0, 100, "ambient temperature 100 degC: out of the lamp's -40..85" },
        { 0, -41, "ambient temperature -41" },
    };

    begin();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        struct machine_light_env env = { cases[i].daylight, false, cases[i].ambient }, now;
        CU_ASSERT_FALSE(machine_light_set_env(m, &env, &error));
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        CU_ASSERT_PTR_NOT_NULL(strstr(error->message, cases[i].why));
        machine_light_get_env(m, &now);
        CU_ASSERT_EQUAL(now.ambient_temp_c, 25.0);
    }
}

int main(void)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        { "identity_and_power_on_defaults", identity_and_power_on_defaults },
        { "level_sets_power_and_lumens", level_sets_power_and_lumens },
        { "cct_splits_the_duty_between_strings", cct_splits_the_duty_between_strings },
        { "fade_follows_virtual_time", fade_follows_virtual_time },
        { "fade_done_interrupts_at_the_end", fade_done_interrupts_at_the_end },
        { "fade_retargeted_midway", fade_retargeted_midway },
        { "pir_occupancy_and_hold", pir_occupancy_and_hold },
        { "pir_interrupts_begin_and_end_of_occupancy", pir_interrupts_begin_and_end_of_occupancy },
        { "occupied_lit_room_arms_no_timer", occupied_lit_room_arms_no_timer },
        { "lux_is_daylight_plus_the_lamps_leak", lux_is_daylight_plus_the_lamps_leak },
        { "lux_window_interrupts_when_left", lux_window_interrupts_when_left },
        { "temperature_rises_toward_steady_state", temperature_rises_toward_steady_state },
        { "temperature_during_fades_matches_the_equation",
          temperature_during_fades_matches_the_equation },
        { "overtemp_flag_and_interrupts_at_the_crossings", overtemp_flag_and_interrupts_at_the_crossings },
        { "temperature_thresholds", temperature_thresholds },
        { "lux_stuck_freezes_the_reading", lux_stuck_freezes_the_reading },
        { "lux_absent_reports_none", lux_absent_reports_none },
        { "lux_noisy_stays_near_the_truth", lux_noisy_stays_near_the_truth },
        { "temp_stuck_hides_overheating", temp_stuck_hides_overheating },
        { "temp_absent_reports_none", temp_absent_reports_none },
        { "temp_noisy_stays_near_the_truth", temp_noisy_stays_near_the_truth },
        { "pir_stuck_ignores_movement", pir_stuck_ignores_movement },
        { "pir_absent_sees_nothing", pir_absent_sees_nothing },
        { "pir_noisy_sees_ghosts", pir_noisy_sees_ghosts },
        { "noise_is_seeded", noise_is_seeded },
        { "energy_accumulates", energy_accumulates },
        { "energy_survives_reset_not_power_cut", energy_survives_reset_not_power_cut },
        { "warm_reset_keeps_the_light_and_clears_the_interface",
          warm_reset_keeps_the_light_and_clears_the_interface },
        { "snapshot_writes_every_reading_at_once", snapshot_writes_every_reading_at_once },
        { "reading_the_state_changes_nothing", reading_the_state_changes_nothing },
        { "bad_register_values_are_guest_errors", bad_register_values_are_guest_errors },
        { "env_out_of_range_is_refused", env_out_of_range_is_refused },
    };
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("light", setup, teardown);
    for (size_t i = 0; i < G_N_ELEMENTS(tests); i++)
        CU_add_test(s, tests[i].name, tests[i].fn);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
