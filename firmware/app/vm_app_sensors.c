/* firmware/app/vm_app_sensors.c: the sensor events apps may handle
 * (vm_internal.h): the runtime asks, each main-loop pass while some app
 * has a handler, which readings changed since it last asked; lighting
 * reads them from the engine (lighting_status), which wakes the loop on
 * movement, and the runtime's wake-up bounds the rest (vm_apps_idle_ms). */
#include "vm_internal.h"

#include "lighting.h"

#define LUX_STEP_CENTI 1000    /* 10 lx, or 10 % of the last value if larger */
#define TEMP_STEP_CENTI 50     /* 0.5 K */

static struct {
    bool known[3];
    bool occupied;
    uint32_t lux_centi;
    int32_t temp_centi;
} seen;

/* Trusted readings now: the VM_EV_* that have one. */
static uint32_t read_now(struct lighting_status *st)
{
    uint32_t have = 0;

    lighting_status(st);
    if (!st->present)
        return 0;
    if (!(st->faults & LF_PIR))
        have |= VM_EV_OCCUPANCY;
    if (st->lux_valid && !(st->faults & LF_LUX))
        have |= VM_EV_LUX;
    if (st->temp_valid && !(st->faults & LF_TEMP))
        have |= VM_EV_TEMPERATURE;
    return have;
}

uint32_t vm_app_sensors_changes(uint32_t want)
{
    struct lighting_status st;
    uint32_t have = read_now(&st), changed = 0;

    if (want & have & VM_EV_OCCUPANCY) {
        if (seen.known[0] && st.occupied != seen.occupied)
            changed |= VM_EV_OCCUPANCY;
        seen.occupied = st.occupied;
        seen.known[0] = true;
    }
    if (want & have & VM_EV_LUX) {
        uint32_t step = seen.lux_centi / 10 > LUX_STEP_CENTI ? seen.lux_centi / 10 : LUX_STEP_CENTI;
        uint32_t d = st.lux_centi > seen.lux_centi ? st.lux_centi - seen.lux_centi
                                                   : seen.lux_centi - st.lux_centi;
        if (!seen.known[1] || d >= step) {
            if (seen.known[1])
                changed |= VM_EV_LUX;
            seen.lux_centi = st.lux_centi;
            seen.known[1] = true;
        }
    }
    if (want & have & VM_EV_TEMPERATURE) {
        int32_t d = st.temp_centi - seen.temp_centi;
        if (!seen.known[2] || d >= TEMP_STEP_CENTI || d <= -TEMP_STEP_CENTI) {
            if (seen.known[2])
                changed |= VM_EV_TEMPERATURE;
            seen.temp_centi = st.temp_centi;
            seen.known[2] = true;
        }
    }
    return changed;
}

int32_t vm_app_sensors_value(uint32_t event)
{
    struct lighting_status st;

    read_now(&st);
    switch (event) {
    case VM_EV_OCCUPANCY: return st.occupied;
    case VM_EV_LUX: return (int32_t)st.lux_centi;
    case VM_EV_TEMPERATURE: return st.temp_centi;
    default: return 0;
    }
}
