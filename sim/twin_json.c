/* sim/twin_json.c: a twin record as JSON (docs/twin.md#json). */
#include "twin.h"

#include "crash_format.h"
#include "link_failure_reasons.h"
#include "otp_layout.h"
#include "sysctl_hw.h"

#include <cjson/cJSON.h>
#include <math.h>

static void add_version(cJSON *o, const char *key, uint32_t v)
{
    char buf[32];

    g_snprintf(buf, sizeof(buf), "%u.%u.%u", v >> 16, (v >> 8) & 0xFF, v & 0xFF);
    cJSON_AddStringToObject(o, key, buf);
}

static void add_hex(cJSON *o, const char *key, uint32_t v)
{
    char buf[16];

    g_snprintf(buf, sizeof(buf), "0x%08x", v);
    cJSON_AddStringToObject(o, key, buf);
}

/* A reading that is NAN (an absent sensor) is null. */
static void add_reading(cJSON *o, const char *key, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, v);
}

static cJSON *slot_json(enum twin_partition p, uint32_t version, uint32_t epoch)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "state", twin_partition_name(p));
    if (p == TWIN_PART_OK) {
        add_version(o, "version", version);
        cJSON_AddNumberToObject(o, "epoch", epoch);
    }
    return o;
}

static cJSON *firmware_json(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject(), *parts = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "boot_stage", twin_bootstage_name(r->bootstage));
    if (r->slot_a == TWIN_PART_OK) {
        add_version(o, "version", r->fw_version);
        cJSON_AddNumberToObject(o, "epoch", r->fw_epoch);
    } else {
        cJSON_AddNullToObject(o, "version");
        cJSON_AddNullToObject(o, "epoch");
    }
    cJSON_AddBoolToObject(o, "confirmed", r->fw_confirmed);
    cJSON_AddStringToObject(parts, "bootloader", twin_partition_name(r->bootloader));
    cJSON_AddStringToObject(parts, "keystore", twin_partition_name(r->keystore));
    cJSON_AddItemToObject(parts, "slot_a", slot_json(r->slot_a, r->fw_version, r->fw_epoch));
    cJSON_AddItemToObject(parts, "slot_b", slot_json(r->slot_b, r->staged_version, r->staged_epoch));
    cJSON_AddItemToObject(o, "partitions", parts);
    cJSON_AddNumberToObject(o, "flash_ops", (double)r->flash_ops);
    return o;
}

static cJSON *fuses_json(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "debug_lock", r->otp_locks & OTP_LOCK_DEBUG);
    cJSON_AddBoolToObject(o, "boot_lock", r->otp_locks & OTP_LOCK_BOOT);
    cJSON_AddBoolToObject(o, "bootloader_wp", r->otp_locks & OTP_LOCK_BOOTLOADER_WP);
    cJSON_AddNumberToObject(o, "epoch", r->otp_epoch);
    return o;
}

/* Every reason, 0 or not: a fixed shape for clients. */
static cJSON *failures_json(const struct machine_fw_status *fw)
{
    static const char *const names[] = LINK_FAILURE_NAMES;
    cJSON *o = cJSON_CreateObject();

    for (unsigned i = 0; i < LF_REASONS; i++)
        cJSON_AddNumberToObject(o, names[i], (double)fw->failures[i]);
    return o;
}

static cJSON *commissioning_json(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject();

    if (!r->commission_known) {
        cJSON_AddStringToObject(o, "state", "unknown");
        return o;
    }
    cJSON_AddStringToObject(o, "state", r->has_creds ? "commissioned" : "not-commissioned");
    cJSON_AddNumberToObject(o, "key_counter", r->commission_n);
    return o;
}

static cJSON *network_json(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject(), *tls = cJSON_CreateObject(), *mqtt = cJSON_CreateObject();
    const struct machine_fw_status *fw = &r->fw;

    cJSON_AddStringToObject(o, "state", twin_netstate_name(r->netstate));
    cJSON_AddBoolToObject(o, "wifi_link", r->link_up);
    cJSON_AddNumberToObject(o, "open_sockets", r->open_sockets);
    cJSON_AddNumberToObject(o, "connects", (double)r->connects);
    cJSON_AddNumberToObject(o, "bytes_in", (double)r->bytes_in);
    cJSON_AddNumberToObject(o, "bytes_out", (double)r->bytes_out);
    cJSON_AddNumberToObject(tls, "full", (double)fw->tls_full);
    cJSON_AddNumberToObject(tls, "resumed", (double)fw->tls_resumed);
    cJSON_AddNumberToObject(tls, "failed", (double)fw->tls_failed);
    cJSON_AddItemToObject(o, "handshakes", tls);
    cJSON_AddItemToObject(o, "failures", failures_json(fw));
    cJSON_AddBoolToObject(mqtt, "connected", r->netstate == SYSCTL_NETSTATE_ONLINE);
    cJSON_AddNumberToObject(mqtt, "messages_in", (double)fw->mqtt_rx);
    cJSON_AddNumberToObject(mqtt, "messages_out", (double)fw->mqtt_tx);
    cJSON_AddItemToObject(o, "mqtt", mqtt);
    cJSON_AddNumberToObject(o, "drops", (double)fw->drops);
    cJSON_AddNumberToObject(o, "onlines", (double)fw->onlines);
    if (fw->onlines)
        cJSON_AddNumberToObject(o, "last_connect_to_online_s", fw->last_online_latency_ns / 1e9);
    else
        cJSON_AddNullToObject(o, "last_connect_to_online_s");
    return o;
}

