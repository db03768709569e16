/* firmware/app/vm.c: running an app (vm.h).  The Lua state is created
 * inside the VM when a run starts and thrown away with the region when it
 * ends: a lamp that runs no app pays nothing at boot (the region is
 * NOLOAD, neither copied nor zeroed by the startup code). */
#include "vm_internal.h"

#include "crash.h"
#include "hw.h"
#include "log.h"
#include "vm_strikes.h"

#include <string.h>

/* The VM's region (app.ld.in: .vm_ram), the stack first. */
#define JOB_SPACE ((sizeof(struct vm_job) + 7u) & ~7u)
static struct vm_region {
    uint8_t stack[VM_STACK_SIZE];
    union { struct vm_job job; uint8_t space[JOB_SPACE]; } job;
    uint8_t heap[VM_RAM_SIZE - VM_STACK_SIZE - JOB_SPACE];
} region __attribute__((section(".vm_ram"), aligned(8)));
_Static_assert(sizeof(struct vm_region) == VM_RAM_SIZE, "the region is exactly the VM's RAM");
#define vm_heap region.heap
uint8_t *const vm_stack_top = region.stack + VM_STACK_SIZE;
struct vm_job *const vm_job = &region.job.job;

#define VM_BUDGET 200000u  /* Lua instructions a run may execute */

volatile bool vm_active;
uint32_t vm_saved_msp;
struct crash_record vm_last_fault;
static const char *disabled_why;

static const char example_source[] =
    "-- the built-in example (app run): half light in daylight, full otherwise\n"
    "local lux = sensors.lux()\n"
    "local target = 80\n"
    "if lux and lux > 500 then target = 40 end\n"
    "log('example: light was ' .. light.level() .. '%, lux ' .. tostring(lux))\n"
    "light.set(target, 1000)\n"
    "log('example: light set to ' .. target .. '%')\n";

void vm_disable(const char *why)
{
    disabled_why = why;
}

bool vm_owns_exception(uint32_t exc_return)
{
    return vm_active && exc_return == EXC_RETURN_THREAD_PSP;
}

void vm_contain_fault(const uint32_t *frame, uint32_t type)
{
    uint32_t cfsr = SCB_CFSR;
    /* A stacking fault leaves no frame worth reading. */
    bool framed = (uint32_t)frame >= (uint32_t)__vm_ram_start &&
                  (uint32_t)frame + 32 <= (uint32_t)__vm_ram_end;

    vm_last_fault.type = type;
    vm_last_fault.cfsr = cfsr;
    vm_last_fault.hfsr = SCB_HFSR;
    vm_last_fault.addr = (cfsr & CFSR_MMARVALID) ? SCB_MMFAR : (cfsr & CFSR_BFARVALID) ? SCB_BFAR : 0;
    vm_last_fault.pc = framed ? frame[6] : 0;
    vm_last_fault.lr = framed ? frame[5] : 0;
    SCB_CFSR = cfsr;         /* write-one-to-clear: the next fault starts clean */
    SCB_HFSR = SCB_HFSR;
    vm_unwind(VM_EXIT_FAULT);
}

static void report(uint32_t status)
{
    switch (status) {
    case VM_EXIT_OK:
        LOG_INF("app: finished (heap peak %lu of %lu bytes)", (unsigned long)vm_job->heap_peak,
                (unsigned long)vm_job->heap_cap);
        break;
    case VM_EXIT_BUDGET:
        LOG_ERR("app: stopped: instruction budget of %lu exhausted", (unsigned long)vm_job->budget);
        break;
    case VM_EXIT_FAULT:
        LOG_ERR("app: stopped: %s fault in the VM at pc=0x%08lx addr=0x%08lx cfsr=0x%08lx; "
                "the VM was torn down", crash_type_name(vm_last_fault.type),
                (unsigned long)vm_last_fault.pc, (unsigned long)vm_last_fault.addr,
                (unsigned long)vm_last_fault.cfsr);
        break;
    case VM_EXIT_TIME:
        LOG_ERR("app: stopped: time budget of %lu ms exhausted", (unsigned long)vm_timer_budget_ms());
        break;
    case VM_EXIT_BAD_SVC:
        LOG_ERR("app: stopped: an SVC the gate does not take");
        break;
    default:
        LOG_ERR("app: stopped: %s%s", status == VM_EXIT_LOAD ? "the source does not compile"
                : status == VM_EXIT_NOMEM ? "no memory for the Lua state" : "error",
                vm_job->heap_hit_cap ? " (the heap cap was reached)" : "");
        break;
    }
}

int vm_run(const char *app, const char *source, size_t len, uint32_t flags)
{
    uint32_t status;

    if (disabled_why) {
        LOG_ERR("app: the VM is not available: %s", disabled_why);
        return -1;
    }
    if (!vm_strikes_admit(app))
        return -1;
    if (len > VM_CODE_MAX) {
        LOG_ERR("app: the source is %lu bytes, the VM takes %lu", (unsigned long)len,
                (unsigned long)VM_CODE_MAX);
        return -1;
    }
    memset(vm_job, 0, sizeof(*vm_job));
    memcpy(vm_job->code, source, len);
    vm_job->code_len = len;
    vm_job->flags = flags;
    vm_job->budget = VM_BUDGET;
    vm_job->heap = vm_heap;
    vm_job->heap_size = vm_job->heap_cap = sizeof(vm_heap);
    vm_gate_begin_run();
    /* Platform calls run in the SVC handler; at the lowest priority every
     * interrupt still preempts it, and a flash operation's WFI (lighting's
     * save) still wakes on the controller's DONE. */
    SCB_SHPR2 = PRIO_LOWEST << SHPR2_SVCALL_SHIFT;
    LOG_INF("app: started (%lu bytes of source%s)", (unsigned long)len,
            flags & VM_JOB_PROBE ? ", with probes" : "");
    vm_timer_start();
    status = vm_enter();
    vm_timer_stop();
    vm_active = false;
    report(status);
    /* Stored before the next run can fault: the cloud hears of every
     * fault at least once, and the strikes survive a reset. */
    if (status == VM_EXIT_FAULT) {
        crash_store_vm_fault(&vm_last_fault, app);
        vm_strikes_add(app);
    }
    /* Nothing of this app is left for the next to read. */
    memset(vm_heap, 0, sizeof(vm_heap));
    memset(region.stack, 0, sizeof(region.stack));
    return (int)status;
}

int vm_run_example(void)
{
    return vm_run("example", example_source, sizeof(example_source) - 1, 0);
}
