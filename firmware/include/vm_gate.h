/* firmware/include/vm_gate.h: the contract between the partner-app VM
 * (firmware/vm/, unprivileged) and the platform (firmware/app/vm*.c,
 * privileged) (docs/firmware.md#partner-app-vm): the SVC numbers, the
 * platform calls behind the one gate, the job the platform hands the VM
 * and the VM's memory.  Both sides include it, so they cannot disagree;
 * the numbers at the top are also read by meson for the linker script. */
#ifndef LAMP_VM_GATE_H
#define LAMP_VM_GATE_H

/* The VM's SRAM region (linker section .vm_ram, at the bottom of SRAM):
 * 80 KiB on a 16 KiB boundary, which one MPU region of 128 KiB covers
 * exactly with five of its 16 KiB sub-regions (mpu_setup.c): the first
 * holds the stack and the job, each of the others is an arena.  An app
 * holds one or more contiguous arenas (VM_ARENAS_FOR its memory quota);
 * an entry opens the first sub-region and the running app's arenas only,
 * so an app cannot touch another's (mpu_vm_ram_open).  Lua's state takes
 * about 10.3 KiB with its libraries before the app holds anything.  The
 * stack sits at the bottom so an overflow runs below SRAM and faults
 * instead of corrupting what lies above it. */
#define VM_RAM_SIZE 0x14000u /* 80 KiB */
#define VM_RAM_ALIGN 0x4000u /* a sub-region of a 128 KiB MPU region */
#define VM_SUBREGION_SIZE 0x4000u
#define VM_APPS_MAX 4u       /* apps at once (partitions.h: APP_MAX_INSTALLED) */
#define VM_JOB_SPACE 0x200u  /* struct vm_job, rounded up */
#define VM_STACK_SIZE (VM_SUBREGION_SIZE - VM_JOB_SPACE) /* the rest of the first */
/* An arena, one sub-region.  An app's first arena starts with its heap
 * bookkeeping (struct vm_arena's header, VM_ARENA_HEADER bytes on the
 * lamp: vm.c checks it); the rest of its arenas are all heap. */
#define VM_ARENA_SIZE VM_SUBREGION_SIZE
#define VM_ARENAS VM_APPS_MAX
#define VM_ARENA_HEADER 32u
/* Arenas an app with a memory quota of q bytes of heap holds. */
#define VM_ARENAS_FOR(q) (((q) + VM_ARENA_HEADER + VM_ARENA_SIZE - 1u) / VM_ARENA_SIZE)
/* The heap n contiguous arenas give. */
#define VM_HEAP_OF(n) ((n) * VM_ARENA_SIZE - VM_ARENA_HEADER)
/* The VM's code (Lua, its glue, the C library's pure routines) starts on
 * this boundary so an MPU region's sub-regions can cover it exactly. */
#define VM_TEXT_ALIGN 0x8000u

#ifndef __ASSEMBLER__
#include <stdint.h>

/* SVC immediates.  ENTER is taken only from privileged thread mode, CALL
 * and EXIT only from the VM; anything else from the VM tears it down. */
enum { VM_SVC_ENTER = 0x40, VM_SVC_CALL = 0x41, VM_SVC_EXIT = 0x42 };

/* Platform calls (VM_SVC_CALL: r0 = op, r1-r3 = arguments, r0 = result,
 * negative VM_E* on refusal).  Each but SOURCE and ERROR needs an API of
 * the running app's manifest (vm_gate.c: op_api), whatever the VM asks. */
