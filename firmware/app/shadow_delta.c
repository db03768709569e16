/* firmware/app/shadow_delta.c: see shadow_delta.h. */
#include "shadow_delta.h"

#include "light_hw.h"

#include <string.h>

/* A percentage 0..100 (fractions kept to 0.001 %) as LIGHT_LEVEL_FULL
 * units; false when it is not one. */
static bool level_of(const cJSON *v, uint32_t *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 100)
        return false;
    *out = (uint32_t)(v->valuedouble * (LIGHT_LEVEL_FULL / 100.0) + 0.5);
    return true;
}

static bool count_of(const cJSON *v, uint32_t max, uint32_t *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max)
        return false;
    *out = (uint32_t)v->valuedouble;
    return true;
}

/* Reads the members it knows into r; *bad names the first it refused. */
static void light_request(const cJSON *d, struct lighting_request *r, const char **bad)
{
    const cJSON *v, *occ = cJSON_GetObjectItemCaseSensitive(d, "occupancy"),
                    *day = cJSON_GetObjectItemCaseSensitive(d, "daylight");
#define TAKE(obj, name, flag, ok)                                                          \
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, name)) != NULL) {                       \
        if (ok)                                                                            \
            r->has |= (flag);                                                              \
        else if (!*bad)                                                                    \
            *bad = name;                                                                   \
    }
    TAKE(d, "on", LR_ON, cJSON_IsBool(v) && ((r->s.on = cJSON_IsTrue(v)) || true));
    TAKE(d, "level", LR_LEVEL, level_of(v, &r->s.level));
    TAKE(d, "cct", LR_CCT, count_of(v, 100000, &r->s.cct_k));
    TAKE(d, "fade_ms", LR_FADE, count_of(v, 0xFFFFFFFFu, &r->s.fade_ms));
    TAKE(d, "hold_s", LR_HOLD, count_of(v, 0xFFFFFFFFu, &r->s.hold_s));
    if (cJSON_IsObject(occ)) {
        TAKE(occ, "enabled", LR_OCCUPANCY,
             cJSON_IsBool(v) && ((r->s.occupancy = cJSON_IsTrue(v)) || true));
        TAKE(occ, "vacancy_s", LR_VACANCY, count_of(v, 0xFFFFFFFFu, &r->s.vacancy_s));
        TAKE(occ, "standby_level", LR_STANDBY_LEVEL, level_of(v, &r->s.standby_level));
        TAKE(occ, "standby_s", LR_STANDBY, count_of(v, 0xFFFFFFFFu, &r->s.standby_s));
    } else if (occ && !*bad) {
        *bad = "occupancy";
    }
    if (cJSON_IsObject(day)) {
        TAKE(day, "enabled", LR_DAYLIGHT,
             cJSON_IsBool(v) && ((r->s.daylight = cJSON_IsTrue(v)) || true));
        TAKE(day, "target_lux", LR_TARGET_LUX, count_of(v, 0xFFFFFFFFu, &r->s.target_lux));
    } else if (day && !*bad) {
        *bad = "daylight";
    }
#undef TAKE
}

/* n bytes from hex text (dashes skipped, as in a UUID); false if it is
 * not exactly that. */
static bool hex_bytes(const cJSON *v, uint8_t *out, size_t n)
{
    const char *t = cJSON_IsString(v) ? v->valuestring : NULL;
    size_t got = 0;

    if (!t)
        return false;
    for (; *t && got < 2 * n; t++) {
        int d = *t >= '0' && *t <= '9' ? *t - '0' : *t >= 'a' && *t <= 'f' ? *t - 'a' + 10
              : *t >= 'A' && *t <= 'F' ? *t - 'A' + 10 : *t == '-' ? -2 : -1;
        if (d == -2)
            continue;
        if (d < 0)
            return false;
        out[got / 2] = (uint8_t)(got % 2 ? out[got / 2] | d : d << 4);
        got++;
    }
    return got == 2 * n && !*t;
}

/* "beacon": {"ibeacon": {"uuid","major","minor"} | false, "eddystone":
 * {"namespace","instance"} | false, "interval_ms", "tx_power"} */
static void beacon_request(const cJSON *b, struct beacon_request *r, const char **bad)
{
    const cJSON *ib = cJSON_GetObjectItemCaseSensitive(b, "ibeacon");
    const cJSON *ed = cJSON_GetObjectItemCaseSensitive(b, "eddystone");
    const cJSON *v;
    uint32_t n;

    if (cJSON_IsFalse(ib)) {
        r->has |= BR_IBEACON;
    } else if (ib) {
        if (hex_bytes(cJSON_GetObjectItemCaseSensitive(ib, "uuid"), r->s.uuid, IBEACON_UUID_LEN) &&
            count_of(cJSON_GetObjectItemCaseSensitive(ib, "major"), 65535, &n) &&
            (r->s.major = (uint16_t)n, count_of(cJSON_GetObjectItemCaseSensitive(ib, "minor"), 65535, &n))) {
            r->s.minor = (uint16_t)n;
            r->s.ibeacon = true;
            r->has |= BR_IBEACON;
        } else if (!*bad) {
            *bad = "beacon.ibeacon";
        }
    }
    if (cJSON_IsFalse(ed)) {
        r->has |= BR_EDDYSTONE;
    } else if (ed) {
        if (hex_bytes(cJSON_GetObjectItemCaseSensitive(ed, "namespace"), r->s.namespace_id,
                      EDDYSTONE_UID_NAMESPACE_LEN) &&
            hex_bytes(cJSON_GetObjectItemCaseSensitive(ed, "instance"), r->s.instance_id,
                      EDDYSTONE_UID_INSTANCE_LEN)) {
            r->s.eddystone = true;
            r->has |= BR_EDDYSTONE;
        } else if (!*bad) {
            *bad = "beacon.eddystone";
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "interval_ms")) != NULL) {
        if (count_of(v, 0xFFFFFFFFu, &r->s.interval_ms))
            r->has |= BR_INTERVAL;
        else if (!*bad)
            *bad = "beacon.interval_ms";
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(b, "tx_power")) != NULL) {
        if (cJSON_IsNumber(v) && v->valuedouble >= -127 && v->valuedouble <= 127) {
            r->s.tx_power = (int32_t)v->valuedouble;
            r->has |= BR_TX_POWER;
        } else if (!*bad) {
            *bad = "beacon.tx_power";
        }
    }
}

void shadow_delta_read(const cJSON *d, struct shadow_delta *out)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(d, "beacon");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "telemetry_s");

    memset(out, 0, sizeof(*out));
    light_request(d, &out->light, &out->bad);
    /* any count here; the bounds are the setting's own (telemetry_period_set) */
    if (t && !(out->has_period = count_of(t, 0xFFFFFFFFu, &out->period_s)) && !out->bad)
        out->bad = "telemetry_s";
    if (cJSON_IsObject(b))
        beacon_request(b, &out->beacon, &out->bad);
    else if (b && !out->bad)
        out->bad = "beacon";
}
