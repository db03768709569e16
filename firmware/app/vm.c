/* firmware/app/vm.c: the VM's region and entering it (vm.h,
 * vm_internal.h).  A Lua state is created inside the VM when an app is
 * loaded, in that app's arena, and lives there until the app is unloaded
 * or torn down (vm_apps.c); a console run (vm_run) borrows a free arena
 * for one load and wipes it after.  A lamp that runs no app pays nothing
 * at boot (the region is NOLOAD, neither copied nor zeroed by the
 * startup code). */
#include "vm_internal.h"

#include "crash.h"
#include "hw.h"
#include "log.h"
#include "mpu_setup.h"
#include "vm_strikes.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The VM's region (app.ld.in: .vm_ram), the stack first, then the
 * arenas (one MPU sub-region each); an app's heap starts in its first
 * arena (struct vm_arena) and runs on through the others it holds. */
static struct vm_region {
    uint8_t stack[VM_STACK_SIZE];
    union { struct vm_job job; uint8_t space[VM_JOB_SPACE]; } job;
    uint8_t arenas[VM_ARENAS][VM_ARENA_SIZE];
} region __attribute__((section(".vm_ram"), aligned(8)));
_Static_assert(sizeof(struct vm_region) == VM_RAM_SIZE, "the region is the VM's RAM");
_Static_assert(offsetof(struct vm_region, arenas) == VM_SUBREGION_SIZE,
               "the stack and job fill the first sub-region, each arena one of its own");
_Static_assert(sizeof(struct vm_arena) == VM_ARENA_HEADER,
               "vm_gate.h's VM_ARENA_HEADER is the arena's bookkeeping");
_Static_assert(VM_HEAP_OF(VM_ARENAS) >= APP_QUOTA_MEMORY_MAX &&
               VM_ARENAS_FOR(APP_QUOTA_MEMORY_MAX) <= VM_ARENAS,
               "the arenas hold the largest memory quota a manifest may ask");
uint8_t *const vm_stack_top = region.stack + VM_STACK_SIZE;
struct vm_job *const vm_job = &region.job.job;

#define VM_BUDGET 200000u  /* Lua instructions a run may execute */

volatile bool vm_active;
uint32_t vm_saved_msp;
struct crash_record vm_last_fault;
struct vm_ctx *vm_current;
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

struct vm_arena *vm_arena_of(unsigned first)
{
    return (struct vm_arena *)region.arenas[first];
}

void vm_arena_wipe(unsigned first, unsigned count, uint32_t cap)
{
    struct vm_arena *arena = vm_arena_of(first);

    memset(region.arenas[first], 0, count * VM_ARENA_SIZE);
    if (cap) {
        arena->heap.cap = cap;
        arena->heap.size = VM_HEAP_OF(count);
    }
}

uint32_t vm_new_owner(void)
{
    static uint32_t last;

    return ++last ? last : ++last; /* 0 is nobody's */
}

bool vm_reachable(uint32_t addr, uint32_t len)
{
    uint32_t shared = (uint32_t)&region, arenas = (uint32_t)region.arenas[vm_current->first_arena];
    uint32_t size = vm_current->arenas * VM_ARENA_SIZE;

    return vm_range_within(addr, len, shared, VM_SUBREGION_SIZE) ||
           vm_range_within(addr, len, arenas, size);
}

bool vm_available(void)
{
    if (disabled_why)
        LOG_ERR("app: the VM is not available: %s", disabled_why);
    return !disabled_why;
}

uint32_t vm_enter_as(struct vm_ctx *ctx)
{
    static uint32_t stack_owner; /* whose entry last used the stack */
    uint32_t status;

    /* Nothing of another app's entries is left on the stack for this one
     * to read.  An app's own leftovers are its own: wiping 8 KiB after
     * every callback was most of a callback's cost. */
    if (ctx->owner != stack_owner) {
        memset(region.stack, 0, sizeof(region.stack));
        stack_owner = ctx->owner;
    }
    vm_current = ctx;
    mpu_vm_ram_open((int)ctx->first_arena, ctx->arenas);
    vm_gate_begin_run();
    /* Platform calls run in the SVC handler; at the lowest priority every
     * interrupt still preempts it, and a flash operation's WFI (lighting's
     * save) still wakes on the controller's DONE. */
    SCB_SHPR2 = PRIO_LOWEST << SHPR2_SVCALL_SHIFT;
    vm_timer_start();
    status = vm_enter();
    vm_timer_stop();
    vm_active = false;
    vm_current = NULL;
    return status;
}

