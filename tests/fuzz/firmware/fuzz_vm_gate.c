/* Fuzz target: the VM gate's argument checks (firmware/app/vm_gate.c):
 * the platform calls a partner app (or anything that took over the
 * unprivileged VM) makes with whatever it puts in r0-r3.  The input is
 * the running app's record (its APIs, console run or not, its arenas,
 * whether it loads source or has storage), then calls of 13 bytes each:
 * op, then r1, r2, r3; bits 5-7 of the op byte make r1, r2 or r3 an
 * offset from the VM region's start, so small numbers name its memory.
 * The region is mapped at the lamp's address (vm_platform_double.c).
 * Beyond crashes it checks the gate's promises (docs/firmware.md#
 * partner-app-vm): a call whose API the manifest lacks (vm_op_api) is
 * refused and reaches no service; nothing outside what the app may reach (the first
 * sub-region and its own arenas) is read into a service or written,
 * checked against a plain 64-bit reading of the layout and against a
 * copy of the other apps' arenas; lengths and values reach the services
 * within their bounds; a log line holds plain text only. */
#include "light_hw.h"
#include "uart_double.h"
#include "vm_platform_double.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t others_before[VM_RAM_SIZE];

static bool may_reach(uint64_t addr, uint64_t len)
{
    const struct vm_ctx *c = &vm_double.ctx;
    uint64_t base = VM_DOUBLE_BASE, first = base + VM_SUBREGION_SIZE * (1u + c->first_arena);

    return (addr >= base && addr + len <= base + VM_SUBREGION_SIZE) ||
           (addr >= first && addr + len <= first + (uint64_t)c->arenas * VM_ARENA_SIZE);
}

/* The region outside what the app may reach: the other arenas. */
static bool other_arena(size_t off)
{
    const struct vm_ctx *c = &vm_double.ctx;
    size_t first = VM_SUBREGION_SIZE * (1u + c->first_arena);

    return off >= VM_SUBREGION_SIZE && (off < first || off >= first + c->arenas * VM_ARENA_SIZE);
}

static void check_others_untouched(void)
{
    for (size_t off = VM_SUBREGION_SIZE; off < VM_RAM_SIZE; off += VM_ARENA_SIZE)
        if (other_arena(off) &&
            memcmp(vm_double.region + off, others_before + off, VM_ARENA_SIZE) != 0)
            abort(); /* another app's arena written */
}

static void check_log_text(void)
{
    for (size_t i = 0; i < uart_double.len; i++) {
        char ch = uart_double.text[i];
        if (ch != '\n' && (ch < ' ' || ch > '~'))
            abort();
    }
}

