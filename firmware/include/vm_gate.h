/* firmware/include/vm_gate.h: the contract between the partner-app VM
 * (firmware/vm/, unprivileged) and the platform (firmware/app/vm*.c,
 * privileged) (docs/firmware.md#partner-app-vm): the SVC numbers, the
 * platform calls behind the one gate, the job the platform hands the VM
 * and the VM's memory.  Both sides include it, so they cannot disagree;
 * the numbers at the top are also read by meson for the linker script. */
#ifndef LAMP_VM_GATE_H
#define LAMP_VM_GATE_H

/* The VM's SRAM region (linker section .vm_ram): one MPU region, so a
 * power of two aligned to its size.  Its stack sits at the bottom so an
 * overflow runs into privileged-only SRAM and faults instead of
 * corrupting the heap above it. */
#define VM_RAM_SIZE 0x8000u  /* 32 KiB */
#define VM_STACK_SIZE 0x2000u
#define VM_CODE_MAX 1024u    /* an app's Lua source, copied in by the platform */
/* The VM's code (Lua, its glue, the C library's pure routines) starts on
 * this boundary so an MPU region's sub-regions can cover it exactly. */
#define VM_TEXT_ALIGN 0x8000u

#ifndef __ASSEMBLER__
#include <stdint.h>

/* SVC immediates.  ENTER is taken only from privileged thread mode, CALL
 * and EXIT only from the VM; anything else from the VM tears it down. */
enum { VM_SVC_ENTER = 0x40, VM_SVC_CALL = 0x41, VM_SVC_EXIT = 0x42 };

/* Platform calls (VM_SVC_CALL: r0 = op, r1-r3 = arguments, r0 = result,
 * negative VM_E* on refusal). */
enum vm_op {
    VM_OP_LOG = 1,         /* r1 = text, r2 = length (<= VM_LOG_MAX) */
    VM_OP_LIGHT_LEVEL = 2, /* -> level now, LIGHT_LEVEL_FULL units */
    VM_OP_LIGHT_SET = 3,   /* r1 = level (LIGHT_LEVEL_FULL units), r2 = fade ms */
    VM_OP_SENSORS = 4,     /* r1 = struct vm_sensors * to fill */
};
enum { VM_EFAULT = -1, VM_EINVAL = -2, VM_EQUOTA = -3, VM_ENOSYS = -4, VM_EIO = -5 };
#define VM_LOG_MAX 120u
#define VM_FADE_MAX_MS 60000u
#define VM_LIGHT_SETS_MAX 32u /* per run: each one is saved to flash */

struct vm_sensors {
    uint32_t valid;        /* VM_SENSOR_* */
    uint32_t lux_centi;
    int32_t temp_centi;
    uint32_t occupied;
};
enum { VM_SENSOR_LUX = 1u << 0, VM_SENSOR_TEMP = 1u << 1, VM_SENSOR_PIR = 1u << 2 };

/* Why a run ended: the VM_SVC_EXIT status, or the platform's own verdict. */
enum vm_exit {
    VM_EXIT_OK = 0,
    VM_EXIT_ERROR = 1,     /* the app raised an error (logged by the VM) */
    VM_EXIT_LOAD = 2,      /* the source did not compile */
    VM_EXIT_NOMEM = 3,     /* the heap cap: even the state did not fit */
    VM_EXIT_BUDGET = 4,    /* the instruction budget ran out */
    VM_EXIT_FAULT = 5,     /* the VM faulted (platform's verdict) */
    VM_EXIT_BAD_SVC = 6,   /* an SVC the gate does not take (platform's verdict) */
    VM_EXIT_TIME = 7,      /* the run's time ran out (platform's verdict) */
};

enum { VM_JOB_PROBE = 1u << 0 }; /* development only: the `probe` table */

/* What the platform hands the VM, in the VM's region. */
struct vm_job {
    uint32_t flags;        /* VM_JOB_* */
    uint32_t heap_cap;     /* bytes the app's Lua state may hold */
    uint32_t budget;       /* Lua VM instructions the run may execute */
    uint32_t code_len;
    char code[VM_CODE_MAX];
    /* the VM's own bookkeeping, reported back */
    uint32_t executed;     /* instructions counted so far (hook granularity) */
    uint32_t heap_peak;
    uint32_t heap_used;
    uint32_t heap_hit_cap; /* an allocation was refused */
    void *free_list;       /* the allocator's */
    uint8_t *heap;
    uint32_t heap_size;
};
#endif

#endif
