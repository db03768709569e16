/* firmware/app/lighting.c: the lighting service (lighting.h). */
#include "lighting.h"

#include "clock.h"
#include "hw.h"
#include "light.h"
#include "log.h"
#include "netmgr.h"
#include "status.h"
#include "uart.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Limits the automatic controls keep to (docs/firmware.md#lighting). */
#define DERATED_LEVEL (LIGHT_LEVEL_FULL / 2)          /* over temperature */
#define UNSENSED_LEVEL (LIGHT_LEVEL_FULL * 7 / 10)    /* no temperature sensor */
#define DAYLIGHT_MIN_LEVEL (LIGHT_LEVEL_FULL / 100)
#define DAYLIGHT_FADE_MS 2000u
/* Level units per lux of error: the lamp's own light reaches its sensor at
 * about 110 lx at full (docs/hardware.md#light), so a full step would be
 * 909 units a lux; 0.6 of it settles in a few steps without overshoot. */
#define DAYLIGHT_GAIN 545
#define DAYLIGHT_BAND_MIN_CENTI 500u /* +-5 lx at least */
#define STUCK_STEP_LEVEL (LIGHT_LEVEL_FULL / 10)
#define STUCK_AFTER 2u
#define ENERGY_SAVE_MS (3600u * 1000u) /* flash wear: one sector erase an hour at most */
#define TEMP_HIGH_CENTI 8500
#define TEMP_LOW_CENTI 7500

static bool present;
static struct lighting_memory mem;
static int64_t energy_base_mwh;   /* the lamp's life before the meter's count */
static uint32_t last_meter_mwh;
static uint32_t energy_saved_at;
static uint32_t hold_until;       /* clock_ms; 0: no hold */
static bool occupied;
static uint32_t vacant_since;
/* After a power-on the PIR has seen nobody yet: the room counts as
 * occupied for one vacancy time, as a lamp switched on by a person. */
static uint32_t boot_grace_until;
static bool derated;
static uint32_t faults;
static const char *fault_kind[3];
static uint32_t dl_level;         /* the daylight loop's level */
static uint32_t out_level, out_cct;
static const char *mode = "manual";
static bool settle_pending;       /* tell on_change when the fade is done */
static uint32_t stuck_lux_before, stuck_count;
static bool stuck_check;
static void (*change_fn)(void);
static struct light_report report; /* SRAM: the engine writes it */
/* A sensor that stopped answering raises an event; one that answers again
 * does not: while one is out, it is looked at this often. */
#define SENSOR_RECHECK_MS 10000u
static uint32_t sensor_check_at;

/* A console answer (not a log line: the command asked for it). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    uart_puts(line);
}

static bool elapsed(uint32_t now, uint32_t at) { return (int32_t)(now - at) >= 0; }
static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static bool hold_active(uint32_t now)
{
    return hold_until && !elapsed(now, hold_until);
}

static bool daylight_usable(void) { return mem.s.daylight && !(faults & LF_LUX); }
static bool occupancy_usable(void) { return mem.s.occupancy && !(faults & LF_PIR); }

/* The PIR's hold is the vacancy time while occupancy control runs; else
 * the engine's own, for the occupancy the lamp reports. */
static void set_pir_hold(void)
{
    light_set_pir_hold(mem.s.occupancy ? mem.s.vacancy_s * 1000u : LIGHT_PIR_HOLD_DEFAULT_MS);
}

static bool read_report(void)
{
    if (light_report(&report))
        return true;
    LOG_ERR("light: the engine refused its report buffer");
    return false;
}

/* What the light should do now, and why. */
static uint32_t target_level(uint32_t now)
{
    const struct lighting_settings *s = &mem.s;
    uint32_t level = s->level;

    if (!s->on) {
        mode = "off";
        return 0;
    }
    mode = hold_active(now) ? "hold" : "manual";
    if (!hold_active(now) && daylight_usable()) {
        level = min_u32(dl_level, s->level);
        mode = "daylight";
    }
    if (!hold_active(now) && occupancy_usable() && !occupied && !boot_grace_until) {
        if (elapsed(now, vacant_since + s->standby_s * 1000u)) {
            level = 0;
            mode = "vacant";
        } else {
            level = min_u32(level, s->standby_level);
            mode = "standby";
        }
    }
    if (derated)
        level = min_u32(level, DERATED_LEVEL);
    if (faults & LF_TEMP)
        level = min_u32(level, UNSENSED_LEVEL);
    return level;
}

