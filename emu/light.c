/* emu/light.c: LIGHT, the lamp's light engine (docs/hardware.md#light):
 * an LED driver whose PWM level is shared by a warm and a cool string
 * (tunable white) and which fades on its own, a power meter with an
 * energy accumulator, and three sensors (ambient light, PIR occupancy,
 * driver temperature) behind one interrupt.  The room the lamp is in is
 * set from outside (machine_light_*, at the end of this file).
 *
 * Nothing ticks.  The output is a plan (a fade: level and mired linear in
 * virtual time, then constant), and temperature and energy are exact
 * functions of time from the last input that changed them (the anchor),
 * so they are evaluated when someone looks.  What happens on its own (a
 * fade ends, occupancy times out, a comparator trips, a noisy PIR fires)
 * is found in time order when the model is next touched, and a timer is
 * armed only for a happening whose interrupt is enabled and would change
 * the interrupt line: a lamp lit in an occupied room is not woken. */
#include "periph.h"
#include "record.h" /* record_put_env */
#include "rr.h"

#include <math.h>
#include <string.h>

_Static_assert(LIGHT_BASE >= PERIPH_BASE &&
               LIGHT_BASE < PERIPH_BASE + PERIPH_WINDOWS * PERIPH_WINDOW &&
               LIGHT_BASE % PERIPH_WINDOW == 0, "LIGHT needs a peripheral window of its own");

/* ---- the lamp model (docs/hardware.md#the-lamp-model) ----
 * A T8 tube: two LED strings on one constant-current driver that
 * time-shares its PWM between them, so the total duty sets the power and
 * the split sets the colour. */
#define STANDBY_W 0.30       /* MCU, radios, sensors: drawn on or off */
#define DRIVER_IDLE_W 0.40   /* the driver's own draw while it drives the LEDs */
#define LED_FULL_W 15.4      /* the strings' power at 100 % duty */
#define DRIVER_LOSS_PROP 0.06    /* switching losses, a share of the LED power */
#define DRIVER_LOSS_SQUARE 0.004 /* conduction losses, per W^2 of LED power */
#define WARM_FULL_LM 2050.0  /* the warm string alone at 100 % */
#define COOL_FULL_LM 2350.0  /* the cool string alone at 100 % */
#define MIRED_WARM (1e6 / LIGHT_CCT_MIN_K)
#define MIRED_COOL (1e6 / LIGHT_CCT_MAX_K)
#define LEAK_LUX_PER_LM 0.05 /* what the ceiling sensor sees of the lamp's own light */
#define THERMAL_K_PER_W 2.5  /* the driver's steady rise over ambient, per W of input */
#define THERMAL_TAU_S 300.0  /* its time constant */

/* Sensor faults (docs/hardware.md#the-room-and-sensor-faults). */
#define NOISE_PERIOD_NS 100000000ull /* a noisy reading changes every 100 ms */
#define TEMP_NOISE_C 1.0             /* +- */
#define LUX_NOISE_SHARE 0.10         /* +- 10 % of the reading ... */
#define LUX_NOISE_FLOOR 2.0          /* ... + 2 lx */
#define GHOST_MEAN_S 20.0            /* a noisy PIR's false triggers, on average */

/* Finding when a comparator trips: samples over a fade, then bisection
 * down to a microsecond; the thermal search looks this many
 * time constants past the last change (beyond it the temperature has
 * settled to within 0.005 %). */
#define CROSS_SAMPLES 32
#define CROSS_RESOLUTION_NS 1000ull
#define THERMAL_HORIZON_TAUS 10
#define MAX_HAPPENINGS 100000

/* Input power at total duty d (0..1): standby always; the driver and the
 * LEDs while it drives them.  Its fixed draw makes the driver's efficiency
 * (LED power over what it draws) fall at low levels: 87 % at full, 75 % at
 * 10 %, 27 % at 1 %. */
static double lamp_watts(bool en, double d)
{
    double led = LED_FULL_W * d;

    if (!en || d <= 0)
        return STANDBY_W;
    return STANDBY_W + DRIVER_IDLE_W + led * (1 + DRIVER_LOSS_PROP) + DRIVER_LOSS_SQUARE * led * led;
}

/* lamp_watts over a piece where d = d0 + r u (u in seconds), as
 * c0 + c1 u + c2 u^2; on: the driver drives over the piece (EN, and the
 * duty above 0 inside it). */
struct poly {
    double c0, c1, c2;
};

static struct poly watts_poly(bool on, double d0, double r)
{
    double k1 = LED_FULL_W * (1 + DRIVER_LOSS_PROP), k2 = DRIVER_LOSS_SQUARE * LED_FULL_W * LED_FULL_W;

    if (!on)
        return (struct poly){ STANDBY_W, 0, 0 };
    return (struct poly){ STANDBY_W + DRIVER_IDLE_W + k1 * d0 + k2 * d0 * d0, k1 * r + 2 * k2 * d0 * r,
                          k2 * r * r };
}

/* The share of the duty the cool string gets for a colour given in mired
 * (1e6 / K).  The model takes the mix's mired as the lumen-weighted mean
 * of the strings' (an approximation of the chromaticity mix: two whites
 * mix along the line between them, not along the Planckian locus), and
 * the strings' efficacies differ, so lumen shares become duty shares. */
static double cool_share(double mired)
{
    double f = CLAMP((MIRED_WARM - mired) / (MIRED_WARM - MIRED_COOL), 0.0, 1.0);
    double cool = f / COOL_FULL_LM, warm = (1 - f) / WARM_FULL_LM;

    return cool / (cool + warm);
}