enum vm_op {
    VM_OP_LOG = 1,         /* r1 = text, r2 = length (<= VM_LOG_MAX); APP_API_LOG */
    VM_OP_LIGHT_LEVEL = 2, /* -> level now, LIGHT_LEVEL_FULL units; APP_API_LIGHT */
    VM_OP_LIGHT_SET = 3,   /* r1 = level (LIGHT_LEVEL_FULL units), r2 = fade ms; APP_API_LIGHT */
    VM_OP_SENSORS = 4,     /* r1 = struct vm_sensors * to fill; APP_API_SENSORS */
    VM_OP_SOURCE = 5,      /* loading: r1 = buffer, r2 = size -> bytes of source copied */
    VM_OP_ERROR = 6,       /* r1 = text, r2 = length: the app's uncaught error, logged */
    VM_OP_TIMER_START = 7, /* r1 = ms, r2 = 1 periodic -> timer id 1..; APP_API_TIMERS */
    VM_OP_TIMER_CANCEL = 8,/* r1 = timer id; APP_API_TIMERS */
    VM_OP_EVENTS = 9,      /* r1 = VM_EV_* bits the app has handlers for; APP_API_SENSORS */
    VM_OP_LIGHT_CCT = 10,  /* r1 = K (LIGHT_CCT_MIN_K..MAX_K), r2 = fade ms; APP_API_LIGHT */
    /* The app's key/value storage (APP_API_STORAGE): r1 = key, r2 = key
     * length | value length << 16, r3 = value (GET: a buffer of
     * VM_KV_VALUE_MAX) -> GET: the value's length; SET, DELETE: 0;
     * VM_EQUOTA past quota_storage, VM_EBUSY past VM_STORAGE_BURST. */
    VM_OP_STORAGE_GET = 11,
    VM_OP_STORAGE_SET = 12,
    VM_OP_STORAGE_DELETE = 13,
    /* Messages (APP_API_MESSAGES) on lamp/SERIAL/app/NAME/SUB only: r1 =
     * SUB (vm_msg_sub_ok), r2 = its length | payload length << 16, r3 =
     * payload (no NUL byte) -> 0; VM_EQUOTA past quota_messages_minute,
     * VM_EIO offline.  SUBSCRIBE: r1 = SUB, r2 = length. */
    VM_OP_MSG_PUBLISH = 14,
    VM_OP_MSG_SUBSCRIBE = 15,
    /* The beacons' app slot (APP_API_BEACON): r1 = 0..0xFFFF, the value,
     * or VM_BEACON_RELEASE -> 0; VM_EBUSY while another app holds it,
     * VM_EQUOTA within VM_BEACON_PERIOD_MS of the app's last change. */
    VM_OP_BEACON = 16,
    /* r1 = uint32_t * to fill with the lamp's clock, ms since boot
     * (wraps after 49.7 days); APP_API_TIMERS */
    VM_OP_CLOCK = 17,
};
#define VM_BEACON_RELEASE 0x10000u
#define VM_BEACON_PERIOD_MS 1000u
enum { VM_EFAULT = -1, VM_EINVAL = -2, VM_EQUOTA = -3, VM_ENOSYS = -4, VM_EIO = -5,
       VM_EPERM = -6 /* the app's manifest lacks the API */, VM_ENOENT = -7,
       VM_EBUSY = -8 };
#define VM_LOG_MAX 120u
#define VM_FADE_MAX_MS 60000u
#define VM_LIGHT_SETS_MAX 32u /* per entry (run or callback): each one is saved to flash */
/* A loaded app's light changes across its callbacks: a burst of this
 * many, then one a second (each is a flash write of lighting's record). */
#define VM_LIGHT_BURST 8u
#define VM_LIGHT_REFILL_MS 1000u
/* An app's storage writes (each rewrites its 2 KiB record): a burst of
 * this many, then one every VM_STORAGE_REFILL_MS. */
#define VM_STORAGE_BURST 8u
#define VM_STORAGE_REFILL_MS 10000u
#define VM_TIMER_MIN_MS 10u
#define VM_TIMER_MAX_MS 86400000u /* a day */
#define VM_KV_KEY_MAX 32u
#define VM_KV_VALUE_MAX 512u
#define VM_MSG_SUB_MAX 32u
#define VM_MSG_PAYLOAD_MAX 256u
#define VM_MSG_SUBS_MAX 4u     /* subscriptions an app holds */

struct vm_sensors {
    uint32_t valid;        /* VM_SENSOR_* */
    uint32_t lux_centi;
    int32_t temp_centi;
    uint32_t occupied;
};
enum { VM_SENSOR_LUX = 1u << 0, VM_SENSOR_TEMP = 1u << 1, VM_SENSOR_PIR = 1u << 2 };