static void update_output(uint32_t fade_ms)
{
    uint32_t level = target_level(clock_ms());

    if (level == out_level && mem.s.cct_k == out_cct)
        return;
    out_level = level;
    out_cct = mem.s.cct_k;
    light_fade_to(out_level, out_cct, fade_ms);
    settle_pending = true;
}

static void publish_event(const char *json)
{
    if (netmgr_online())
        netmgr_publish("events", json, false, NULL);
}

static void fault(unsigned sensor, const char *kind)
{
    static const char *const names[] = { "lux", "pir", "temp" };
    char json[96];

    if (fault_kind[sensor] == kind)
        return;
    fault_kind[sensor] = kind;
    if (kind)
        faults |= 1u << sensor;
    else
        faults &= ~(1u << sensor);
    sensor_check_at = clock_ms() + SENSOR_RECHECK_MS;
    LOG_WRN("light: %s sensor %s%s", names[sensor], kind ? kind : "answers again",
            kind ? ": not trusted" : "");
    snprintf(json, sizeof(json), "{\"event\":\"sensor\",\"sensor\":\"%s\",\"state\":\"%s\"}",
             names[sensor], kind ? kind : "ok");
    publish_event(json);
}

static void check_sensors(uint32_t status)
{
    static const uint32_t ok_bits[] = { LIGHT_STATUS_LUX_OK, LIGHT_STATUS_PIR_OK,
                                        LIGHT_STATUS_TEMP_OK };

    for (unsigned i = 0; i < 3; i++) {
        if (!(status & ok_bits[i]))
            fault(i, "absent");
        else if (fault_kind[i] && !strcmp(fault_kind[i], "absent"))
            fault(i, NULL);
    }
}

/* The lux window the engine watches: around the target, one-sided when
 * the loop can do no more in that direction (else it would fire for
 * ever). */
static void arm_lux_window(uint32_t lux_centi)
{
    uint32_t t = mem.s.target_lux * 100u, band = t / 10u, low, high;

    if (band < DAYLIGHT_BAND_MIN_CENTI)
        band = DAYLIGHT_BAND_MIN_CENTI;
    low = t > band ? t - band : 0;
    high = t + band;
    if (dl_level <= DAYLIGHT_MIN_LEVEL && lux_centi > high)
        high = 0xFFFFFFFEu; /* more daylight than wanted: wait for less */
    if (dl_level >= mem.s.level && lux_centi < low)
        low = 0;            /* at the owner's level: wait for more */
    light_set_lux_window(low, high);
}

static bool outside_band(uint32_t lux_centi)
{
    uint32_t t = mem.s.target_lux * 100u, band = t / 10u;

    if (band < DAYLIGHT_BAND_MIN_CENTI)
        band = DAYLIGHT_BAND_MIN_CENTI;
    if (lux_centi == LIGHT_LUX_NONE)
        return false;
    if (lux_centi > t + band)
        return dl_level > DAYLIGHT_MIN_LEVEL;
    if (lux_centi + band < t)
        return dl_level < mem.s.level;
    return false;
}

static void daylight_step(void)
{
    int64_t err_lux, next;

    if (!read_report() || report.lux_centi == LIGHT_LUX_NONE)
        return;
    err_lux = ((int64_t)mem.s.target_lux * 100 - report.lux_centi) / 100;
    next = (int64_t)dl_level + err_lux * DAYLIGHT_GAIN;
    if (next < DAYLIGHT_MIN_LEVEL)
        next = DAYLIGHT_MIN_LEVEL;
    if (next > mem.s.level)
        next = mem.s.level;
    stuck_check = (next > dl_level ? next - dl_level : dl_level - next) >= STUCK_STEP_LEVEL;
    stuck_lux_before = report.lux_centi;
    if ((uint32_t)next == dl_level) {
        arm_lux_window(report.lux_centi);
        return;
    }
    dl_level = (uint32_t)next;
    update_output(DAYLIGHT_FADE_MS);
}