static double lamp_lumens(bool en, double d, double mired)
{
    double c = cool_share(mired);

    return en ? d * (c * COOL_FULL_LM + (1 - c) * WARM_FULL_LM) : 0.0;
}

/* ---- state ---- */

/* The output's plan: from start, level (0..1) and colour (mired) move
 * linearly for ns, then stay at the targets. */
struct fade {
    uint64_t start, ns;
    double from_level, to_level, from_mired, to_mired;
};

/* What the model finds happening on its own, in the order ties are taken. */
enum happening { H_FADE_END, H_VACANT, H_GHOST, H_TEMP, H_LUX, H_NONE };

struct light {
    struct machine *m;
    struct machine_timer *timer;
    uint64_t armed_at;            /* the timer's deadline, UINT64_MAX when not armed */
    bool deadline_dirty;          /* something changed: find the next deadline again */
    uint64_t noise_key;
    /* registers the firmware sets */
    uint32_t ctrl, events, inten, target_level, target_cct, pir_hold_ms, snapshot;
    uint32_t lux_low, lux_high, lux_low_staged;
    int32_t temp_low, temp_high, temp_low_staged;
    bool snap_err;
    /* the output */
    struct fade fade;
    bool fading;                  /* its FADE_DONE is still to come */
    /* temperature and energy at anchor_ns; exact from there on */
    uint64_t anchor_ns;
    double anchor_temp_c, anchor_energy_j;
    /* the room and the sensors */
    struct machine_light_env env;
    enum machine_light_fault fault[MACHINE_LIGHT_SENSORS];
    double stuck_lux, stuck_temp_c;
    bool occupied;
    uint64_t last_motion_ns;
    uint32_t motions;
    uint64_t ghost_ns, ghosts;    /* a noisy PIR's next false trigger, and its count */
    bool overtemp, lux_out;       /* the comparators */
    uint64_t checked_ns;          /* happenings are taken up to here */
};

static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit(uint64_t h) /* [0, 1) */
{
    return (double)(h >> 11) * 0x1.0p-53;
}

/* Where a quantity of the plan is at t: from, moving linearly, then to. */
static double fade_at(const struct fade *f, uint64_t t, double from, double to)
{
    if (t >= f->start + f->ns)
        return to;
    if (t <= f->start)
        return from;
    return from + (to - from) * (double)(t - f->start) / (double)f->ns;
}

static double fade_level(const struct fade *f, uint64_t t)
{
    return fade_at(f, t, f->from_level, f->to_level);
}

static double fade_mired(const struct fade *f, uint64_t t)
{
    return fade_at(f, t, f->from_mired, f->to_mired);
}

static bool enabled(const struct light *l) { return l->ctrl & LIGHT_CTRL_EN; }
static uint64_t fade_end(const struct light *l) { return l->fade.start + l->fade.ns; }

/* ---- physics: exact from the anchor ---- */

/* One piece of the plan, span_s long, with the duty d0 + r u: the input
 * power is a quadratic in time, the first-order thermal equation
 * dT/du = (Tss(u) - T) / tau with Tss = ambient + k P(u) has the
 * particular solution Tp below (T = Tp + (T0 - Tp(0)) e^(-u/tau), written
 * with expm1 so that short pieces of fast fades keep their precision), and
 * energy is the power's integral. */
static void physics_piece(bool en, double d0, double r, double span_s, double ambient_c,
                          double *temp_c, double *energy_j)
{
    double u = span_s, tau = THERMAL_TAU_S;
    struct poly p = watts_poly(en && (d0 > 0 || d0 + r * u > 0), d0, r);
    double a = ambient_c + THERMAL_K_PER_W * p.c0, b = THERMAL_K_PER_W * p.c1,
           c = THERMAL_K_PER_W * p.c2;
    double tp0 = a - b * tau + 2 * c * tau * tau;

    *temp_c += (*temp_c - tp0) * expm1(-u / tau) + (b - 2 * c * tau) * u + c * u * u;
    *energy_j += p.c0 * u + p.c1 * u * u / 2 + p.c2 * u * u * u / 3;
}

static void physics_at(const struct light *l, uint64_t t, double *temp_c, double *energy_j)
{
    uint64_t a = l->anchor_ns, fe = fade_end(l);
    double temp = l->anchor_temp_c, energy = l->anchor_energy_j;
    /* the fade's rate from its definition, not from two close samples */
    double rate = l->fade.ns ? (l->fade.to_level - l->fade.from_level) / (l->fade.ns / 1e9) : 0;

    while (a < t) {
        uint64_t b = a < fe ? MIN(t, fe) : t;
        physics_piece(enabled(l), fade_level(&l->fade, a), a < fe ? rate : 0, (double)(b - a) / 1e9,
                      l->env.ambient_temp_c, &temp, &energy);
        a = b;
    }
    *temp_c = temp;
    *energy_j = energy;
}

/* An input that changes the physics from now on: fix where they are. */
static void reanchor(struct light *l, uint64_t now)
{
    double temp, energy;

    physics_at(l, now, &temp, &energy);
    l->anchor_ns = now;
    l->anchor_temp_c = temp;
    l->anchor_energy_j = energy;
}

static double temp_at(const struct light *l, uint64_t t)
{
    double temp, energy;
    physics_at(l, t, &temp, &energy);
    return temp;
}

static double lumens_at(const struct light *l, uint64_t t)
{
    return lamp_lumens(enabled(l), fade_level(&l->fade, t), fade_mired(&l->fade, t));
}