static void check_call(uint32_t op, uint32_t a, uint32_t b, uint32_t c, int32_t r,
                       unsigned calls_before)
{
    const struct vm_ctx *ctx = &vm_double.ctx;
    uint32_t api = vm_op_api(op);
    bool served = vm_double.calls != calls_before;

    if ((ctx->apis & api) != api && (r != VM_EPERM || served))
        abort(); /* a call past the manifest */
    if (r == VM_EPERM)
        return;
    switch (op) {
    case VM_OP_LOG:
    case VM_OP_ERROR:
        if (r == 0 && (b > VM_LOG_MAX || !may_reach(a, b)))
            abort();
        break;
    case VM_OP_SOURCE:
    case VM_OP_CLOCK:
    case VM_OP_SENSORS: {
        uint32_t len = op == VM_OP_SOURCE ? b : op == VM_OP_CLOCK ? 4u : sizeof(struct vm_sensors);
        if (r >= 0 && (!may_reach(a, len) || (op != VM_OP_SOURCE && a % 4)))
            abort();
        if (op == VM_OP_SOURCE && r > 0 && (uint32_t)r > b)
            abort();
        break;
    }
    case VM_OP_LIGHT_SET:
    case VM_OP_LIGHT_CCT:
        if (served) {
            const struct lighting_request *l = &vm_double.light;
            if (l->s.fade_ms > VM_FADE_MAX_MS ||
                ((l->has & LR_LEVEL) && l->s.level > LIGHT_LEVEL_FULL) ||
                ((l->has & LR_CCT) && (l->s.cct_k < LIGHT_CCT_MIN_K || l->s.cct_k > LIGHT_CCT_MAX_K)))
                abort();
        }
        break;
    case VM_OP_STORAGE_GET:
    case VM_OP_STORAGE_SET:
    case VM_OP_STORAGE_DELETE:
        if (served) {
            uint32_t klen = b & 0xFFFF, vlen = b >> 16;
            if (ctx->kv_pair < 0 || vm_double.kv_klen != klen || klen == 0 ||
                klen > VM_KV_KEY_MAX || !may_reach(a, klen))
                abort();
            if (op == VM_OP_STORAGE_SET && (vlen > VM_KV_VALUE_MAX || !may_reach(c, vlen)))
                abort();
            if (op == VM_OP_STORAGE_GET && !may_reach(c, VM_KV_VALUE_MAX))
                abort();
        }
        break;
    case VM_OP_MSG_PUBLISH:
    case VM_OP_MSG_SUBSCRIBE:
        if (served && (ctx->console || vm_double.msg_sub_len > VM_MSG_SUB_MAX ||
                       !may_reach(vm_double.msg_sub, vm_double.msg_sub_len) ||
                       vm_double.msg_len > VM_MSG_PAYLOAD_MAX ||
                       (op == VM_OP_MSG_PUBLISH &&
                        !may_reach(vm_double.msg_payload, vm_double.msg_len))))
            abort();
        break;
    case VM_OP_TIMER_START:
        if (served && (a < VM_TIMER_MIN_MS || a > VM_TIMER_MAX_MS || b > 1))
            abort();
        break;
    default:
        break;
    }
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char source[] = "light.set(50)\nlog('hello')\n";

    if (size < 4)
        return 0;
    vm_platform_double_reset();
    uart_double_reset();
    struct vm_ctx *ctx = &vm_double.ctx;
    /* The app: what the platform's records would say (never the VM). */
    ctx->name = "fuzzed";
    ctx->apis = data[0] & APP_API_ALL;
    ctx->console = data[0] >> 7;
    ctx->first_arena = data[1] % VM_ARENAS;
    ctx->arenas = 1 + data[1] / VM_ARENAS % (VM_ARENAS - ctx->first_arena);
    ctx->slot = ctx->console ? VM_APPS_MAX : ctx->first_arena;
    ctx->kv_pair = data[2] & 1 ? (int)(data[2] >> 1) % (int)VM_APPS_MAX : -1;
    ctx->quota_storage = 128, ctx->quota_messages = 4;
    if (data[3] & 1) {
        ctx->source = source;
        ctx->source_len = sizeof(source) - 1;
    }
    data += 4, size -= 4;
    if (others_before[1] == 0)
        for (size_t i = 0; i < VM_RAM_SIZE; i++)
            others_before[i] = (uint8_t)(i * 7 + 1);
    memcpy(vm_double.region, others_before, VM_RAM_SIZE);
    vm_gate_begin_run();
    for (; size >= 13; data += 13, size -= 13) {
        uint32_t op = data[0] & 0x1F, args[3];
        for (int k = 0; k < 3; k++) {
            args[k] = le32(data + 1 + 4 * k);
            if (data[0] & (0x20u << k))
                args[k] += VM_DOUBLE_BASE;
        }
        unsigned calls = vm_double.calls;
        int32_t r = vm_gate_call(op, args[0], args[1], args[2]);
        check_call(op, args[0], args[1], args[2], r, calls);
        check_others_untouched();
        check_log_text();
        if (ctx->source && ctx->source_pos > ctx->source_len)
            abort();
    }
    return 0;
}
