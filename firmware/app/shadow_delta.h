/* firmware/app/shadow_delta.h: reading a desired-state delta from the
 * cloud (docs/cloud.md#topics): which settings it holds and whether each
 * is valid, apart from applying them (shadow.c), so the same code is
 * fuzzed on the host (tests/fuzz/firmware/fuzz_shadow_delta.c). */
#ifndef LAMP_SHADOW_DELTA_H
#define LAMP_SHADOW_DELTA_H

#include "beacon.h"
#include "cJSON.h"
#include "lighting.h"

#include <stdbool.h>
#include <stdint.h>

struct shadow_delta {
    struct lighting_request light;  /* has: the valid light members */
    struct beacon_request beacon;   /* has: the valid beacon members */
    bool has_period;
    uint32_t period_s;              /* telemetry_s, any count (the setting bounds it) */
    const char *bad;                /* the first member refused, or NULL */
};

/* Reads the members it knows of the delta d into *out (zeroed first). */
void shadow_delta_read(const cJSON *d, struct shadow_delta *out);

#endif