static double lux_at(const struct light *l, uint64_t t)
{
    return l->env.daylight_lux + LEAK_LUX_PER_LM * lumens_at(l, t);
}

/* ---- sensors ---- */

static bool pir_live(const struct light *l)
{
    enum machine_light_fault f = l->fault[MACHINE_LIGHT_SENSOR_PIR];
    return f == MACHINE_LIGHT_FAULT_NONE || f == MACHINE_LIGHT_FAULT_NOISY;
}

/* Noise in (-1, 1) (triangular) for a sensor's sample at t: a function of
 * the seed and the 100 ms slot, so readings do not depend on who reads. */
static double noise(const struct light *l, unsigned sensor, uint64_t t)
{
    uint64_t h = mix64(l->noise_key ^ mix64(sensor + 1) ^ mix64(t / NOISE_PERIOD_NS));
    return unit(h) + unit(mix64(h)) - 1.0;
}

/* What the comparators see: the sensor's value, frozen when stuck (noise
 * is on the readings only). */
static double temp_seen(const struct light *l, uint64_t t)
{
    return l->fault[MACHINE_LIGHT_SENSOR_TEMP] == MACHINE_LIGHT_FAULT_STUCK ? l->stuck_temp_c
                                                                          : temp_at(l, t);
}

static double lux_seen(const struct light *l, uint64_t t)
{
    return l->fault[MACHINE_LIGHT_SENSOR_LUX] == MACHINE_LIGHT_FAULT_STUCK ? l->stuck_lux
                                                                         : lux_at(l, t);
}

/* The readings: NAN when the sensor does not answer. */
static double temp_reading(const struct light *l, uint64_t t)
{
    switch (l->fault[MACHINE_LIGHT_SENSOR_TEMP]) {
    case MACHINE_LIGHT_FAULT_ABSENT: return NAN;
    case MACHINE_LIGHT_FAULT_NOISY:
        return temp_at(l, t) + TEMP_NOISE_C * noise(l, MACHINE_LIGHT_SENSOR_TEMP, t);
    default: return temp_seen(l, t);
    }
}

static double lux_reading(const struct light *l, uint64_t t)
{
    double v;

    switch (l->fault[MACHINE_LIGHT_SENSOR_LUX]) {
    case MACHINE_LIGHT_FAULT_ABSENT: return NAN;
    case MACHINE_LIGHT_FAULT_NOISY:
        v = lux_at(l, t);
        return MAX(0.0, v + (LUX_NOISE_SHARE * v + LUX_NOISE_FLOOR) *
                                noise(l, MACHINE_LIGHT_SENSOR_LUX, t));
    default: return lux_seen(l, t);
    }
}

/* A noisy PIR's false triggers: exponential intervals from the seed, the
 * nth one a function of n, so the stream does not depend on who looks. */
static uint64_t ghost_interval(const struct light *l)
{
    double u = unit(mix64(l->noise_key ^ 0x50495247686F7374ull ^ mix64(l->ghosts)));
    return (uint64_t)(-GHOST_MEAN_S * log1p(-u) * 1e9) + 1;
}

/* ---- happenings ---- */

/* A movement in front of the PIR: counted; occupancy begins (an event)
 * or its hold restarts. */
static void movement(struct light *l, uint64_t t)
{
    if (!pir_live(l))
        return;
    l->motions++;
    l->last_motion_ns = t;
    if (!l->occupied) {
        l->occupied = true;
        l->events |= LIGHT_EV_MOTION;
    }
}

/* Whether a comparator would flip at t: the temperature one trips at
 * TEMP_HIGH and clears below TEMP_LOW; the lux one trips outside the
 * window and clears inside it. */
static bool flips_at(const struct light *l, enum happening which, uint64_t t)
{
    if (which == H_TEMP) {
        double c = temp_seen(l, t) * 100;
        return l->overtemp ? c < l->temp_low : c >= l->temp_high;
    }
    double c = lux_seen(l, t) * 100;
    bool outside = c < l->lux_low || c > l->lux_high;
    return l->lux_out ? !outside : outside;
}

static bool comparator_live(const struct light *l, enum happening which)
{
    enum machine_light_sensor s = which == H_TEMP ? MACHINE_LIGHT_SENSOR_TEMP : MACHINE_LIGHT_SENSOR_LUX;
    return l->fault[s] != MACHINE_LIGHT_FAULT_ABSENT;
}

/* The first time in [after, until] a comparator flips, or UINT64_MAX:
 * each piece of the plan sampled, then the sample interval bisected.
 * After a fade the output is constant, the lux with it and the
 * temperature monotonic on its way to steady state: the piece's end says
 * whether it crosses. */
static uint64_t first_flip(const struct light *l, enum happening which, uint64_t after, uint64_t until)
{
    uint64_t fe = fade_end(l), a = after;

    if (!comparator_live(l, which))
        return UINT64_MAX;
    if (flips_at(l, which, after))
        return after;
    while (a < until) {
        uint64_t b = a < fe && fe < until ? fe : until, lo = a;
        unsigned samples = a < fe ? CROSS_SAMPLES : 1;
        for (unsigned i = 1; i <= samples; i++) {
            uint64_t hi = a + (uint64_t)((double)(b - a) * i / samples);
            if (i == samples)
                hi = b;
            if (hi <= lo || !flips_at(l, which, hi)) {
                lo = MAX(lo, hi);
                continue;
            }
            while (hi - lo > CROSS_RESOLUTION_NS) {
                uint64_t mid = lo + (hi - lo) / 2;
                if (flips_at(l, which, mid))
                    hi = mid;
                else
                    lo = mid;
            }
            return hi;
        }
        a = b;
    }
    return UINT64_MAX;
}

