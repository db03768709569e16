/* firmware/app/lighting_store.c: the lighting record in nvstore
 * (docs/formats.md#nvstore). */
#include "lighting_store.h"

#include "hw.h"
#include "light_hw.h"
#include "nv_record.h"

#include <stddef.h>
#include <string.h>

#define RECORD_MAGIC 0x3154474Cu /* "LGT1" */

/* Every field a whole word, so the layout is the same on every compiler. */
struct record {
    struct nv_record_head head;
    uint32_t on, level, cct_k, fade_ms;
    uint32_t occupancy, vacancy_s, standby_level, standby_s;
    uint32_t daylight, target_lux, hold_s;
    uint32_t energy_lo, energy_hi, meter_mwh;
    uint32_t crc;
};
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");

static const struct nv_record_area area = {
    .base = NVSTORE_LIGHTING, .magic = RECORD_MAGIC, .size = sizeof(struct record),
};

void lighting_store_defaults(struct lighting_memory *out)
{
    memset(out, 0, sizeof(*out));
    out->s.on = true;
    out->s.level = LIGHT_LEVEL_FULL;
    out->s.cct_k = LIGHT_POWER_ON_CCT_K;
    out->s.fade_ms = 1000;
    out->s.vacancy_s = 600;
    out->s.standby_level = LIGHT_LEVEL_FULL / 10;
    out->s.standby_s = 900;
    out->s.target_lux = 500;
    out->s.hold_s = 3600;
}

bool lighting_store_load(struct lighting_memory *out)
{
    const struct record *r = nv_record_newest(&area);

    lighting_store_defaults(out);
    if (!r)
        return false;
    out->s.on = r->on != 0;
    out->s.level = r->level;
    out->s.cct_k = r->cct_k;
    out->s.fade_ms = r->fade_ms;
    out->s.occupancy = r->occupancy != 0;
    out->s.vacancy_s = r->vacancy_s;
    out->s.standby_level = r->standby_level;
    out->s.standby_s = r->standby_s;
    out->s.daylight = r->daylight != 0;
    out->s.target_lux = r->target_lux;
    out->s.hold_s = r->hold_s;
    out->energy_mwh = (uint64_t)r->energy_hi << 32 | r->energy_lo;
    out->meter_mwh = r->meter_mwh;
    return true;
}

uint32_t lighting_store_save(const struct lighting_memory *m)
{
    static struct record r; /* SRAM, off the stack */

    memset(&r, 0, sizeof(r));
    r.on = m->s.on;
    r.level = m->s.level;
    r.cct_k = m->s.cct_k;
    r.fade_ms = m->s.fade_ms;
    r.occupancy = m->s.occupancy;
    r.vacancy_s = m->s.vacancy_s;
    r.standby_level = m->s.standby_level;
    r.standby_s = m->s.standby_s;
    r.daylight = m->s.daylight;
    r.target_lux = m->s.target_lux;
    r.hold_s = m->s.hold_s;
    r.energy_lo = (uint32_t)m->energy_mwh;
    r.energy_hi = (uint32_t)(m->energy_mwh >> 32);
    r.meter_mwh = m->meter_mwh;
    return nv_record_save(&area, &r);
}