/* After a fade of the daylight loop: a sensor that saw nothing of a large
 * change of the lamp's own light is stuck. */
static void daylight_settled(void)
{
    if (!read_report())
        return;
    if (stuck_check && report.lux_centi == stuck_lux_before) {
        if (++stuck_count >= STUCK_AFTER) {
            fault(0, "stuck");
            update_output(mem.s.fade_ms);
            return;
        }
    } else if (stuck_check) {
        stuck_count = 0;
    }
    stuck_check = false;
    arm_lux_window(report.lux_centi);
    /* the loop follows the reading, the window only wakes it: a reading
     * still off target (the window may hold the light the engine sees
     * while the sensor says otherwise) takes the next step now */
    if (outside_band(report.lux_centi))
        daylight_step();
}

static uint64_t energy_now(void)
{
    int64_t e = energy_base_mwh + last_meter_mwh;
    return e < 0 ? 0 : (uint64_t)e;
}

static void save(void)
{
    uint32_t err;

    mem.energy_mwh = energy_now();
    mem.meter_mwh = last_meter_mwh;
    if ((err = lighting_store_save(&mem)) != 0)
        LOG_ERR("light: saving the settings failed (flash error 0x%02lx)", (unsigned long)err);
    energy_saved_at = clock_ms();
}

static void occupancy_changed(uint32_t now)
{
    char json[64];

    occupied = (report.status & LIGHT_STATUS_OCCUPIED) != 0;
    if (occupied)
        boot_grace_until = 0;
    if (!occupied)
        vacant_since = now;
    snprintf(json, sizeof(json), "{\"event\":\"occupancy\",\"occupied\":%s}",
             occupied ? "true" : "false");
    publish_event(json);
}

static void derating_changed(bool on)
{
    char json[64];

    derated = on;
    LOG_WRN("light: driver %s: output %s", on ? "over temperature" : "cooled",
            on ? "derated" : "restored");
    snprintf(json, sizeof(json), "{\"event\":\"overtemp\",\"derated\":%s}", on ? "true" : "false");
    publish_event(json);
}

void lighting_poll(void)
{
    uint32_t now = clock_ms(), ev;

    if (!present)
        return;
    ev = light_pending() ? light_take_events() : 0;
    if (ev && !read_report())
        return;
    if (ev & (LIGHT_EV_MOTION | LIGHT_EV_VACANT))
        occupancy_changed(now);
    if (ev & LIGHT_EV_OVERTEMP)
        derating_changed(true);
    if (ev & LIGHT_EV_COOLED)
        derating_changed(false);
    if (ev & LIGHT_EV_SENSOR)
        check_sensors(report.status);
    if (ev & LIGHT_EV_FADE_DONE && daylight_usable() && !hold_active(now))
        daylight_settled();
    if (ev & LIGHT_EV_LUX && daylight_usable() && !hold_active(now) &&
        !(report.status & LIGHT_STATUS_FADING))
        daylight_step();
    if (boot_grace_until && elapsed(now, boot_grace_until)) {
        boot_grace_until = 0;
        if (!occupied && read_report() && !(report.status & LIGHT_STATUS_OCCUPIED))
            vacant_since = now;
        else
            occupied = true;
    }
    if (faults && elapsed(now, sensor_check_at)) {
        sensor_check_at = now + SENSOR_RECHECK_MS;
        if (read_report())
            check_sensors(report.status);
    }
    if (hold_until && !hold_active(now)) {
        hold_until = 0;
        LOG_INF("light: the owner's hold ended; automatic control resumes");
        if (daylight_usable() && read_report())
            arm_lux_window(report.lux_centi);
    }
    update_output(mem.s.fade_ms);
    if (ev & LIGHT_EV_FADE_DONE && settle_pending && !(report.status & LIGHT_STATUS_FADING)) {
        settle_pending = false;
        if (change_fn)
            change_fn();
    }
    if (elapsed(now, energy_saved_at + ENERGY_SAVE_MS) && read_report()) {
        last_meter_mwh = report.energy_mwh;
        if (energy_now() != mem.energy_mwh)
            save();
        else
            energy_saved_at = now;
    }
}

bool lighting_pending(void)
{
    return present && light_pending();
}