/* When a happening of this kind comes next in [after, until], or
 * UINT64_MAX.  One already due (a hold shortened under it) comes at
 * after. */
static uint64_t happening_time(const struct light *l, enum happening h, uint64_t after, uint64_t until)
{
    uint64_t t = UINT64_MAX;

    switch (h) {
    case H_FADE_END:
        if (l->fading)
            t = MAX(fade_end(l), after);
        break;
    case H_VACANT:
        if (l->occupied && !l->env.occupied && pir_live(l))
            t = MAX(l->last_motion_ns + (uint64_t)l->pir_hold_ms * 1000000, after);
        break;
    case H_GHOST:
        if (l->fault[MACHINE_LIGHT_SENSOR_PIR] == MACHINE_LIGHT_FAULT_NOISY)
            t = MAX(l->ghost_ns, after);
        break;
    case H_TEMP:
    case H_LUX:
        return first_flip(l, h, after, until);
    case H_NONE:
        break;
    }
    return t <= until ? t : UINT64_MAX;
}

static void happen(struct light *l, enum happening h, uint64_t t)
{
    switch (h) {
    case H_FADE_END:
        l->fading = false;
        l->events |= LIGHT_EV_FADE_DONE;
        break;
    case H_VACANT:
        l->occupied = false;
        l->events |= LIGHT_EV_VACANT;
        break;
    case H_GHOST:
        movement(l, t);
        l->ghosts++;
        l->ghost_ns = t + ghost_interval(l);
        break;
    case H_TEMP:
        l->overtemp = !l->overtemp;
        l->events |= l->overtemp ? LIGHT_EV_OVERTEMP : LIGHT_EV_COOLED;
        break;
    case H_LUX:
        l->lux_out = !l->lux_out;
        if (l->lux_out)
            l->events |= LIGHT_EV_LUX;
        break;
    case H_NONE:
        break;
    }
}

/* Takes every happening up to now, in time order.  Touches only the
 * struct (machine_light_state runs it on a copy). */
static void advance(struct light *l, uint64_t now)
{
    for (unsigned n = 0;; n++) {
        enum happening first = H_NONE;
        uint64_t when = UINT64_MAX;

        for (enum happening h = 0; h < H_NONE; h++) {
            uint64_t t = happening_time(l, h, l->checked_ns, now);
            if (t < when) {
                when = t;
                first = h;
            }
        }
        if (first == H_NONE)
            break;
        if (n == MAX_HAPPENINGS) {
            machine_log(l->m, MACHINE_LOG_UNIMP, "light: over %u happenings since the model was "
                        "last looked at: those from %.3f s to %.3f s are skipped",
                        MAX_HAPPENINGS, when / 1e9, now / 1e9);
            break;
        }
        happen(l, first, when);
        l->checked_ns = when;
        l->deadline_dirty = true;
    }
    l->checked_ns = MAX(l->checked_ns, now);
}

/* Events a happening can raise. */
static uint32_t happening_events(enum happening h)
{
    switch (h) {
    case H_FADE_END: return LIGHT_EV_FADE_DONE;
    case H_VACANT: return LIGHT_EV_VACANT;
    case H_GHOST: return LIGHT_EV_MOTION;
    case H_TEMP: return LIGHT_EV_OVERTEMP | LIGHT_EV_COOLED;
    case H_LUX: return LIGHT_EV_LUX;
    case H_NONE: break;
    }
    return 0;
}

/* The next time the interrupt line may have to rise: only happenings
 * whose event is enabled and not already pending count (a pending one
 * already holds the line).  Between happenings the lux is constant
 * outside fades, and the temperature settles within the horizon. */
static uint64_t next_deadline(const struct light *l, uint64_t now)
{
    uint32_t wanted = (l->ctrl & LIGHT_CTRL_IE) ? l->inten & ~l->events : 0;
    uint64_t best = UINT64_MAX, settled = MAX(now, fade_end(l));

    for (enum happening h = 0; h < H_NONE && wanted; h++) {
        uint64_t until = UINT64_MAX;
        if (!(happening_events(h) & wanted))
            continue;
        if (h == H_TEMP)
            until = settled + (uint64_t)(THERMAL_HORIZON_TAUS * THERMAL_TAU_S * 1e9);
        else if (h == H_LUX)
            until = settled;
        best = MIN(best, happening_time(l, h, now, until));
    }
    return best;
}

static void update_irq(struct light *l)
{
    machine_irq_set(l->m, IRQ_LIGHT, (l->ctrl & LIGHT_CTRL_IE) && (l->events & l->inten));
}

/* After the model was touched: the interrupt line, and the timer when
 * what is due may have changed (arming it stops a deterministic slice,
 * so it is not armed again for the same deadline). */
static void sync_machine(struct light *l, uint64_t now)
{
    update_irq(l);
    if (!machine_timer_armed(l->timer))
        l->armed_at = UINT64_MAX;
    if (!l->deadline_dirty)
        return;
    l->deadline_dirty = false;
    uint64_t d = next_deadline(l, now);
    if (d == l->armed_at)
        return;
    l->armed_at = d;
    if (d == UINT64_MAX)
        machine_timer_cancel(l->timer);
    else
        machine_timer_arm(l->timer, d);
}

static void timer_fired(void *opaque)
{
    struct light *l = opaque;
    uint64_t now = machine_now_ns(l->m);

    l->armed_at = UINT64_MAX;
    l->deadline_dirty = true;
    advance(l, now);
    sync_machine(l, now);
}

/* ---- registers ---- */

