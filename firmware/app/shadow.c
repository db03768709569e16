/* firmware/app/shadow.c: reported state, desired deltas, faults as JSON.
 * A netmgr client: it takes lamp/SERIAL/shadow/delta and publishes the
 * reported state at every connect. */
#include "shadow.h"

#include "beacon.h"
#include "clock.h"
#include "image.h"
#include "light_hw.h"
#include "lighting.h"
#include "log.h"
#include "netmgr.h"
#include "telemetry_period.h"
#include "version_text.h"

#include "cJSON.h"
#include "mbedtls/platform.h"

#include <stdbool.h>
#include <string.h>

static void *json_alloc(size_t n) { return mbedtls_calloc(1, n); }
static void json_free(void *p) { mbedtls_free(p); }

static void print_into(cJSON *obj, char *out, size_t cap)
{
    if (!obj || !cJSON_PrintPreallocated(obj, out, (int)cap, false)) {
        out[0] = 0;
        if (obj)
            LOG_ERR("shadow: JSON does not fit its buffer");
        else
            LOG_ERR("shadow: out of memory for JSON");
    }
    cJSON_Delete(obj);
}

static double percent(uint32_t level)
{
    return level / (LIGHT_LEVEL_FULL / 100.0);
}

/* The owner's settings as the lamp keeps them (what desired converges
 * on), then under "output" what the light actually does, read from the
 * light engine (docs/cloud.md#topics). */
static void add_light(cJSON *o)
{
    struct lighting_status st;
    cJSON *occ, *day, *out, *faults;
    static const char *const names[] = { "lux", "pir", "temp" };

    lighting_status(&st);
    if (!st.present) {
        cJSON_AddBoolToObject(o, "on", false);
        return;
    }
    cJSON_AddBoolToObject(o, "on", st.s.on);
    cJSON_AddNumberToObject(o, "level", percent(st.s.level));
    cJSON_AddNumberToObject(o, "cct", st.s.cct_k);
    cJSON_AddNumberToObject(o, "fade_ms", st.s.fade_ms);
    occ = cJSON_AddObjectToObject(o, "occupancy");
    cJSON_AddBoolToObject(occ, "enabled", st.s.occupancy);
    cJSON_AddNumberToObject(occ, "vacancy_s", st.s.vacancy_s);
    cJSON_AddNumberToObject(occ, "standby_level", percent(st.s.standby_level));
    cJSON_AddNumberToObject(occ, "standby_s", st.s.standby_s);
    day = cJSON_AddObjectToObject(o, "daylight");
    cJSON_AddBoolToObject(day, "enabled", st.s.daylight);
    cJSON_AddNumberToObject(day, "target_lux", st.s.target_lux);
    cJSON_AddNumberToObject(o, "hold_s", st.s.hold_s);
    out = cJSON_AddObjectToObject(o, "output");
    cJSON_AddBoolToObject(out, "on", st.on);
    cJSON_AddNumberToObject(out, "level", percent(st.level));
    cJSON_AddNumberToObject(out, "cct", st.cct_k);
    cJSON_AddNumberToObject(out, "power_w", st.power_mw / 1000.0);
    cJSON_AddStringToObject(out, "mode", st.mode);
    cJSON_AddBoolToObject(out, "occupied", st.occupied);
    cJSON_AddBoolToObject(out, "derated", st.derated);
    faults = cJSON_AddObjectToObject(out, "faults");
    for (unsigned i = 0; i < 3; i++)
        if (st.fault_kind[i])
            cJSON_AddStringToObject(faults, names[i], st.fault_kind[i]);
}

