/* tests/fuzz/firmware/vm_platform_double.c: see vm_platform_double.h.
 * vm_reachable is the lamp's own check (vm.c) over this region's layout:
 * the first sub-region (stack and job), then the app's arenas, by the
 * same vm_range_within.  The services accept every call (the gate's
 * checks come before them, and what they refuse is their own affair,
 * fuzzed elsewhere or not at all), and record it. */
#include "vm_platform_double.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct vm_platform_double vm_double;
struct vm_ctx *vm_current = &vm_double.ctx;

void vm_platform_double_reset(void)
{
    static uint8_t *region;

    if (!region) {
        void *p = mmap((void *)(uintptr_t)VM_DOUBLE_BASE, VM_RAM_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p != (void *)(uintptr_t)VM_DOUBLE_BASE) {
            perror("vm double: mapping the VM's region at 0x20000000");
            abort();
        }
        region = p;
    }
    memset(&vm_double, 0, sizeof(vm_double));
    vm_double.region = region;
}

bool vm_reachable(uint32_t addr, uint32_t len)
{
    uint32_t arenas = VM_DOUBLE_BASE + VM_SUBREGION_SIZE + vm_current->first_arena * VM_ARENA_SIZE;

    return vm_range_within(addr, len, VM_DOUBLE_BASE, VM_SUBREGION_SIZE) ||
           vm_range_within(addr, len, arenas, vm_current->arenas * VM_ARENA_SIZE);
}

int lighting_apply(const struct lighting_request *r, const char **why)
{
    (void)why;
    vm_double.calls++;
    vm_double.light = *r;
    return 0;
}

void lighting_status(struct lighting_status *out)
{
    /* A lamp with every sensor trusted. */
    memset(out, 0, sizeof(*out));
    out->present = out->lux_valid = out->temp_valid = true;
    out->level = 50000;
    out->lux_centi = 31415;
    out->temp_centi = 2500;
}

bool vm_apps_light_admit(unsigned slot)
{
    (void)slot;
    return true;
}

bool vm_apps_storage_admit(unsigned slot)
{
    (void)slot;
    return true;
}

int32_t vm_apps_timer_start(unsigned slot, uint32_t ms, bool periodic)
{
    (void)slot, (void)ms, (void)periodic;
    vm_double.calls++;
    return 1;
}

int32_t vm_apps_timer_cancel(unsigned slot, uint32_t id)
{
    (void)slot, (void)id;
    vm_double.calls++;
    return 0;
}

int32_t vm_apps_set_events(unsigned slot, uint32_t events)
{
    (void)slot, (void)events;
    vm_double.calls++;
    return 0;
}

int32_t vm_apps_beacon(unsigned slot, uint32_t value)
{
    (void)slot, (void)value;
    vm_double.calls++;
    return 0;
}

int32_t vm_app_storage_get(int pair, const char *app, const uint8_t *key, uint32_t klen,
                           uint8_t *value)
{
    (void)pair, (void)app, (void)key;
    vm_double.calls++;
    vm_double.kv_klen = klen;
    /* A value as long as the longest the storage holds. */
    memset(value, 'v', VM_KV_VALUE_MAX);
    return VM_KV_VALUE_MAX;
}

int32_t vm_app_storage_put(int pair, const char *app, uint32_t quota, const uint8_t *key,
                           uint32_t klen, const uint8_t *value, uint32_t vlen, bool delete)
{
    (void)pair, (void)app, (void)quota, (void)key, (void)value, (void)delete;
    vm_double.calls++;
    vm_double.kv_klen = klen;
    vm_double.kv_vlen = vlen;
    return 0;
}

int32_t vm_app_msg_publish(unsigned slot, const char *app, uint32_t quota, const char *sub,
                           uint32_t sub_len, const char *payload, uint32_t len)
{
    (void)slot, (void)app, (void)quota;
    vm_double.calls++;
    vm_double.msg_sub = (uint32_t)(uintptr_t)sub, vm_double.msg_sub_len = sub_len;
    vm_double.msg_payload = (uint32_t)(uintptr_t)payload, vm_double.msg_len = len;
    return 0;
}

int32_t vm_app_msg_subscribe(unsigned slot, const char *app, const char *sub, uint32_t sub_len)
{
    (void)slot, (void)app;
    vm_double.calls++;
    vm_double.msg_sub = (uint32_t)(uintptr_t)sub, vm_double.msg_sub_len = sub_len;
    vm_double.msg_payload = 0, vm_double.msg_len = 0;
    return 0;
}