static double cct_of(double mired) { return 1e6 / mired; }

static uint32_t fixed(double v, double scale, uint32_t max)
{
    double x = round(v * scale);
    return x <= 0 ? 0 : x >= max ? max : (uint32_t)x;
}

static uint32_t level_units(double v) { return fixed(v, LIGHT_LEVEL_FULL, LIGHT_LEVEL_FULL); }

static uint32_t duty_units(const struct light *l, uint64_t t, bool cool)
{
    double d = fade_level(&l->fade, t), c = cool_share(fade_mired(&l->fade, t));

    return enabled(l) ? level_units(d * (cool ? c : 1 - c)) : 0;
}

static uint32_t status_now(const struct light *l, uint64_t now)
{
    uint32_t s = 0;

    if (enabled(l) && fade_level(&l->fade, now) > 0)
        s |= LIGHT_STATUS_ON;
    if (l->fading)
        s |= LIGHT_STATUS_FADING;
    if (l->occupied)
        s |= LIGHT_STATUS_OCCUPIED;
    if (l->overtemp)
        s |= LIGHT_STATUS_OVERTEMP;
    if (l->lux_out)
        s |= LIGHT_STATUS_LUX_OUT;
    if (l->snap_err)
        s |= LIGHT_STATUS_SNAPERR;
    if (l->fault[MACHINE_LIGHT_SENSOR_LUX] != MACHINE_LIGHT_FAULT_ABSENT)
        s |= LIGHT_STATUS_LUX_OK;
    if (l->fault[MACHINE_LIGHT_SENSOR_PIR] != MACHINE_LIGHT_FAULT_ABSENT)
        s |= LIGHT_STATUS_PIR_OK;
    if (l->fault[MACHINE_LIGHT_SENSOR_TEMP] != MACHINE_LIGHT_FAULT_ABSENT)
        s |= LIGHT_STATUS_TEMP_OK;
    return s;
}

static uint32_t temp_register(const struct light *l, uint64_t t)
{
    double v = temp_reading(l, t);
    return isnan(v) ? LIGHT_TEMP_NONE : (uint32_t)(int32_t)lround(CLAMP(v, -300.0, 1000.0) * 100);
}

static uint32_t lux_register(const struct light *l, uint64_t t)
{
    double v = lux_reading(l, t);
    return isnan(v) ? LIGHT_LUX_NONE : fixed(v, 100, LIGHT_LUX_NONE - 1);
}

static uint32_t fade_left_ms(const struct light *l, uint64_t now)
{
    return l->fading && fade_end(l) > now ? (uint32_t)((fade_end(l) - now + 999999) / 1000000) : 0;
}

static uint32_t energy_mwh(const struct light *l, uint64_t t)
{
    double temp, energy;
    physics_at(l, t, &temp, &energy);
    return (uint32_t)(uint64_t)(energy / 3.6); /* 1 mWh = 3.6 J; wraps like the counter */
}

static uint32_t power_mw(const struct light *l, uint64_t t)
{
    return fixed(lamp_watts(enabled(l), fade_level(&l->fade, t)), 1000, UINT32_MAX);
}

static void fill_report(const struct light *l, uint64_t now, struct light_report *r)
{
    *r = (struct light_report){
        .status = status_now(l, now),
        .events = l->events,
        .level = level_units(fade_level(&l->fade, now)),
        .cct_k = (uint32_t)lround(cct_of(fade_mired(&l->fade, now))),
        .warm_duty = duty_units(l, now, false),
        .cool_duty = duty_units(l, now, true),
        .power_mw = power_mw(l, now),
        .energy_mwh = energy_mwh(l, now),
        .temp_centi_c = (int32_t)temp_register(l, now),
        .lux_centi = lux_register(l, now),
        .motions = l->motions,
        .fade_left_ms = fade_left_ms(l, now),
    };
}

static uint32_t light_read(void *opaque, uint32_t offset, unsigned size)
{
    struct light *l = opaque;
    uint64_t now = machine_now_ns(l->m);
    uint32_t v;

    advance(l, now);
    switch (offset) {
    case LIGHT_REG_ID: v = LIGHT_ID_VALUE; break;
    case LIGHT_REG_CTRL: v = l->ctrl; break;
    case LIGHT_REG_STATUS: v = status_now(l, now); break;
    case LIGHT_REG_EVENTS: v = l->events; break;
    case LIGHT_REG_INTEN: v = l->inten; break;
    case LIGHT_REG_LEVEL: v = level_units(fade_level(&l->fade, now)); break;
    case LIGHT_REG_CCT: v = (uint32_t)lround(cct_of(fade_mired(&l->fade, now))); break;
    case LIGHT_REG_TARGET_LEVEL: v = l->target_level; break;
    case LIGHT_REG_TARGET_CCT: v = l->target_cct; break;
    case LIGHT_REG_FADE: v = fade_left_ms(l, now); break;
    case LIGHT_REG_WARM_DUTY: v = duty_units(l, now, false); break;
    case LIGHT_REG_COOL_DUTY: v = duty_units(l, now, true); break;
    case LIGHT_REG_POWER: v = power_mw(l, now); break;
    case LIGHT_REG_ENERGY: v = energy_mwh(l, now); break;
    case LIGHT_REG_TEMP: v = temp_register(l, now); break;
    case LIGHT_REG_LUX: v = lux_register(l, now); break;
    case LIGHT_REG_MOTIONS: v = l->motions; break;
    case LIGHT_REG_PIR_HOLD: v = l->pir_hold_ms; break;
    case LIGHT_REG_LUX_LOW: v = l->lux_low_staged; break;
    case LIGHT_REG_LUX_HIGH: v = l->lux_high; break;
    case LIGHT_REG_TEMP_LOW: v = (uint32_t)l->temp_low_staged; break;
    case LIGHT_REG_TEMP_HIGH: v = (uint32_t)l->temp_high; break;
    case LIGHT_REG_SNAPSHOT: v = l->snapshot; break;
    default:
        machine_log(l->m, MACHINE_LOG_GUEST_ERROR, "light: read of 0x%03x", offset);
        v = 0;
    }
    sync_machine(l, now);
    return v;
}

