/* firmware/vm/vm_drop.c: drops to unprivileged thread mode on the stack
 * psp and loads a word, for the `keystore` selftest (app/selftest.c).  It
 * lives in the VM's code because that is the only code unprivileged
 * execution may fetch (the instruction after the MSR must be), and the
 * stack must be the VM's because unprivileged code's exception frame is
 * stacked with its own rights (ARMv7-M ARM B1.5.6: MSTKERR otherwise).
 * Dropping privilege gives the caller nothing it did not have. */
#include <stdint.h>

uint32_t vm_drop_and_load(uint32_t addr, uint32_t *psp);

__attribute__((naked)) uint32_t vm_drop_and_load(uint32_t addr, uint32_t *psp)
{
    (void)addr;
    (void)psp;
    __asm volatile("msr psp, r1\n\t"
                   "mrs r1, control\n\t"
                   "orr r1, r1, #3\n\t"        /* nPRIV, SPSEL */
                   "msr control, r1\n\t"
                   "isb\n\t"
                   "ldr r0, [r0]\n\t"
                   "bx lr");
}