uint32_t lighting_idle_ms(void)
{
    uint32_t now = clock_ms(), ms = UINT32_MAX;

    if (!present)
        return ms;
    if (hold_until)
        ms = min_u32(ms, hold_active(now) ? hold_until - now : 0);
    if (boot_grace_until)
        ms = min_u32(ms, elapsed(now, boot_grace_until) ? 0 : boot_grace_until - now);
    if (faults)
        ms = min_u32(ms, elapsed(now, sensor_check_at) ? 0 : sensor_check_at - now);
    if (occupancy_usable() && !occupied && !boot_grace_until && mem.s.on) {
        uint32_t off_at = vacant_since + mem.s.standby_s * 1000u;
        /* Due but not yet done: the poll sampled its clock just before
         * off_at, this one just after, and nothing else may wake the lamp
         * for a whole WAKE_PERIOD. */
        if (!elapsed(now, off_at))
            ms = min_u32(ms, off_at - now);
        else if (out_level != 0)
            ms = 0;
    }
    return min_u32(ms, elapsed(now, energy_saved_at + ENERGY_SAVE_MS)
                           ? 0 : energy_saved_at + ENERGY_SAVE_MS - now);
}

static bool valid(const struct lighting_settings *s, const char **why)
{
    if (s->level > LIGHT_LEVEL_FULL || s->standby_level > LIGHT_LEVEL_FULL)
        *why = "level must be 0 to 100";
    else if (s->cct_k < LIGHT_CCT_MIN_K || s->cct_k > LIGHT_CCT_MAX_K)
        *why = "cct must be 2700 to 6500";
    else if (s->fade_ms > LIGHT_FADE_MAX_MS)
        *why = "fade_ms must be 0 to 3600000";
    else if (s->vacancy_s < 1 || s->vacancy_s > LIGHT_PIR_HOLD_MAX_MS / 1000u)
        *why = "vacancy_s must be 1 to 86400";
    else if (s->standby_s > 86400u || s->hold_s > 86400u)
        *why = "standby_s and hold_s must be 0 to 86400";
    else if (s->target_lux < 1 || s->target_lux > 2000u)
        *why = "target_lux must be 1 to 2000";
    else
        return true;
    return false;
}

int lighting_apply(const struct lighting_request *r, const char **why)
{
    struct lighting_settings s = mem.s;
    uint32_t now = clock_ms();
    bool owner = r->has & (LR_ON | LR_LEVEL | LR_CCT);

    if (!present) {
        *why = "this lamp has no light engine";
        return -1;
    }
    if (r->has & LR_ON) s.on = r->s.on;
    if (r->has & LR_LEVEL) s.level = r->s.level;
    if (r->has & LR_CCT) s.cct_k = r->s.cct_k;
    if (r->has & LR_FADE) s.fade_ms = r->s.fade_ms;
    if (r->has & LR_OCCUPANCY) s.occupancy = r->s.occupancy;
    if (r->has & LR_VACANCY) s.vacancy_s = r->s.vacancy_s;
    if (r->has & LR_STANDBY_LEVEL) s.standby_level = r->s.standby_level;
    if (r->has & LR_STANDBY) s.standby_s = r->s.standby_s;
    if (r->has & LR_DAYLIGHT) s.daylight = r->s.daylight;
    if (r->has & LR_TARGET_LUX) s.target_lux = r->s.target_lux;
    if (r->has & LR_HOLD) s.hold_s = r->s.hold_s;
    if (!valid(&s, why))
        return -1;
    mem.s = s;
    if (r->has & (LR_VACANCY | LR_OCCUPANCY))
        set_pir_hold();
    if ((r->has & (LR_DAYLIGHT | LR_LEVEL)) && s.daylight)
        dl_level = s.level;
    /* the owner's explicit light wins over the controls for hold_s */
    hold_until = owner && s.hold_s && (s.occupancy || s.daylight) ? (now + s.hold_s * 1000u) | 1u
                                                                  : 0;
    if (!hold_until && daylight_usable() && read_report())
        arm_lux_window(report.lux_centi);
    LOG_INF("light: %s level %lu.%lu%% %lu K%s%s%s", s.on ? "on" : "off",
            (unsigned long)(s.level / 1000u), (unsigned long)(s.level % 1000u / 100u),
            (unsigned long)s.cct_k, s.occupancy ? ", occupancy control" : "",
            s.daylight ? ", daylight harvesting" : "", hold_until ? ", held" : "");
    if (read_report())
        last_meter_mwh = report.energy_mwh;
    save();
    /* reported once the light settles: at the fade's end, or now when the
     * light does not change */
    settle_pending = false;
    update_output(s.fade_ms);
    if (!settle_pending && change_fn)
        change_fn();
    return 0;
}

