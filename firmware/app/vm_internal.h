/* firmware/app/vm_internal.h: what the platform's VM files share: vm.c,
 * vm_gate.c, vm_switch.c, vm_timer.c and the runtime (vm_apps.c,
 * vm_app_timers.c, vm_app_sensors.c). */
#ifndef LAMP_VM_INTERNAL_H
#define LAMP_VM_INTERNAL_H

#include "vm.h"

#include "app_package.h"
#include "crash_format.h"

#include <stdbool.h>
#include <stddef.h>

/* vm_switch.c: enters the VM (VM_SVC_ENTER) and returns when it ended,
 * with the vm_exit verdict. */
uint32_t vm_enter(void);
/* Handler mode: abandon the VM and resume vm_enter's caller with status. */
__attribute__((noreturn)) void vm_unwind(uint32_t status);

/* Who is in the VM: what the gate knows of the running app, from the
 * platform's own records (never from the VM's region). */
struct vm_ctx {
    const char *name;      /* in log lines, crash records, strikes */
    bool console;          /* a console run (vm_run): log lines without the name */
    uint32_t apis;         /* APP_API_*: the gate refuses the others */
    unsigned slot;         /* a loaded app's record: its timers, events, messages
                            * (VM_APPS_MAX for a console run: none) */
    unsigned first_arena, arenas; /* the arenas it holds, contiguous */
    uint32_t owner;        /* vm_new_owner: one per load or console run */
    int kv_pair;           /* its storage (APP_KV_PAIR_ADDR), -1: none */
    uint32_t quota_storage, quota_messages;
    const char *source;    /* while loading: what VM_OP_SOURCE hands out */
    size_t source_len, source_pos;
    uint32_t errors;       /* VM_OP_ERROR lines this entry */
};

/* vm.c */
extern struct vm_ctx *vm_current; /* during an entry */
/* The first of an app's arenas, where its heap's bookkeeping lies. */
struct vm_arena *vm_arena_of(unsigned first);
/* Zeroes count arenas from first (nothing of the last app is left) and,
 * unless cap is 0, makes them one heap of VM_HEAP_OF(count) bytes that
 * refuses past cap. */
void vm_arena_wipe(unsigned first, unsigned count, uint32_t cap);
/* A new identity for the stack's owner (an app's load, a console run). */
uint32_t vm_new_owner(void);
/* During an entry: [addr, addr + len) lies in what the running app may
 * reach (the stack and job, its own arenas), no wrap-around. */
bool vm_reachable(uint32_t addr, uint32_t len);
/* [addr, addr + len) inside [base, base + size), without wrapping around. */
static inline bool vm_range_within(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
    return addr >= base && addr <= base + size && len <= base + size - addr;
}
/* false, and why logged, when the VM cannot run at all. */
bool vm_available(void);
/* Enters the VM as ctx for the job the caller filled in (vm_job); the
 * vm_exit verdict.  The time budget runs meanwhile. */
uint32_t vm_enter_as(struct vm_ctx *ctx);
/* One line: why an entry ended with status (static text). */
const char *vm_exit_why(uint32_t status);
/* After VM_EXIT_FAULT: the crash record and a strike against app. */
void vm_store_fault(const char *app);
extern struct vm_job *const vm_job;
extern uint8_t *const vm_stack_top;
extern volatile bool vm_active;    /* between ENTER and the unwind */
extern uint32_t vm_saved_msp;      /* vm_enter's frame, to resume on */
/* The last fault contained: type, pc, lr, cfsr, hfsr, addr as a crash
 * record holds them (crash_store_vm_fault fills in the rest). */
extern struct crash_record vm_last_fault;

/* vm_timer.c: the run's time budget (SysTick while it is active). */
void vm_timer_start(void);
void vm_timer_stop(void);
uint32_t vm_timer_budget_ms(void);

/* vm_gate.c: a new run's quotas. */
void vm_gate_begin_run(void);
/* The API a platform call needs of the app's manifest (0: every app may:
 * the loader and its errors). */
static inline uint32_t vm_op_api(uint32_t op)
{
    switch (op) {
    case VM_OP_LOG: return APP_API_LOG;
    case VM_OP_LIGHT_LEVEL: case VM_OP_LIGHT_SET: case VM_OP_LIGHT_CCT: return APP_API_LIGHT;
    case VM_OP_SENSORS: case VM_OP_EVENTS: return APP_API_SENSORS;
    case VM_OP_TIMER_START: case VM_OP_TIMER_CANCEL: case VM_OP_CLOCK: return APP_API_TIMERS;
    case VM_OP_STORAGE_GET: case VM_OP_STORAGE_SET: case VM_OP_STORAGE_DELETE:
        return APP_API_STORAGE;
    case VM_OP_MSG_PUBLISH: case VM_OP_MSG_SUBSCRIBE: return APP_API_MESSAGES;
    case VM_OP_BEACON: return APP_API_BEACON;
    default: return 0;
    }
}
/* A platform call (VM_SVC_CALL: r0 = op, r1-r3): its result for r0. */
int32_t vm_gate_call(uint32_t op, uint32_t a, uint32_t b, uint32_t c);
/* vm_svc.c: the SVC handler's C half: the EXC_RETURN to leave with, or 0
 * to unwind the VM with vm_exit_status. */