/* Why an entry ended: the VM_SVC_EXIT status, or the platform's own verdict. */
enum vm_exit {
    VM_EXIT_OK = 0,
    VM_EXIT_ERROR = 1,     /* the app raised an error (reported by the VM) */
    VM_EXIT_LOAD = 2,      /* the source did not compile */
    VM_EXIT_NOMEM = 3,     /* the heap cap: even the state did not fit */
    VM_EXIT_BUDGET = 4,    /* the instruction budget ran out (the state survives) */
    VM_EXIT_FAULT = 5,     /* the VM faulted (platform's verdict) */
    VM_EXIT_BAD_SVC = 6,   /* an SVC the gate does not take (platform's verdict) */
    VM_EXIT_TIME = 7,      /* the run's time ran out (platform's verdict) */
};

/* What an entry does (vm_job.what). */
enum vm_do {
    VM_DO_LOAD = 1,        /* make the arena's Lua state, run the source's chunk */
    VM_DO_CALL = 2,        /* call the arena's handler for vm_job.event */
};
/* Events a handler takes (VM_DO_CALL, VM_OP_EVENTS bits). */
enum vm_event {
    VM_EV_TIMER = 1u << 0,      /* arg = timer id; once = a one-shot timer */
    VM_EV_OCCUPANCY = 1u << 1,  /* arg = 0/1 */
    VM_EV_LUX = 1u << 2,        /* arg = lux * 100 */
    VM_EV_TEMPERATURE = 1u << 3,/* arg = degC * 100 */
    VM_EV_MESSAGE = 1u << 4,    /* msg_sub, msg, msg_len */
};

/* An app's message topic below lamp/SERIAL/app/NAME/: 1 to
 * VM_MSG_SUB_MAX of a-z 0-9 _ - /, no empty level: nothing that names
 * another topic (no wildcard, no way up). */
static inline int vm_msg_sub_ok(const char *s, uint32_t n)
{
    if (n == 0 || n > VM_MSG_SUB_MAX || s[0] == '/' || s[n - 1] == '/')
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '/'))
            return 0;
        if (c == '/' && s[i + 1] == '/')
            return 0;
    }
    return 1;
}

enum { VM_JOB_PROBE = 1u << 0 }; /* development only: the `probe` table */

/* An app's heap: bookkeeping of vm_alloc.c over the arena's memory. */
struct vm_heap {
    void *free_list;
    uint8_t *base;
    uint32_t size;
    uint32_t cap;          /* bytes the app's Lua state may hold */
    uint32_t used;
    uint32_t peak;
    uint32_t hit_cap;      /* an allocation was refused */
};

/* An app's first arena: its Lua state persists here between entries.
 * The heap runs on through the app's other arenas (heap.size, set by the
 * platform when it wipes them). */
struct vm_arena {
    struct vm_heap heap;
    void *L;               /* the lua_State, once loaded */
    uint8_t mem[];
};

/* What the platform hands the VM for one entry, in the VM's region. */
struct vm_job {
    uint32_t what;         /* VM_DO_* */
    uint32_t flags;        /* VM_JOB_* */
    uint32_t apis;         /* app_package.h APP_API_*: the globals a load makes */
    uint32_t budget;       /* Lua VM instructions the entry may execute */
    struct vm_arena *arena;
    uint32_t event;        /* VM_DO_CALL: one VM_EV_* */
    int32_t arg;
    uint32_t once;         /* a one-shot timer: its handler is dropped first */
    char msg_sub[VM_MSG_SUB_MAX + 1]; /* VM_EV_MESSAGE: NUL-terminated */
    uint32_t msg_len;
    char msg[VM_MSG_PAYLOAD_MAX];
    /* the VM's own bookkeeping, reported back */
    uint32_t executed;     /* instructions counted (hook granularity) */
    uint32_t over_budget;  /* the hook raised the budget's error */
};
_Static_assert(sizeof(struct vm_job) <= VM_JOB_SPACE, "the job fits its space");
#endif

#endif
