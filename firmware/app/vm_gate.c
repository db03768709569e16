/* firmware/app/vm_gate.c: the one gate between the VM and the platform
 * (docs/firmware.md#partner-app-vm): the SVC handler's C half.  It takes
 * VM_SVC_ENTER only from privileged thread mode and VM_SVC_CALL/EXIT only
 * from the VM; every pointer must lie inside the VM's region and every
 * length and value within its bound before anything is done.
 *
 * The platform calls run here, in the SVC handler, although log and
 * lighting are thread-mode code: while the VM runs, the only thread-mode
 * platform code is suspended inside vm_enter (vm_run is called from the
 * console, between main-loop steps), so no log line or lighting change is
 * half done underneath. */
#include "vm_internal.h"

#include "hw.h"
#include "lighting.h"
#include "log.h"

#include <string.h>

uint32_t vm_exit_status;
static uint32_t light_sets;

void vm_gate_begin_run(void)
{
    light_sets = 0;
}

/* [addr, addr + len) inside the VM's RAM; no wrap-around. */
static bool in_vm_ram(uint32_t addr, uint32_t len)
{
    uint32_t lo = (uint32_t)__vm_ram_start, hi = (uint32_t)__vm_ram_end;
    return addr >= lo && addr <= hi && len <= hi - addr;
}

static int32_t refuse_pointer(const char *op, uint32_t addr, uint32_t len)
{
    LOG_WRN("app: gate: %s: 0x%08lx+%lu is outside the app's memory; refused", op,
            (unsigned long)addr, (unsigned long)len);
    return VM_EFAULT;
}

static int32_t op_log(uint32_t addr, uint32_t len)
{
    char text[VM_LOG_MAX + 1];

    if (len > VM_LOG_MAX)
        return VM_EINVAL;
    if (!in_vm_ram(addr, len))
        return refuse_pointer("log", addr, len);
    memcpy(text, (const void *)addr, len);
    for (uint32_t i = 0; i < len; i++)
        if (text[i] < ' ' || text[i] > '~')
            text[i] = '?'; /* the app writes one line of plain text */
    text[len] = 0;
    LOG_INF("app: %s", text);
    return 0;
}

static int32_t op_light_set(uint32_t level, uint32_t fade_ms)
{
    struct lighting_request r = { .has = LR_ON | LR_LEVEL | LR_FADE };
    const char *why = "";

    if (level > LIGHT_LEVEL_FULL || fade_ms > VM_FADE_MAX_MS)
        return VM_EINVAL;
    if (light_sets >= VM_LIGHT_SETS_MAX)
        return VM_EQUOTA;
    light_sets++;
    r.s.on = true;
    r.s.level = level;
    r.s.fade_ms = fade_ms;
    if (lighting_apply(&r, &why) != 0) {
        LOG_WRN("app: gate: light.set: %s", why);
        return VM_EIO;
    }
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

static int32_t vm_call_op(uint32_t op, uint32_t a, uint32_t b)
{
    struct lighting_status st;

    switch (op) {
    case VM_OP_LOG: return op_log(a, b);
    case VM_OP_LIGHT_LEVEL:
        lighting_status(&st);
        return st.present ? (int32_t)st.level : VM_EIO;
    case VM_OP_LIGHT_SET: return op_light_set(a, b);
    case VM_OP_SENSORS: return op_sensors(a);
    default:
        LOG_WRN("app: gate: no platform call %lu; refused", (unsigned long)op);
        return VM_ENOSYS;
    }
}

/* Points the VM's first exception return at vm_main on its own stack. */
static uint32_t enter(void)
{
    void vm_main(struct vm_job *job);
    uint32_t *frame = (uint32_t *)vm_stack_top - 8;

    memset(frame, 0, 32);
    frame[0] = (uint32_t)vm_job;
    frame[6] = (uint32_t)vm_main & ~1u;
    frame[7] = 0x01000000u; /* Thumb */
    __asm volatile("msr psp, %0\n\t"
                   "msr control, %1\n\t" /* nPRIV: handler mode ignores SPSEL */
                   "isb" : : "r"(frame), "r"(1u) : "memory");
    vm_active = true;
    return EXC_RETURN_THREAD_PSP;
}

uint32_t vm_svc(uint32_t *frame, uint32_t exc_return)
{
    bool from_vm = vm_active && exc_return == EXC_RETURN_THREAD_PSP;
    uint32_t imm;

    /* The SVC's immediate, from the instruction before the return
     * address.  A VM frame is in the VM's stack; a privileged one is ours. */
    if (from_vm && !in_vm_ram((uint32_t)frame, 32)) {
        vm_exit_status = VM_EXIT_FAULT;
        return 0;
    }
    imm = *(const uint8_t *)(frame[6] - 2);
    if (!from_vm) {
        if (imm == VM_SVC_ENTER && !vm_active && exc_return == EXC_RETURN_THREAD_MSP)
            return enter();
        /* No other SVC is taken from the platform: a bug, stopped. */
        for (;;)
            __asm volatile("wfi");
    }
    switch (imm) {
    case VM_SVC_CALL:
        frame[0] = (uint32_t)vm_call_op(frame[0], frame[1], frame[2]);
        return exc_return;
    case VM_SVC_EXIT:
        vm_exit_status = frame[0] <= VM_EXIT_BUDGET ? frame[0] : VM_EXIT_ERROR;
        return 0;
    default:
        vm_exit_status = VM_EXIT_BAD_SVC;
        return 0;
    }
}