static void report(uint32_t status, const struct vm_heap *heap)
{
    switch (status) {
    case VM_EXIT_OK:
        LOG_INF("app: finished (heap peak %lu of %lu bytes)", (unsigned long)heap->peak,
                (unsigned long)heap->cap);
        break;
    case VM_EXIT_BUDGET:
        LOG_ERR("app: stopped: instruction budget of %lu exhausted", (unsigned long)vm_job->budget);
        break;
    case VM_EXIT_FAULT:
    case VM_EXIT_TIME:
    case VM_EXIT_BAD_SVC:
        LOG_ERR("app: stopped: %s", vm_exit_why(status));
        break;
    default:
        LOG_ERR("app: stopped: %s%s", status == VM_EXIT_LOAD ? "the source does not compile"
                : status == VM_EXIT_NOMEM ? "no memory for the Lua state" : "error",
                heap->hit_cap ? " (the heap cap was reached)" : "");
        break;
    }
}

const char *vm_exit_why(uint32_t status)
{
    static char why[160];

    switch (status) {
    case VM_EXIT_FAULT:
        snprintf(why, sizeof(why), "%s fault in the VM at pc=0x%08lx addr=0x%08lx cfsr=0x%08lx; "
                 "the VM was torn down", crash_type_name(vm_last_fault.type),
                 (unsigned long)vm_last_fault.pc, (unsigned long)vm_last_fault.addr,
                 (unsigned long)vm_last_fault.cfsr);
        return why;
    case VM_EXIT_TIME:
        snprintf(why, sizeof(why), "time budget of %lu ms exhausted",
                 (unsigned long)vm_timer_budget_ms());
        return why;
    case VM_EXIT_BAD_SVC: return "an SVC the gate does not take";
    case VM_EXIT_BUDGET: return "instruction quota per callback exceeded";
    case VM_EXIT_LOAD: return "the source does not compile";
    case VM_EXIT_NOMEM: return "no memory for the Lua state";
    case VM_EXIT_ERROR: return "error";
    default: return "finished";
    }
}

void vm_store_fault(const char *app)
{
    /* Stored before the next entry can fault: the cloud hears of every
     * fault at least once, and the strikes survive a reset. */
    crash_store_vm_fault(&vm_last_fault, app);
    vm_strikes_add(app);
}

int vm_run(const char *app, const char *source, size_t len, uint32_t flags)
{
    /* slot VM_APPS_MAX: no app's record, so no timers, events or messages */
    struct vm_ctx ctx = { .name = app, .console = true, .kv_pair = -1, .owner = vm_new_owner(),
                          .slot = VM_APPS_MAX, .arenas = 1,
                          .apis = APP_API_LIGHT | APP_API_SENSORS | APP_API_LOG,
                          .source = source, .source_len = len };
    uint32_t status;
    int first;

    if (!vm_available() || !vm_strikes_admit(app))
        return -1;
    if (len > APP_PKG_SOURCE_MAX) {
        LOG_ERR("app: the source is %lu bytes, the VM takes %lu", (unsigned long)len,
                (unsigned long)APP_PKG_SOURCE_MAX);
        return -1;
    }
    first = vm_apps_free_arena();
    if (first < 0) {
        LOG_ERR("app: no arena free: the loaded apps hold all %u (app unload NAME)", VM_ARENAS);
        return -1;
    }
    ctx.first_arena = (unsigned)first;
    vm_arena_wipe(ctx.first_arena, 1, VM_HEAP_OF(1));
    memset(vm_job, 0, sizeof(*vm_job));
    vm_job->what = VM_DO_LOAD;
    vm_job->flags = flags;
    vm_job->apis = ctx.apis;
    vm_job->budget = VM_BUDGET;
    vm_job->arena = vm_arena_of(ctx.first_arena);
    LOG_INF("app: started (%lu bytes of source%s)", (unsigned long)len,
            flags & VM_JOB_PROBE ? ", with probes" : "");
    status = vm_enter_as(&ctx);
    report(status, &vm_arena_of(ctx.first_arena)->heap);
    if (status == VM_EXIT_FAULT)
        vm_store_fault(app);
    /* Nothing of this app is left for the next to read. */
    vm_arena_wipe(ctx.first_arena, 1, 0);
    return (int)status;
}

int vm_run_example(void)
{
    return vm_run("example", example_source, sizeof(example_source) - 1, 0);
}