void lighting_status(struct lighting_status *out)
{
    memset(out, 0, sizeof(*out));
    out->present = present;
    out->s = mem.s;
    out->mode = mode;
    out->derated = derated;
    out->faults = faults;
    memcpy(out->fault_kind, fault_kind, sizeof(fault_kind));
    if (!present || !read_report())
        return;
    last_meter_mwh = report.energy_mwh;
    out->on = (report.status & LIGHT_STATUS_ON) != 0;
    out->level = report.level;
    out->cct_k = report.cct_k;
    out->power_mw = report.power_mw;
    out->energy_mwh = energy_now();
    out->lux_valid = report.lux_centi != LIGHT_LUX_NONE;
    out->lux_centi = report.lux_centi;
    out->temp_valid = (uint32_t)report.temp_centi_c != LIGHT_TEMP_NONE;
    out->temp_centi = report.temp_centi_c;
    out->occupied = (report.status & LIGHT_STATUS_OCCUPIED) != 0;
}

void lighting_on_change(void (*fn)(void))
{
    change_fn = fn;
}

/* ,"power_w":..,"energy_wh":..,"lux":..,"occupancy":..,"temp_c":.. */
static void telemetry(char *out, size_t cap)
{
    struct lighting_status st;
    char lux[16] = "null", temp[16] = "null";

    lighting_status(&st);
    if (!st.present) {
        out[0] = 0;
        return;
    }
    if (st.lux_valid && !(st.faults & LF_LUX))
        snprintf(lux, sizeof(lux), "%lu.%02lu", (unsigned long)(st.lux_centi / 100u),
                 (unsigned long)(st.lux_centi % 100u));
    if (st.temp_valid && !(st.faults & LF_TEMP))
        snprintf(temp, sizeof(temp), "%s%ld.%02ld", st.temp_centi < 0 ? "-" : "",
                 (long)(st.temp_centi < 0 ? -st.temp_centi : st.temp_centi) / 100,
                 (long)(st.temp_centi < 0 ? -st.temp_centi : st.temp_centi) % 100);
    snprintf(out, cap,
             ",\"power_w\":%lu.%03lu,\"energy_wh\":%lu.%03lu,\"lux\":%s,\"occupancy\":%s,"
             "\"temp_c\":%s",
             (unsigned long)(st.power_mw / 1000u), (unsigned long)(st.power_mw % 1000u),
             (unsigned long)(st.energy_mwh / 1000u), (unsigned long)(st.energy_mwh % 1000u), lux,
             (st.faults & LF_PIR) ? "null" : st.occupied ? "true" : "false", temp);
}

static void print_status(void)
{
    struct lighting_status st;

    lighting_status(&st);
    if (!st.present)
        return;
    say("  light %s level %lu.%03lu%% %lu K, %lu.%03lu W, mode %s%s\n", st.on ? "on" : "off",
           (unsigned long)(st.level / 1000u), (unsigned long)(st.level % 1000u),
           (unsigned long)st.cct_k, (unsigned long)(st.power_mw / 1000u),
           (unsigned long)(st.power_mw % 1000u), st.mode, st.derated ? ", derated" : "");
}

static const struct netmgr_client client = {
    .telemetry = telemetry, .print_status = print_status,
};