/* A register value out of its range: clamped, and the firmware told. */
static uint32_t in_range(struct light *l, const char *reg, uint32_t v, uint32_t lo, uint32_t hi)
{
    if (v >= lo && v <= hi)
        return v;
    machine_log(l->m, MACHINE_LOG_GUEST_ERROR, "light: %s %u out of %u..%u: clamped", reg, v,
                lo, hi);
    return v < lo ? lo : hi;
}

static void start_fade(struct light *l, uint64_t now, uint32_t ms)
{
    struct fade from = l->fade;

    reanchor(l, now);
    l->fade = (struct fade){
        .start = now, .ns = (uint64_t)ms * 1000000,
        .from_level = fade_level(&from, now), .to_level = (double)l->target_level / LIGHT_LEVEL_FULL,
        .from_mired = fade_mired(&from, now), .to_mired = 1e6 / l->target_cct,
    };
    /* A fade started while one runs replaces it: one FADE_DONE, at the end
     * of the last. */
    l->fading = ms > 0;
    if (!ms)
        l->events |= LIGHT_EV_FADE_DONE;
}

static void take_snapshot(struct light *l, uint64_t now, uint32_t addr)
{
    struct light_report r;
    uint8_t *p = addr % 4 ? NULL : machine_sram_range_rw(l->m, addr, sizeof(r));
    uint32_t *w = (uint32_t *)&r;

    l->snapshot = addr;
    l->snap_err = !p;
    if (!p) {
        machine_log(l->m, MACHINE_LOG_GUEST_ERROR,
                    "light: SNAPSHOT 0x%08x is not a word-aligned 48-byte block in SRAM", addr);
        return;
    }
    fill_report(l, now, &r);
    for (size_t i = 0; i < sizeof(r) / 4; i++) {
        uint32_t le = GUINT32_TO_LE(w[i]);
        memcpy(p + 4 * i, &le, 4);
    }
}

static void light_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct light *l = opaque;
    uint64_t now = machine_now_ns(l->m);

    advance(l, now);
    l->deadline_dirty = true;
    machine_note_change(l->m);
    switch (offset) {
    case LIGHT_REG_CTRL:
        if ((value ^ l->ctrl) & LIGHT_CTRL_EN)
            reanchor(l, now);
        l->ctrl = value & (LIGHT_CTRL_EN | LIGHT_CTRL_IE);
        break;
    case LIGHT_REG_EVENTS: l->events &= ~value; break;
    case LIGHT_REG_INTEN: l->inten = value & LIGHT_EV_ALL; break;
    case LIGHT_REG_TARGET_LEVEL:
        l->target_level = in_range(l, "TARGET_LEVEL", value, 0, LIGHT_LEVEL_FULL);
        break;
    case LIGHT_REG_TARGET_CCT:
        l->target_cct = in_range(l, "TARGET_CCT", value, LIGHT_CCT_MIN_K, LIGHT_CCT_MAX_K);
        break;
    case LIGHT_REG_FADE:
        start_fade(l, now, in_range(l, "FADE", value, 0, LIGHT_FADE_MAX_MS));
        break;
    case LIGHT_REG_PIR_HOLD:
        l->pir_hold_ms = in_range(l, "PIR_HOLD", value, LIGHT_PIR_HOLD_MIN_MS, LIGHT_PIR_HOLD_MAX_MS);
        break;
    case LIGHT_REG_LUX_LOW: l->lux_low_staged = value; break;
    case LIGHT_REG_LUX_HIGH:
        if (l->lux_low_staged > value) {
            machine_log(l->m, MACHINE_LOG_GUEST_ERROR,
                        "light: lux window %u..%u is empty: not applied", l->lux_low_staged, value);
            break;
        }
        l->lux_low = l->lux_low_staged;
        l->lux_high = value;
        break;
    case LIGHT_REG_TEMP_LOW: l->temp_low_staged = (int32_t)value; break;
    case LIGHT_REG_TEMP_HIGH:
        if (l->temp_low_staged >= (int32_t)value) {
            machine_log(l->m, MACHINE_LOG_GUEST_ERROR,
                        "light: TEMP_LOW %d not below TEMP_HIGH %d: not applied",
                        l->temp_low_staged, (int32_t)value);
            break;
        }
        l->temp_low = l->temp_low_staged;
        l->temp_high = (int32_t)value;
        break;
    case LIGHT_REG_SNAPSHOT: take_snapshot(l, now, value); break;
    default:
        machine_log(l->m, MACHINE_LOG_GUEST_ERROR, "light: write 0x%08x to read-only or unknown 0x%03x",
                    value, offset);
    }
    /* What the change made due now (a comparator against a new window, a
     * hold shortened below the time already passed) happens now. */
    advance(l, now);
    sync_machine(l, now);
}

/* ---- reset and life cycle ---- */

/* The comparators' state as they would be now, without events (after a
 * reset, whose events start cleared). */
