/* firmware/app/vm_gate.c: the one gate between the VM and the platform
 * (docs/firmware.md#partner-app-vm): the platform calls behind the SVC
 * handler's C half (vm_svc.c), which takes VM_SVC_ENTER only from
 * privileged thread mode and VM_SVC_CALL/EXIT only from the VM.  Every
 * pointer must lie inside the VM's region and every
 * length and value within its bound before anything is done, and each
 * platform call needs an API of the running app's manifest, which the
 * gate knows from the platform's records (vm_current), not from the VM.
 *
 * The platform calls run here, in the SVC handler, although log and
 * lighting are thread-mode code: while the VM runs, the only thread-mode
 * platform code is suspended inside vm_enter (a console run or the
 * runtime's callback, between main-loop steps), so no log line or
 * lighting change is half done underneath. */
#include "vm_internal.h"

#include "clock.h"
#include "light_hw.h"
#include "lighting.h"
#include "log.h"

#include <string.h>

static uint32_t light_sets;

void vm_gate_begin_run(void)
{
    light_sets = 0;
}

/* [addr, addr + len) inside what the running app may reach: the VM's
 * stack and job and its own arena, never another app's; no wrap-around. */
static bool in_vm_ram(uint32_t addr, uint32_t len)
{
    return vm_reachable(addr, len);
}

static int32_t refuse_pointer(const char *op, uint32_t addr, uint32_t len)
{
    LOG_WRN("app: gate: %s: 0x%08lx+%lu is outside the app's memory; refused", op,
            (unsigned long)addr, (unsigned long)len);
    return VM_EFAULT;
}

/* log and the app's errors: one line of plain text, the app named
 * unless it is a console run. */
static int32_t op_log(uint32_t addr, uint32_t len, const char *what)
{
    char text[VM_LOG_MAX + 1];

    if (len > VM_LOG_MAX)
        return VM_EINVAL;
    if (!in_vm_ram(addr, len))
        return refuse_pointer(what[0] ? "error" : "log", addr, len);
    memcpy(text, (const void *)addr, len);
    for (uint32_t i = 0; i < len; i++)
        if (text[i] < ' ' || text[i] > '~')
            text[i] = '?'; /* the app writes one line of plain text */
    text[len] = 0;
    if (vm_current->console)
        LOG_INF("app: %s%s", what, text);
    else
        LOG_INF("app: %s: %s%s", vm_current->name, what, text);
    return 0;
}

/* The next piece of the source being loaded. */
static int32_t op_source(uint32_t addr, uint32_t len)
{
    struct vm_ctx *ctx = vm_current;
    size_t n = ctx->source_len - ctx->source_pos;

    if (!ctx->source)
        return VM_EINVAL; /* not loading */
    if (!in_vm_ram(addr, len))
        return refuse_pointer("source", addr, len);
    if (n > len)
        n = len;
    memcpy((void *)addr, ctx->source + ctx->source_pos, n);
    ctx->source_pos += n;
    return (int32_t)n;
}

/* light.set and light.cct, through lighting's own checks (its limits
 * are the app's). */
static int32_t op_light(uint32_t has, uint32_t value, uint32_t fade_ms)
{
    struct lighting_request r = { .has = has | LR_FADE };
    const char *why = "";

    if (fade_ms > VM_FADE_MAX_MS)
        return VM_EINVAL;
    if (has & LR_LEVEL ? value > LIGHT_LEVEL_FULL
                       : value < LIGHT_CCT_MIN_K || value > LIGHT_CCT_MAX_K)
        return VM_EINVAL;
    if (light_sets >= VM_LIGHT_SETS_MAX || !vm_apps_light_admit(vm_current->slot))
        return VM_EQUOTA;
    light_sets++;
    r.s.on = true;
    r.s.level = value;
    r.s.cct_k = value;
    r.s.fade_ms = fade_ms;
    if (lighting_apply(&r, &why) != 0) {
        LOG_WRN("app: gate: light: %s", why);
        return VM_EIO;
    }
    return 0;
}

static int32_t op_clock(uint32_t addr)
{
    uint32_t now = clock_ms();

    if (!in_vm_ram(addr, sizeof(now)) || (addr & 3u))
        return refuse_pointer("clock", addr, sizeof(now));
    memcpy((void *)addr, &now, sizeof(now));
    return 0;
}

static int32_t op_sensors(uint32_t addr)
{
    struct lighting_status st;
    struct vm_sensors s = { 0 };

    if (!in_vm_ram(addr, sizeof(s)) || (addr & 3u))
        return refuse_pointer("sensors", addr, sizeof(s));
    lighting_status(&st);
    if (st.present && st.lux_valid && !(st.faults & LF_LUX)) {
        s.valid |= VM_SENSOR_LUX;
        s.lux_centi = st.lux_centi;
    }
    if (st.present && st.temp_valid && !(st.faults & LF_TEMP)) {
        s.valid |= VM_SENSOR_TEMP;
        s.temp_centi = st.temp_centi;
    }
    if (st.present && !(st.faults & LF_PIR)) {
        s.valid |= VM_SENSOR_PIR;
        s.occupied = st.occupied;
    }
    memcpy((void *)addr, &s, sizeof(s));
    return 0;
}

/* storage.get/set/delete: key and value copied in before flash is
 * touched; the record is the app's, in its own pair of sectors. */