void lighting_print_status(void)
{
    struct lighting_status st;
    static const char *const names[] = { "lux", "pir", "temp" };

    lighting_status(&st);
    if (!st.present) {
        uart_puts("light: this lamp has no light engine\n");
        return;
    }
    say("light: %s, level %lu.%03lu%%, %lu K, %lu.%03lu W, energy %lu.%03lu Wh\n",
           st.on ? "on" : "off", (unsigned long)(st.level / 1000u),
           (unsigned long)(st.level % 1000u), (unsigned long)st.cct_k,
           (unsigned long)(st.power_mw / 1000u), (unsigned long)(st.power_mw % 1000u),
           (unsigned long)(st.energy_mwh / 1000u), (unsigned long)(st.energy_mwh % 1000u));
    say("  mode %s%s; owner: %s %lu.%03lu%% %lu K fade %lu ms, hold %lu s\n", st.mode,
           st.derated ? " (derated: driver over temperature)" : "", st.s.on ? "on" : "off",
           (unsigned long)(st.s.level / 1000u), (unsigned long)(st.s.level % 1000u),
           (unsigned long)st.s.cct_k, (unsigned long)st.s.fade_ms, (unsigned long)st.s.hold_s);
    say("  occupancy control %s (vacancy %lu s, standby %lu.%03lu%% for %lu s), room %s\n",
           st.s.occupancy ? "on" : "off", (unsigned long)st.s.vacancy_s,
           (unsigned long)(st.s.standby_level / 1000u), (unsigned long)(st.s.standby_level % 1000u),
           (unsigned long)st.s.standby_s, st.occupied ? "occupied" : "vacant");
    say("  daylight harvesting %s (target %lu lx), ambient ", st.s.daylight ? "on" : "off",
           (unsigned long)st.s.target_lux);
    if (st.lux_valid)
        say("%lu.%02lu lx", (unsigned long)(st.lux_centi / 100u),
               (unsigned long)(st.lux_centi % 100u));
    else
        say("unknown");
    say(", driver ");
    if (st.temp_valid)
        say("%s%ld.%02ld C\n", st.temp_centi < 0 ? "-" : "",
            (long)(st.temp_centi < 0 ? -st.temp_centi : st.temp_centi) / 100,
            (long)(st.temp_centi < 0 ? -st.temp_centi : st.temp_centi) % 100);
    else
        say("temperature unknown\n");
    for (unsigned i = 0; i < 3; i++)
        if (st.fault_kind[i])
            say("  %s sensor %s: not trusted\n", names[i], st.fault_kind[i]);
}

void lighting_init(void)
{
    bool loaded, warm;
    uint32_t now = clock_ms();

    present = light_init();
    if (!present) {
        LOG_WRN("light: no light engine on this lamp");
        return;
    }
    loaded = lighting_store_load(&mem);
    light_set_temp_limits(TEMP_LOW_CENTI, TEMP_HIGH_CENTI);
    set_pir_hold();
    light_enable(true);
    if (!read_report()) {
        present = false;
        return;
    }
    /* The engine's meter counts from its power-on: after a warm reset it
     * went on counting past the saved reading, after a power cut it
     * restarted from 0. */
    warm = loaded && report.energy_mwh >= mem.meter_mwh;
    energy_base_mwh = (int64_t)mem.energy_mwh - (warm ? (int64_t)mem.meter_mwh : 0);
    last_meter_mwh = report.energy_mwh;
    energy_saved_at = now;
    check_sensors(report.status);
    occupied = (report.status & LIGHT_STATUS_OCCUPIED) != 0;
    vacant_since = now;
    if (!occupied && status_power_on())
        boot_grace_until = (now + mem.s.vacancy_s * 1000u) | 1u;
    else if (!occupied && mem.s.on && report.level == 0)
        vacant_since = now - mem.s.standby_s * 1000u - 1u; /* it was off for vacancy: stays off */
    derated = (report.status & LIGHT_STATUS_OVERTEMP) != 0;
    dl_level = mem.s.level;
    /* Start from what the light does: a watchdog reset must not flash the
     * tube, a power cut's full power-on level goes at once. */
    out_level = report.level;
    out_cct = report.cct_k;
    update_output(status_power_on() ? 0 : mem.s.fade_ms);
    if (daylight_usable())
        arm_lux_window(report.lux_centi);
    if (netmgr_register(&client) != 0)
        LOG_ERR("light: netmgr has no room for the light's telemetry");
    LOG_INF("light: %s level %lu.%lu%% %lu K (%s)", mem.s.on ? "on" : "off",
            (unsigned long)(mem.s.level / 1000u), (unsigned long)(mem.s.level % 1000u / 100u),
            (unsigned long)mem.s.cct_k, loaded ? "restored" : "factory default");
}
