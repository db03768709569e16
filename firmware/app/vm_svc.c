/* firmware/app/vm_svc.c: the SVC handler's C half (docs/firmware.md#partner-app-vm):
 * VM_SVC_ENTER only from privileged thread mode, VM_SVC_CALL and
 * VM_SVC_EXIT only from the VM; a call goes to the gate's checks
 * (vm_gate.c).  Apart from vm_gate.c because entering the VM is Thumb
 * code, and the gate's checks are also built for the host
 * (tests/fuzz/firmware/fuzz_vm_gate.c). */
#include "vm_internal.h"

#include "hw.h"

#include <string.h>

uint32_t vm_exit_status;

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
    if (from_vm && !vm_reachable((uint32_t)frame, 32)) {
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
        frame[0] = (uint32_t)vm_gate_call(frame[0], frame[1], frame[2], frame[3]);
        return exc_return;
    case VM_SVC_EXIT:
        vm_exit_status = frame[0] <= VM_EXIT_BUDGET ? frame[0] : VM_EXIT_ERROR;
        return 0;
    default:
        vm_exit_status = VM_EXIT_BAD_SVC;
        return 0;
    }
}