static void settle_comparators(struct light *l, uint64_t now)
{
    l->overtemp = comparator_live(l, H_TEMP) && temp_seen(l, now) * 100 >= l->temp_high;
    double c = lux_seen(l, now) * 100;
    l->lux_out = comparator_live(l, H_LUX) && (c < l->lux_low || c > l->lux_high);
}

/* Power on: the light engine starts cold and at its power-on level; the
 * metering accumulator starts at zero (it has no backup supply). */
static void power_on_state(struct light *l, uint64_t now)
{
    double mired = 1e6 / LIGHT_POWER_ON_CCT_K, level = (double)LIGHT_POWER_ON_LEVEL / LIGHT_LEVEL_FULL;

    l->ctrl = LIGHT_CTRL_EN;
    l->fade = (struct fade){ now, 0, level, level, mired, mired };
    l->fading = false;
    l->anchor_ns = now;
    l->anchor_temp_c = l->env.ambient_temp_c;
    l->anchor_energy_j = 0;
    l->last_motion_ns = now;
    l->motions = 0;
    if (pir_live(l)) {
        l->occupied = l->env.occupied; /* a stuck PIR keeps what it was stuck at */
        l->motions = l->occupied;
    } else if (l->fault[MACHINE_LIGHT_SENSOR_PIR] == MACHINE_LIGHT_FAULT_ABSENT) {
        l->occupied = false;
    }
    l->ghost_ns = now + ghost_interval(l);
    l->checked_ns = now;
}

/* A reset of the MCU resets the block's interface to the MCU (interrupt
 * enables, events, thresholds, the snapshot address), not the light
 * engine: the light stays as it is (a fade goes on), the meter keeps
 * counting, the sensors keep sensing.  Power on resets everything but the
 * room and the sensors' faults (docs/hardware.md#resets-and-the-energy-counter). */
static void light_reset(void *opaque, uint32_t cause)
{
    struct light *l = opaque;
    uint64_t now = machine_now_ns(l->m);

    if (cause & MACHINE_RESET_POR)
        power_on_state(l, now);
    else
        advance(l, now);
    l->ctrl &= LIGHT_CTRL_EN;
    l->inten = 0;
    l->target_level = level_units(l->fade.to_level);
    l->target_cct = (uint32_t)lround(cct_of(l->fade.to_mired));
    l->pir_hold_ms = LIGHT_PIR_HOLD_DEFAULT_MS;
    l->lux_low = l->lux_low_staged = LIGHT_LUX_LOW_DEFAULT;
    l->lux_high = LIGHT_LUX_HIGH_DEFAULT;
    l->temp_low = l->temp_low_staged = LIGHT_TEMP_LOW_DEFAULT;
    l->temp_high = LIGHT_TEMP_HIGH_DEFAULT;
    l->snapshot = 0;
    l->snap_err = false;
    settle_comparators(l, now);
    l->events = 0;
    advance(l, now); /* a hold that the default makes due ends now */
    machine_timer_cancel(l->timer);
    l->armed_at = UINT64_MAX;
    l->deadline_dirty = true;
    sync_machine(l, now);
}

static void *light_new(struct machine *m, GError **error)
{
    struct light *l = g_new0(struct light, 1);
    const struct machine_config *cfg = machine_config(m);

    l->m = m;
    l->timer = machine_timer_new(m, timer_fired, l);
    l->armed_at = UINT64_MAX;
    /* Reproducible runs draw the sensors' noise from the machine's seed
     * (not from its stream, whose draws the other models' runs depend on). */
    l->noise_key = cfg->rng_seeded ? mix64(cfg->seed ^ 0x4C49474854ull)
                                   : ((uint64_t)g_random_int() << 32 | g_random_int());
    l->env = MACHINE_LIGHT_ENV_DEFAULT;
    light_reset(l, MACHINE_RESET_POR);
    return l;
}

static void light_free(void *opaque)
{
    struct light *l = opaque;

    machine_timer_free(l->timer);
    g_free(l);
}

const struct periph_ops light_ops = {
    .name = "light", .create = light_new, .read = light_read, .write = light_write,
    .reset = light_reset, .free = light_free,
};

/* ---- the host's side: the room, the faults, the state (machine.h) ---- */

static struct light *light_of(struct machine *m)
{
    return machine_periph_opaque(m, &light_ops);
}

static bool powered(struct machine *m)
{
    return machine_state(m) != MACHINE_OFF;
}

/* After the host changed the room or a sensor: what it made due happens,
 * and a sleeping lamp is woken if the interrupt rose. */
static void host_changed(struct light *l, uint64_t now)
{
    advance(l, now);
    l->deadline_dirty = true;
    sync_machine(l, now);
    machine_host_event(l->m);
}

bool machine_light_env_valid(const struct machine_light_env *env, GError **error)
{
    if (!(env->daylight_lux >= 0 && env->daylight_lux <= 200000)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "daylight %g lx: out of 0..200000 (bright sunlight is about 100000)",
                    env->daylight_lux);
        return false;
    }
    if (!(env->ambient_temp_c >= -40 && env->ambient_temp_c <= 85)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "ambient temperature %g degC: out of the lamp's -40..85 rating",
                    env->ambient_temp_c);
        return false;
    }
    return true;
}

