/* firmware/app/lighting.h: the lighting service (docs/firmware.md#lighting):
 * applies the owner's command (on, level, colour, fade), runs occupancy
 * control (vacancy dims to a standby level, then off; movement restores)
 * and daylight harvesting (closed loop on the ceiling sensor toward a
 * target lux), derates the light when the driver overheats, meters the
 * energy over the lamp's life, remembers all of it across resets and
 * power cuts, and says what the light actually does.  Event-driven: it
 * wakes on the light engine's interrupt and its own few deadlines, never
 * to sample. */
#ifndef LAMP_LIGHTING_H
#define LAMP_LIGHTING_H

#include "lighting_store.h"

#include <stdbool.h>
#include <stdint.h>

/* What an owner's command sets; the fields in `has` (LR_*) only. */
enum {
    LR_ON = 1u << 0, LR_LEVEL = 1u << 1, LR_CCT = 1u << 2, LR_FADE = 1u << 3,
    LR_OCCUPANCY = 1u << 4, LR_VACANCY = 1u << 5, LR_STANDBY_LEVEL = 1u << 6,
    LR_STANDBY = 1u << 7, LR_DAYLIGHT = 1u << 8, LR_TARGET_LUX = 1u << 9, LR_HOLD = 1u << 10,
};
struct lighting_request {
    uint32_t has;
    struct lighting_settings s;
};

/* Sensors the service stopped trusting (lighting_status.faults). */
enum { LF_LUX = 1u << 0, LF_PIR = 1u << 1, LF_TEMP = 1u << 2 };

struct lighting_status {
    bool present;            /* the lamp has a light engine */
    struct lighting_settings s;   /* what the owner set (as stored) */
    /* what the hardware does, read from it */
    bool on;
    uint32_t level;          /* LIGHT_LEVEL_FULL units */
    uint32_t cct_k;
    uint32_t power_mw;
    uint64_t energy_mwh;     /* the lamp's life */
    bool lux_valid, temp_valid;
    uint32_t lux_centi;
    int32_t temp_centi;
    bool occupied;
    /* what the service does about it */
    const char *mode;        /* off, manual, hold, daylight, standby, vacant */
    bool derated;
    uint32_t faults;         /* LF_* */
    const char *fault_kind[3]; /* per sensor: "absent", "stuck" or NULL */
};

/* At boot, before netmgr starts: finds the engine, restores the last
 * command without a visible jump on a warm reset, registers with netmgr
 * (telemetry, events). */
void lighting_init(void);
/* Does what is due: the engine's events, the controls' deadlines. */
void lighting_poll(void);
/* The engine has news lighting_poll has not taken: do not sleep. */
bool lighting_pending(void);
/* ms until lighting_poll must run even if nothing happens. */
uint32_t lighting_idle_ms(void);
/* Applies an owner's command and saves it; 0, or -1 with *why. */
int lighting_apply(const struct lighting_request *r, const char **why);
void lighting_status(struct lighting_status *out);
/* Called when what the light does settled after a change (the shadow
 * publishes its reported state). */
void lighting_on_change(void (*fn)(void));
/* The `light` console command. */
void lighting_print_status(void);

#endif
