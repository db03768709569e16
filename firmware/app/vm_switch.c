/* firmware/app/vm_switch.c: into and out of the unprivileged VM.  The
 * way in is an exception return (VM_SVC_ENTER): code in the platform's
 * flash cannot drop privilege and go on, because unprivileged code may
 * not execute it.  The way out, whether the VM asked (VM_SVC_EXIT) or
 * faulted, is another exception return, to vm_enter's caller in
 * privileged thread mode on the main stack, with the verdict in r0.
 * ARMv7-M ARM B1.5.6 (entry), B1.5.8 (return). */
#include "vm_internal.h"

/* Thread mode, privileged, MSP. */
__attribute__((naked)) uint32_t vm_enter(void)
{
    __asm volatile("push {r4-r11, lr}\n\t"
                   "movw r3, #:lower16:vm_saved_msp\n\t"
                   "movt r3, #:upper16:vm_saved_msp\n\t"
                   "str sp, [r3]\n\t"
                   "svc #0x40\n\t"
                   "b .\n\t"); /* the VM ends through vm_resume_thread */
}
_Static_assert(VM_SVC_ENTER == 0x40, "vm_enter's SVC immediate");

/* Back from the VM: the stack is vm_enter's again. */
__attribute__((naked, used)) void vm_resume_thread(void);
__attribute__((naked, used)) void vm_resume_thread(void)
{
    __asm volatile("pop {r4-r11, pc}");
}

/* A frame on the main stack just below vm_enter's saved registers, whose
 * return address is vm_resume_thread, and privilege back. */
__attribute__((naked)) void vm_unwind(uint32_t status)
{
    (void)status;
    __asm volatile("movw r1, #:lower16:vm_saved_msp\n\t"
                   "movt r1, #:upper16:vm_saved_msp\n\t"
                   "ldr r1, [r1]\n\t"
                   "sub r1, r1, #32\n\t"
                   "str r0, [r1]\n\t"          /* r0: the verdict */
                   "movw r2, #:lower16:vm_resume_thread\n\t"
                   "movt r2, #:upper16:vm_resume_thread\n\t"
                   "bic r2, r2, #1\n\t"
                   "str r2, [r1, #24]\n\t"     /* pc */
                   "mov r2, #0x01000000\n\t"
                   "str r2, [r1, #28]\n\t"     /* xPSR: Thumb, no realignment */
                   "msr msp, r1\n\t"
                   "movs r2, #0\n\t"
                   "msr control, r2\n\t"       /* nPRIV = 0; SPSEL comes from EXC_RETURN */
                   "isb\n\t"
                   "mvn lr, #6\n\t"            /* 0xFFFFFFF9: thread mode, MSP */
                   "bx lr");
}

__attribute__((naked)) void SVC_Handler(void)
{
    __asm volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq r0, msp\n\t"
                   "mrsne r0, psp\n\t"
                   "mov r1, lr\n\t"
                   "push {r1, lr}\n\t"
                   "bl vm_svc\n\t"
                   "pop {r1, lr}\n\t"
                   "cbz r0, 1f\n\t"
                   "bx r0\n"
                   "1:\n\t"
                   "movw r0, #:lower16:vm_exit_status\n\t"
                   "movt r0, #:upper16:vm_exit_status\n\t"
                   "ldr r0, [r0]\n\t"
                   "b vm_unwind");
}