uint32_t vm_svc(uint32_t *frame, uint32_t exc_return);
extern uint32_t vm_exit_status;

/* vm_apps.c, for vm_run and the gate; slot is the running app's (a
 * console run's slot holds no app: VM_EINVAL). */
int vm_apps_free_arena(void); /* an arena no loaded app holds, or -1 */
int32_t vm_apps_timer_start(unsigned slot, uint32_t ms, bool periodic);
int32_t vm_apps_timer_cancel(unsigned slot, uint32_t id);
int32_t vm_apps_set_events(unsigned slot, uint32_t events);
int32_t vm_apps_beacon(unsigned slot, uint32_t value); /* VM_OP_BEACON */
/* One more light change for the app in slot (true for a console run:
 * its entry's own cap bounds it). */
bool vm_apps_light_admit(unsigned slot);
/* One more storage write (set or delete) for the app in slot. */
bool vm_apps_storage_admit(unsigned slot);

/* vm_app_timers.c: an app's timers (ids 1..APP_QUOTA_TIMERS_MAX). */
struct vm_app_timer {
    uint32_t due_ms, period_ms; /* period 0: one-shot */
    bool live;
};
struct vm_app_timers {
    struct vm_app_timer t[APP_QUOTA_TIMERS_MAX];
};
/* The new timer's id, or VM_EQUOTA when quota timers are live. */
int32_t vm_app_timers_start(struct vm_app_timers *ts, uint32_t quota, uint32_t now,
                            uint32_t ms, bool periodic);
/* 0, or VM_EINVAL for an id that is not live. */
int32_t vm_app_timers_cancel(struct vm_app_timers *ts, uint32_t id);
/* A timer due at now: its id and whether it was one-shot (then freed;
 * a periodic one is re-armed).  false when none is due. */
bool vm_app_timers_take_due(struct vm_app_timers *ts, uint32_t now, int32_t *id, bool *once);
/* ms until the next is due (0: one is due), UINT32_MAX: none live. */
uint32_t vm_app_timers_ms_to_next(const struct vm_app_timers *ts, uint32_t now);
unsigned vm_app_timers_live(const struct vm_app_timers *ts);

/* vm_app_sensors.c: the sensor readings apps have events for. */
/* The VM_EV_* among want whose reading changed enough since the last
 * call (occupancy: any change; lux: 10 % or 10 lx; temperature: 0.5 K). */
uint32_t vm_app_sensors_changes(uint32_t want);
/* The reading now, as a handler's argument (vm_gate.h enum vm_event). */
int32_t vm_app_sensors_value(uint32_t event);

#define EXC_RETURN_THREAD_MSP 0xFFFFFFF9u
#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu

/* vm_app_storage.c: an app's key/value storage in APP_KV_PAIR_ADDR(pair),
 * named app; keys 1..VM_KV_KEY_MAX bytes, values up to VM_KV_VALUE_MAX,
 * all entries (3 bytes each, key and value) within quota bytes. */
int32_t vm_app_storage_get(int pair, const char *app, const uint8_t *key, uint32_t klen,
                           uint8_t *value); /* the value's length, or VM_ENOENT */
int32_t vm_app_storage_put(int pair, const char *app, uint32_t quota, const uint8_t *key,
                           uint32_t klen, const uint8_t *value, uint32_t vlen, bool delete);

/* vm_app_messages.c: an app's messages (slot: its arena's index). */
void vm_app_msgs_init(void);   /* at boot, before netmgr starts: its netmgr client */
void vm_app_msgs_reset(unsigned slot);
int32_t vm_app_msg_publish(unsigned slot, const char *app, uint32_t quota, const char *sub,
                           uint32_t sub_len, const char *payload, uint32_t len);
int32_t vm_app_msg_subscribe(unsigned slot, const char *app, const char *sub, uint32_t sub_len);
bool vm_app_msgs_pending(unsigned slot);
void vm_app_msgs_take(unsigned slot, struct vm_job *job); /* the inbox into the job */
uint32_t vm_app_msgs_dropped(unsigned slot);
/* vm_apps.c: the name of the app loaded in slot, or NULL. */
const char *vm_apps_loaded_name(unsigned slot);

#endif
