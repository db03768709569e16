/* firmware/app/shadow.c: reported state, desired deltas, faults as JSON.
 * A netmgr client: it takes lamp/SERIAL/shadow/delta and publishes the
 * reported state at every connect. */
#include "shadow.h"

#include "clock.h"
#include "image.h"
#include "log.h"
#include "netmgr.h"

#include "cJSON.h"
#include "mbedtls/platform.h"

#include <stdbool.h>
#include <string.h>

static bool light_on = true;
static int light_level = 100;   /* percent */

static void *json_alloc(size_t n) { return mbedtls_calloc(1, n); }
static void json_free(void *p) { mbedtls_free(p); }

static void version_text(uint32_t v, char *out)
{
    char *p = out;
    unsigned parts[3] = { (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF };

    for (int i = 0; i < 3; i++) {
        unsigned x = parts[i];
        if (x >= 100) *p++ = (char)('0' + x / 100);
        if (x >= 10) *p++ = (char)('0' + x / 10 % 10);
        *p++ = (char)('0' + x % 10);
        if (i < 2) *p++ = '.';
    }
    *p = 0;
}

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

/* {"on":..,"level":..,"fw":"x.y.z","epoch":N,"uptime_s":N} */
static void reported_json(char *out, size_t cap)
{
    const struct image_header *h = (const struct image_header *)SLOT_A_ADDR;
    cJSON *o = cJSON_CreateObject();
    char ver[16];

    version_text(h->fw_version, ver);
    cJSON_AddBoolToObject(o, "on", light_on);
    cJSON_AddNumberToObject(o, "level", light_level);
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
    cJSON_AddStringToObject(o, "reason", reason);
    print_into(o, out, cap);
}

static void publish_reported(void)
{
    char json[256];

    reported_json(json, sizeof(json));
    netmgr_publish("shadow/reported", json, true, NULL);
}

static void apply_delta(const cJSON *d)
{
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(d, "on");
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(d, "level");
    bool changed = false;

    if (cJSON_IsBool(on)) {
        light_on = cJSON_IsTrue(on);
        changed = true;
    }
    if (cJSON_IsNumber(level) && level->valueint >= 0 && level->valueint <= 100) {
        light_level = level->valueint;
        changed = true;
    }
    if (!changed)
        return;
    LOG_INF("shadow: light %s level %d", light_on ? "on" : "off", light_level);
    publish_reported();
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
};

void shadow_init(void)
{
    cJSON_Hooks hooks = { json_alloc, json_free };

    cJSON_InitHooks(&hooks);
    if (netmgr_register(&client) != 0)
        LOG_ERR("shadow: netmgr has no room for the shadow; desired state is not applied");
}