static cJSON *light_json(const struct twin_record *r)
{
    const struct machine_light_state *l = &r->light;
    cJSON *o = cJSON_CreateObject(), *sensors = cJSON_CreateObject(), *env = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "powered", l->powered);
    cJSON_AddBoolToObject(o, "on", l->on);
    cJSON_AddBoolToObject(o, "fading", l->fading);
    cJSON_AddNumberToObject(o, "level_pct", l->level_pct);
    cJSON_AddNumberToObject(o, "cct_k", l->cct_k);
    cJSON_AddNumberToObject(o, "lumens", l->lumens);
    cJSON_AddNumberToObject(o, "power_w", l->watts);
    cJSON_AddNumberToObject(o, "energy_wh", l->energy_wh);
    add_reading(sensors, "lux", l->lux_reading);
    cJSON_AddBoolToObject(sensors, "occupied", l->occupied);
    cJSON_AddNumberToObject(sensors, "motions", l->motions);
    add_reading(sensors, "temp_c", l->temp_reading_c);
    cJSON_AddBoolToObject(sensors, "overtemp", l->overtemp);
    for (unsigned s = 0; s < MACHINE_LIGHT_SENSORS; s++) {
        g_autofree char *key = g_strdup_printf("%s_fault", machine_light_sensor_name(s));
        cJSON_AddStringToObject(sensors, key, machine_light_fault_name(l->faults[s]));
    }
    cJSON_AddItemToObject(o, "sensors", sensors);
    cJSON_AddNumberToObject(env, "daylight_lux", r->env.daylight_lux);
    cJSON_AddBoolToObject(env, "occupied", r->env.occupied);
    cJSON_AddNumberToObject(env, "ambient_temp_c", r->env.ambient_temp_c);
    cJSON_AddItemToObject(o, "environment", env);
    return o;
}

static cJSON *faults_json(const struct twin_record *r)
{
    static const char *const types[] = CRASH_TYPE_NAMES;
    cJSON *o = cJSON_CreateObject(), *inj = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "resets", (double)r->resets);
    cJSON_AddNumberToObject(o, "watchdog_resets", (double)r->watchdog_resets);
    cJSON_AddNumberToObject(o, "lockup_resets", (double)r->lockup_resets);
    cJSON_AddNumberToObject(o, "cpu_faults_taken", (double)r->faults_taken);
    cJSON_AddNumberToObject(o, "crash_records", r->crash_records);
    cJSON_AddNumberToObject(o, "vm_fault_records", r->vm_fault_records);
    if (r->have_last_crash) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type",
                                types[r->last_crash_type < CRASH_TYPE_COUNT ? r->last_crash_type : 0]);
        add_hex(c, "pc", r->last_crash_pc);
        add_hex(c, "lr", r->last_crash_lr);
        add_hex(c, "cfsr", r->last_crash_cfsr);
        add_hex(c, "addr", r->last_crash_addr);
        cJSON_AddStringToObject(c, "reason", r->last_crash_reason);
        cJSON_AddBoolToObject(c, "vm", r->last_crash_vm);
        cJSON_AddItemToObject(o, "last_crash", c);
    } else {
        cJSON_AddNullToObject(o, "last_crash");
    }
    for (unsigned i = 0; i < TWIN_INJ_COUNT; i++)
        cJSON_AddNumberToObject(inj, twin_injected_name(i), (double)r->injected[i]);
    cJSON_AddItemToObject(o, "injected", inj);
    return o;
}

static cJSON *host_json(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "worker", r->worker);
    cJSON_AddNumberToObject(o, "cpu_s", r->cpu_ns / 1e9);
    cJSON_AddNumberToObject(o, "lag_s", r->host_lag_us / 1e6);
    cJSON_AddNumberToObject(o, "instructions", (double)r->instructions);
    cJSON_AddNumberToObject(o, "uptime_s", r->virtual_ns / 1e9);
    return o;
}

char *twin_to_json(const struct twin_record *r)
{
    cJSON *o = cJSON_CreateObject();
    char *text, *out;

    cJSON_AddStringToObject(o, "serial", r->serial);
    cJSON_AddNumberToObject(o, "index", r->index);
    cJSON_AddStringToObject(o, "variant", r->variant ? r->variant : "?");
    cJSON_AddStringToObject(o, "power", twin_power_name(r->power));
    cJSON_AddItemToObject(o, "firmware", firmware_json(r));
    cJSON_AddItemToObject(o, "fuses", fuses_json(r));
    cJSON_AddItemToObject(o, "commissioning", commissioning_json(r));
    cJSON_AddItemToObject(o, "network", network_json(r));
    cJSON_AddItemToObject(o, "light", light_json(r));
    cJSON_AddItemToObject(o, "faults", faults_json(r));
    cJSON_AddItemToObject(o, "host", host_json(r));
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    out = g_strdup(text);
    cJSON_free(text);
    return out;
}