static int32_t op_storage(uint32_t op, uint32_t key, uint32_t lens, uint32_t value)
{
    static uint8_t v[VM_KV_VALUE_MAX];
    struct vm_ctx *ctx = vm_current;
    uint32_t klen = lens & 0xFFFFu, vlen = lens >> 16;
    uint8_t k[VM_KV_KEY_MAX];
    int32_t r;

    if (ctx->kv_pair < 0 || klen == 0 || klen > VM_KV_KEY_MAX || vlen > VM_KV_VALUE_MAX)
        return VM_EINVAL;
    if (!in_vm_ram(key, klen))
        return refuse_pointer("storage", key, klen);
    memcpy(k, (const void *)key, klen);
    switch (op) {
    case VM_OP_STORAGE_GET:
        if (!in_vm_ram(value, VM_KV_VALUE_MAX))
            return refuse_pointer("storage", value, VM_KV_VALUE_MAX);
        r = vm_app_storage_get(ctx->kv_pair, ctx->name, k, klen, v);
        if (r > 0)
            memcpy((void *)value, v, (size_t)r);
        return r;
    case VM_OP_STORAGE_SET:
        if (!in_vm_ram(value, vlen))
            return refuse_pointer("storage", value, vlen);
        if (!vm_apps_storage_admit(ctx->slot))
            return VM_EBUSY;
        memcpy(v, (const void *)value, vlen);
        return vm_app_storage_put(ctx->kv_pair, ctx->name, ctx->quota_storage, k, klen, v, vlen,
                                  false);
    default:
        if (!vm_apps_storage_admit(ctx->slot))
            return VM_EBUSY;
        return vm_app_storage_put(ctx->kv_pair, ctx->name, ctx->quota_storage, k, klen, NULL, 0,
                                  true);
    }
}

/* msg.publish/subscribe: only a loaded app (or one loading) has topics;
 * both ranges are checked here, the topic by vm_app_messages.c. */
static int32_t op_msg(uint32_t op, uint32_t sub, uint32_t lens, uint32_t payload)
{
    struct vm_ctx *ctx = vm_current;
    uint32_t sub_len = lens & 0xFFFFu, len = op == VM_OP_MSG_PUBLISH ? lens >> 16 : 0;

    if (ctx->console || sub_len > VM_MSG_SUB_MAX || len > VM_MSG_PAYLOAD_MAX)
        return VM_EINVAL;
    if (!in_vm_ram(sub, sub_len))
        return refuse_pointer("msg", sub, sub_len);
    if (op == VM_OP_MSG_PUBLISH && !in_vm_ram(payload, len))
        return refuse_pointer("msg", payload, len);
    if (op == VM_OP_MSG_SUBSCRIBE)
        return vm_app_msg_subscribe(ctx->slot, ctx->name, (const char *)sub, sub_len);
    return vm_app_msg_publish(ctx->slot, ctx->name, ctx->quota_messages, (const char *)sub,
                              sub_len, (const char *)payload, len);
}

int32_t vm_gate_call(uint32_t op, uint32_t a, uint32_t b, uint32_t c)
{
    struct vm_ctx *ctx = vm_current;
    struct lighting_status st;
    uint32_t api = vm_op_api(op);

    if ((ctx->apis & api) != api) {
        LOG_WRN("app: gate: %s: call %lu needs an API its manifest does not name; refused",
                ctx->name, (unsigned long)op);
        return VM_EPERM;
    }
    switch (op) {
    case VM_OP_LOG: return op_log(a, b, "");
    case VM_OP_ERROR:
        if (ctx->errors++)
            return VM_EQUOTA; /* one a entry: the error that ended it */
        return op_log(a, b, "error: ");
    case VM_OP_SOURCE: return op_source(a, b);
    case VM_OP_LIGHT_LEVEL:
        lighting_status(&st);
        return st.present ? (int32_t)st.level : VM_EIO;
    case VM_OP_LIGHT_SET: return op_light(LR_ON | LR_LEVEL, a, b);
    case VM_OP_LIGHT_CCT: return op_light(LR_CCT, a, b);
    case VM_OP_SENSORS: return op_sensors(a);
    /* timers and events belong to a loaded app, not a console run */
    case VM_OP_TIMER_START:
        if (a < VM_TIMER_MIN_MS || a > VM_TIMER_MAX_MS || b > 1)
            return VM_EINVAL;
        return vm_apps_timer_start(ctx->slot, a, b);
    case VM_OP_TIMER_CANCEL: return vm_apps_timer_cancel(ctx->slot, a);
    case VM_OP_CLOCK: return op_clock(a);
    case VM_OP_STORAGE_GET: case VM_OP_STORAGE_SET: case VM_OP_STORAGE_DELETE:
        return op_storage(op, a, b, c);
    case VM_OP_MSG_PUBLISH: case VM_OP_MSG_SUBSCRIBE: return op_msg(op, a, b, c);
    case VM_OP_BEACON: return vm_apps_beacon(ctx->slot, a);
    case VM_OP_EVENTS:
        if (a & ~(VM_EV_OCCUPANCY | VM_EV_LUX | VM_EV_TEMPERATURE))
            return VM_EINVAL;
        return vm_apps_set_events(ctx->slot, a);
    default:
        LOG_WRN("app: gate: no platform call %lu; refused", (unsigned long)op);
        return VM_ENOSYS;
    }
}
