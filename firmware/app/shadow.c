/* firmware/app/shadow.c: reported state, desired deltas, faults as JSON.
 * A netmgr client: it takes lamp/SERIAL/shadow/delta and publishes the
 * reported state at every connect. */
#include "shadow.h"
#include "shadow_delta.h"

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

static void apply_delta(const cJSON *d)
{
    struct shadow_delta delta;
    const char *why = NULL;
    bool report = false;

    shadow_delta_read(d, &delta);
    if (delta.bad)
        LOG_WRN("shadow: desired %s is not valid: ignored", delta.bad);
    if (delta.has_period) {
        if (telemetry_period_set(delta.period_s, &why) != 0)
            LOG_WRN("shadow: desired telemetry_s refused: %s", why);
        else
            report = true;
    }
    if (delta.beacon.has) {
        if (beacon_apply(&delta.beacon, &why) != 0)
            LOG_WRN("shadow: desired beacon refused: %s", why);
        else
            report = true;
    }
    if (!delta.light.has) {
        if (report)
            publish_reported();
        return;
    }
    if (lighting_apply(&delta.light, &why) != 0)
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