bool machine_light_set_env(struct machine *m, const struct machine_light_env *env, GError **error)
{
    struct light *l = light_of(m);
    uint64_t now = machine_now_ns(m);
    bool was_occupied = l->env.occupied;

    if (!machine_light_env_valid(env, error))
        return false;
    if (rr_recording(m)) {
        g_autoptr(GByteArray) b = g_byte_array_new();
        record_put_env(b, env);
        rr_note_input(m, RR_LIGHT_ENV, b->data, b->len);
    }
    machine_note_change(m);
    machine_log(m, MACHINE_LOG_INFO, "light: room: daylight %.0f lx, %s, %.1f degC",
                env->daylight_lux, env->occupied ? "occupied" : "empty", env->ambient_temp_c);
    if (!powered(m)) {
        l->env = *env; /* the room is there with the power off; power on starts from it */
        return true;
    }
    advance(l, now);
    if (env->ambient_temp_c != l->env.ambient_temp_c)
        reanchor(l, now);
    l->env = *env;
    if (env->occupied && !was_occupied)
        movement(l, now);
    else if (!env->occupied && was_occupied && pir_live(l))
        l->last_motion_ns = now; /* the last movement: the hold starts */
    host_changed(l, now);
    return true;
}

void machine_light_get_env(struct machine *m, struct machine_light_env *out)
{
    *out = light_of(m)->env;
}

void machine_light_motion(struct machine *m)
{
    struct light *l = light_of(m);
    uint64_t now = machine_now_ns(m);

    rr_note_input(m, RR_MOTION, NULL, 0);
    if (!powered(m))
        return;
    advance(l, now);
    movement(l, now);
    host_changed(l, now);
}

const char *machine_light_sensor_name(enum machine_light_sensor sensor)
{
    static const char *const names[] = { "lux", "pir", "temp" };
    return sensor < MACHINE_LIGHT_SENSORS ? names[sensor] : "?";
}

const char *machine_light_fault_name(enum machine_light_fault fault)
{
    static const char *const names[] = { "none", "stuck", "noisy", "absent" };
    return fault <= MACHINE_LIGHT_FAULT_ABSENT ? names[fault] : "?";
}

void machine_light_set_sensor_fault(struct machine *m, enum machine_light_sensor sensor,
                                    enum machine_light_fault fault)
{
    struct light *l = light_of(m);
    uint64_t now = machine_now_ns(m);
    enum machine_light_fault was = l->fault[sensor];
    uint8_t rec[8] = { (uint8_t)sensor, 0, 0, 0, (uint8_t)fault, 0, 0, 0 };

    rr_note_input(m, RR_SENSOR_FAULT, rec, sizeof(rec));
    machine_note_change(m);
    if (was == fault)
        return;
    machine_log(m, MACHINE_LOG_INFO, "light: %s sensor fault: %s", machine_light_sensor_name(sensor),
                machine_light_fault_name(fault));
    if (powered(m))
        advance(l, now);
    /* Stuck where it is; on a lamp without power, where it will start. */
    if (fault == MACHINE_LIGHT_FAULT_STUCK && sensor == MACHINE_LIGHT_SENSOR_LUX)
        l->stuck_lux = powered(m) ? lux_at(l, now) : l->env.daylight_lux;
    if (fault == MACHINE_LIGHT_FAULT_STUCK && sensor == MACHINE_LIGHT_SENSOR_TEMP)
        l->stuck_temp_c = powered(m) ? temp_at(l, now) : l->env.ambient_temp_c;
    l->fault[sensor] = fault;
    if (!powered(m))
        return;
    if (fault == MACHINE_LIGHT_FAULT_ABSENT) {
        l->events |= LIGHT_EV_SENSOR;
        if (sensor == MACHINE_LIGHT_SENSOR_TEMP)
            l->overtemp = false;
        else if (sensor == MACHINE_LIGHT_SENSOR_LUX)
            l->lux_out = false;
        else
            l->occupied = false;
    }
    if (sensor == MACHINE_LIGHT_SENSOR_PIR) {
        if (fault == MACHINE_LIGHT_FAULT_NOISY)
            l->ghost_ns = now + ghost_interval(l);
        /* Back from stuck or absent, it sees the room as it is now. */
        if (pir_live(l) && (was == MACHINE_LIGHT_FAULT_STUCK || was == MACHINE_LIGHT_FAULT_ABSENT)) {
            if (l->env.occupied)
                movement(l, now);
            else
                l->last_motion_ns = now;
        }
    }
    host_changed(l, now);
}

void machine_light_state(struct machine *m, struct machine_light_state *out)
{
    const struct light *orig = light_of(m);
    struct light l = *orig; /* the happenings up to now, on a copy: reading changes nothing */
    uint64_t now = machine_now_ns(m);
    double d, mired, temp, energy;

    memset(out, 0, sizeof(*out));
    memcpy(out->faults, l.fault, sizeof(out->faults));
    if (!powered(m))
        return;
    advance(&l, now);
    d = fade_level(&l.fade, now);
    mired = fade_mired(&l.fade, now);
    physics_at(&l, now, &temp, &energy);
    out->powered = true;
    out->status = status_now(&l, now);
    out->events = l.events;
    out->inten = l.inten;
    out->on = out->status & LIGHT_STATUS_ON;
    out->fading = l.fading;
    out->level_pct = d * 100;
    out->warm_duty_pct = enabled(&l) ? d * (1 - cool_share(mired)) * 100 : 0;
    out->cool_duty_pct = enabled(&l) ? d * cool_share(mired) * 100 : 0;
    out->cct_k = cct_of(mired);
    out->lumens = lumens_at(&l, now);
    out->watts = lamp_watts(enabled(&l), d);
    out->energy_wh = energy / 3600;
    out->lux = lux_at(&l, now);
    out->lux_reading = lux_reading(&l, now);
    out->occupied = l.occupied;
    out->motions = l.motions;
    out->temp_c = temp;
    out->temp_reading_c = temp_reading(&l, now);
    out->overtemp = l.overtemp;
}
