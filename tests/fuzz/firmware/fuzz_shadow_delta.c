/* Fuzz target: the desired-state delta the cloud sends on
 * lamp/SERIAL/shadow/delta (firmware/app/shadow_delta.c), parsed by the
 * lamp's own cJSON (third_party/cjson, as shadow_json_message does) and
 * read into the lighting, beacon and telemetry requests shadow.c applies.
 * Beyond crashes it checks what lighting_apply, beacon_apply and
 * telemetry_period_set rely on: only known request bits are set; levels
 * within LIGHT_LEVEL_FULL, a colour temperature within 100000 K, a TX
 * power within -127..127; a beacon identity is set only with its
 * on/off flag and its hex text decodes to exactly its bytes; a delta
 * every member of which was taken names nothing bad, and a named bad
 * member is one the delta holds. */
#include "shadow_delta.h"

#include "light_hw.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LR_ALL (LR_ON | LR_LEVEL | LR_CCT | LR_FADE | LR_OCCUPANCY | LR_VACANCY | \
                LR_STANDBY_LEVEL | LR_STANDBY | LR_DAYLIGHT | LR_TARGET_LUX | LR_HOLD)
#define BR_ALL (BR_IBEACON | BR_EDDYSTONE | BR_INTERVAL | BR_TX_POWER)

/* The bytes hex text names, written again plainly: dashes skipped. */
static void check_hex(const cJSON *v, const uint8_t *bytes, size_t n)
{
    const char *t;
    size_t got = 0;

    if (!cJSON_IsString(v))
        abort();
    for (t = v->valuestring; *t; t++) {
        if (*t == '-')
            continue;
        if (!isxdigit((unsigned char)*t) || got == 2 * n)
            abort();
        int d = isdigit((unsigned char)*t) ? *t - '0' : tolower((unsigned char)*t) - 'a' + 10;
        if ((got % 2 ? bytes[got / 2] & 0x0F : bytes[got / 2] >> 4) != d)
            abort();
        got++;
    }
    if (got != 2 * n)
        abort();
}

static const cJSON *member(const cJSON *o, const char *path)
{
    char name[32];
    const char *dot = strchr(path, '.');

    if (!dot)
        return cJSON_GetObjectItemCaseSensitive(o, path);
    memcpy(name, path, (size_t)(dot - path));
    name[dot - path] = '\0';
    return member(cJSON_GetObjectItemCaseSensitive(o, name), dot + 1);
}

static void check(const cJSON *doc, const struct shadow_delta *d)
{
    const struct lighting_settings *l = &d->light.s;
    const struct beacon_settings *b = &d->beacon.s;

    if ((d->light.has & ~LR_ALL) || (d->beacon.has & ~BR_ALL))
        abort();
    if (((d->light.has & LR_LEVEL) && l->level > LIGHT_LEVEL_FULL) ||
        ((d->light.has & LR_STANDBY_LEVEL) && l->standby_level > LIGHT_LEVEL_FULL) ||
        ((d->light.has & LR_CCT) && l->cct_k > 100000))
        abort();
    if ((d->beacon.has & BR_TX_POWER) && (b->tx_power < -127 || b->tx_power > 127))
        abort();
    if (!(d->beacon.has & BR_IBEACON) && b->ibeacon)
        abort();
    if (!(d->beacon.has & BR_EDDYSTONE) && b->eddystone)
        abort();
    if (b->ibeacon)
        check_hex(member(doc, "beacon.ibeacon.uuid"), b->uuid, IBEACON_UUID_LEN);
    if (b->eddystone) {
        check_hex(member(doc, "beacon.eddystone.namespace"), b->namespace_id,
                  EDDYSTONE_UID_NAMESPACE_LEN);
        check_hex(member(doc, "beacon.eddystone.instance"), b->instance_id,
                  EDDYSTONE_UID_INSTANCE_LEN);
    }
    /* (A member of occupancy or daylight is named without its object.) */
    if (d->bad && !member(doc, d->bad) &&
        !cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "occupancy"), d->bad) &&
        !cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "daylight"), d->bad))
        abort(); /* names a member the delta does not hold */
    /* Every member the lamp knows at the top, taken: nothing is bad. */
    static const char *const light_members[] = { "on", "level", "cct", "fade_ms", "hold_s" };
    static const uint32_t light_bits[] = { LR_ON, LR_LEVEL, LR_CCT, LR_FADE, LR_HOLD };
    for (size_t i = 0; i < sizeof(light_bits) / sizeof(light_bits[0]); i++)
        if (cJSON_GetObjectItemCaseSensitive(doc, light_members[i]) &&
            !(d->light.has & light_bits[i]) && !d->bad)
            abort(); /* a member dropped without saying so */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct shadow_delta d;
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);

    if (!doc)
        return 0; /* shadow_json_message ignores it, and says so */
    shadow_delta_read(doc, &d);
    check(doc, &d);
    cJSON_Delete(doc);
    return 0;
}