static void hex_text(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = "0123456789abcdef"[p[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* "beacon": the identity and air settings as kept, and the power the
 * radio uses. */
static void add_beacon(cJSON *o)
{
    struct beacon_settings b;
    int selected;
    cJSON *bo = cJSON_AddObjectToObject(o, "beacon"), *x;
    char text[2 * IBEACON_UUID_LEN + 5];

    beacon_get(&b, &selected);
    if (b.ibeacon) {
        x = cJSON_AddObjectToObject(bo, "ibeacon");
        /* 8-4-4-4-12 */
        for (size_t i = 0, at = 0; i < IBEACON_UUID_LEN; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                text[at++] = '-';
            hex_text(b.uuid + i, 1, text + at);
            at += 2;
        }
        cJSON_AddStringToObject(x, "uuid", text);
        cJSON_AddNumberToObject(x, "major", b.major);
        cJSON_AddNumberToObject(x, "minor", b.minor);
    } else {
        cJSON_AddBoolToObject(bo, "ibeacon", false);
    }
    if (b.eddystone) {
        x = cJSON_AddObjectToObject(bo, "eddystone");
        hex_text(b.namespace_id, sizeof(b.namespace_id), text);
        cJSON_AddStringToObject(x, "namespace", text);
        hex_text(b.instance_id, sizeof(b.instance_id), text);
        cJSON_AddStringToObject(x, "instance", text);
    } else {
        cJSON_AddBoolToObject(bo, "eddystone", false);
    }
    cJSON_AddNumberToObject(bo, "interval_ms", b.interval_ms);
    cJSON_AddNumberToObject(bo, "tx_power", b.tx_power);
    cJSON_AddNumberToObject(bo, "tx_power_on_air", selected);
}

static void reported_json(char *out, size_t cap)
{
    const struct image_header *h = (const struct image_header *)SLOT_A_ADDR;
    cJSON *o = cJSON_CreateObject();
    char ver[16];

    version_text(h->fw_version, ver, sizeof(ver));
    add_light(o);
    add_beacon(o);
    cJSON_AddNumberToObject(o, "telemetry_s", telemetry_period_s());
    cJSON_AddStringToObject(o, "fw", ver);
    cJSON_AddNumberToObject(o, "epoch", h->security_epoch);
    cJSON_AddNumberToObject(o, "uptime_s", clock_ms() / 1000u);
    print_into(o, out, cap);
}

static void hex(uint32_t v, char *out)
{
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 8; i++)
        out[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    out[10] = 0;
}

void shadow_crash_json(const struct crash_record *r, char *out, size_t cap)
{
    cJSON *o = cJSON_CreateObject();
    char h[11], reason[sizeof(r->reason) + 1];

    cJSON_AddStringToObject(o, "type", crash_type_name(r->type));
    hex(r->pc, h);
    cJSON_AddStringToObject(o, "pc", h);
    hex(r->lr, h);
    cJSON_AddStringToObject(o, "lr", h);
    hex(r->cfsr, h);
    cJSON_AddStringToObject(o, "cfsr", h);
    hex(r->hfsr, h);
    cJSON_AddStringToObject(o, "hfsr", h);
    hex(r->addr, h);
    cJSON_AddStringToObject(o, "addr", h);
    memcpy(reason, r->reason, sizeof(r->reason));
    reason[sizeof(r->reason)] = 0;
    /* The app VM's contained fault: reason is the app's name, said as
     * such; the lamp's own records keep their fields unchanged. */
    if (r->type & CRASH_FROM_VM) {
        cJSON_AddStringToObject(o, "reason", "app-vm");
        cJSON_AddTrueToObject(o, "vm");
        cJSON_AddStringToObject(o, "app", reason);
    } else {
        cJSON_AddStringToObject(o, "reason", reason);
    }
    print_into(o, out, cap);
}

/* A report the lamp owes the cloud: the last publish found no room (the
 * MQTT output buffer still held what TLS had not taken yet).  Retried from
 * poll until it goes, so the cloud's view never stays behind the light's;
 * a report that could never be built is not owed (it logged why). */
static bool report_owed;
#define REPORT_RETRY_MS 100u

static void publish_reported(void)
{
    char json[1024];
    bool was_owed = report_owed;

    report_owed = false;
    if (!netmgr_online())
        return; /* online() reports it on connect */
    reported_json(json, sizeof(json));
    if (json[0] && netmgr_publish("shadow/reported", json, true, NULL) != 0) {
        if (!was_owed)
            LOG_WRN("shadow: no room to report the light's state now; retrying every %u ms",
                    REPORT_RETRY_MS);
        report_owed = true;
    }
}

static void poll(uint32_t net_events)
{
    (void)net_events;
    if (report_owed)
        publish_reported();
}

static uint32_t idle_ms(void)
{
    return report_owed ? REPORT_RETRY_MS : UINT32_MAX;
}

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

static void apply_delta(const cJSON *d)
{
    struct lighting_request r = { 0 };
    struct beacon_request br = { 0 };
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(d, "beacon");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "telemetry_s");
    const char *bad = NULL, *why = NULL;
    uint32_t period = 0;
    bool has_period = false, report = false;

    light_request(d, &r, &bad);
    /* any count here; the bounds are the setting's own (telemetry_period_set) */
    if (t && !(has_period = count_of(t, 0xFFFFFFFFu, &period)) && !bad)
        bad = "telemetry_s";
    if (cJSON_IsObject(b))
        beacon_request(b, &br, &bad);
    else if (b && !bad)
        bad = "beacon";
    if (bad)
        LOG_WRN("shadow: desired %s is not valid: ignored", bad);
    if (has_period) {
        if (telemetry_period_set(period, &why) != 0)
            LOG_WRN("shadow: desired telemetry_s refused: %s", why);
        else
            report = true;
    }
    if (br.has) {
        if (beacon_apply(&br, &why) != 0)
            LOG_WRN("shadow: desired beacon refused: %s", why);
        else
            report = true;
    }
    if (!r.has) {
        if (report)
            publish_reported();
        return;
    }
    if (lighting_apply(&r, &why) != 0)
        LOG_WRN("shadow: desired light refused: %s", why);
    /* reported when the light settles (lighting_on_change) */
}

void shadow_json_message(const char *suffix, const char *payload, size_t len,
                         void (*apply)(const cJSON *doc))
{
    cJSON *doc = cJSON_ParseWithLength(payload, len);

    if (!doc) {
        LOG_WRN("shadow: ignored a message on %s: not JSON", suffix);
        return;
    }
    apply(doc);
    cJSON_Delete(doc);
}

static void on_delta(const char *suffix, const char *payload, size_t len)
{
    shadow_json_message(suffix, payload, len, apply_delta);
}

static const struct netmgr_client client = {
    .topic = "shadow/delta", .message = on_delta, .online = publish_reported,
    .poll = poll, .idle_ms = idle_ms,
};

void shadow_init(void)
{
    cJSON_Hooks hooks = { json_alloc, json_free };

    cJSON_InitHooks(&hooks);
    lighting_on_change(publish_reported);
    if (netmgr_register(&client) != 0)
        LOG_ERR("shadow: netmgr has no room for the shadow; desired state is not applied");
}
