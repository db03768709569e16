/* tests/fuzz/firmware/vm_platform_double.h: the platform around the VM
 * gate (firmware/app/vm_gate.c) for the host: the VM's region mapped at
 * the address the lamp has it (so the gate's 32-bit addresses are real
 * host memory), the running app's record, and the services the gate
 * calls once it passed its checks (lighting, the apps' runtime, storage,
 * messages), which record what they were asked (vm_platform_double.c). */
#ifndef FUZZ_VM_PLATFORM_DOUBLE_H
#define FUZZ_VM_PLATFORM_DOUBLE_H

#include "lighting.h"
#include "vm_internal.h"

#include <stdbool.h>
#include <stdint.h>

/* Where the region lies, as on the lamp: the bottom of SRAM
 * (firmware/app/app.ld.in: .vm_ram; memory_map.h). */
#define VM_DOUBLE_BASE 0x20000000u

struct vm_platform_double {
    uint8_t *region;             /* VM_RAM_SIZE bytes at VM_DOUBLE_BASE */
    struct vm_ctx ctx;           /* vm_current points here */
    unsigned calls;              /* services called (after the gate's checks) */
    struct lighting_request light; /* the last lighting_apply */
    uint32_t kv_klen, kv_vlen;   /* the last storage put/get's lengths */
    uint32_t msg_sub, msg_sub_len, msg_payload, msg_len; /* the last message's ranges */
};

extern struct vm_platform_double vm_double;

/* Maps the region (once) and empties the record. */
void vm_platform_double_reset(void);

#endif
