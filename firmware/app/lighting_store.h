/* firmware/app/lighting_store.h: what the lamp must remember of its light
 * across resets and power cuts (docs/formats.md#nvstore): the owner's last
 * command, the automatic controls' settings, and the energy the lamp has
 * used in its life (the light engine's meter restarts at every power-on).
 * One power-safe record (nv_record.h): a power cut at any flash operation
 * of a save leaves the settings before it or after it. */
#ifndef LAMP_LIGHTING_STORE_H
#define LAMP_LIGHTING_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct lighting_settings {
    bool on;
    uint32_t level;          /* LIGHT_LEVEL_FULL units */
    uint32_t cct_k;
    uint32_t fade_ms;        /* how the owner's changes fade */
    bool occupancy;          /* vacancy control */
    uint32_t vacancy_s;      /* no movement this long: dim to standby */
    uint32_t standby_level;  /* LIGHT_LEVEL_FULL units */
    uint32_t standby_s;      /* then this long at standby: off */
    bool daylight;           /* daylight harvesting */
    uint32_t target_lux;     /* at the ceiling sensor */
    uint32_t hold_s;         /* an owner's command overrides the controls this long */
};

struct lighting_memory {
    struct lighting_settings s;
    uint64_t energy_mwh;     /* the lamp's life, up to the save */
    uint32_t meter_mwh;      /* the engine's meter at the save */
};

/* The defaults of a new lamp: on at full, 4000 K, no automatic control. */
void lighting_store_defaults(struct lighting_memory *out);
/* true and the newest record; false (and the defaults) when none. */
bool lighting_store_load(struct lighting_memory *out);
/* 0, or the FLASHCTL error bits. */
uint32_t lighting_store_save(const struct lighting_memory *m);

#endif
