/* firmware/app/faults.c: fault handlers.  Each picks the stack the frame is
 * on from EXC_RETURN bit 2 and hands it to the crash recorder, unless the
 * fault is the partner-app VM's: then the VM is torn down and the lamp
 * goes on (vm.h). */
#include "crash.h"
#include "hw.h"
#include "vm.h"

#define FAULT_ENTRY(name, type)                                              \
    __attribute__((naked)) void name(void)                                   \
    {                                                                        \
        __asm volatile("tst lr, #4\n\t"                                      \
                       "ite eq\n\t"                                          \
                       "mrseq r0, msp\n\t"                                   \
                       "mrsne r0, psp\n\t"                                   \
                       "movs r1, %0\n\t"                                     \
                       "mov r2, lr\n\t"                                      \
                       "b fault_taken" : : "i"(type));                       \
    }

void fault_taken(const uint32_t *frame, uint32_t type, uint32_t exc_return);
void fault_taken(const uint32_t *frame, uint32_t type, uint32_t exc_return)
{
    if (vm_owns_exception(exc_return))
        vm_contain_fault(frame, type);
    crash_record_and_reset(frame, type, 0);
}

FAULT_ENTRY(HardFault_Handler, CRASH_HARDFAULT)
FAULT_ENTRY(MemManage_Handler, CRASH_MEMMANAGE)
FAULT_ENTRY(BusFault_Handler, CRASH_BUSFAULT)
FAULT_ENTRY(UsageFault_Handler, CRASH_USAGEFAULT)

/* A program or erase refused by write protection is a security event:
 * recorded like a fault, with the refused address. */
__attribute__((naked)) void FLASHCTL_IRQHandler(void)
{
    __asm volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq r0, msp\n\t"
                   "mrsne r0, psp\n\t"
                   "b flashctl_error");
}

void flashctl_error(const uint32_t *frame);
void flashctl_error(const uint32_t *frame)
{
    uint32_t sr = FLASHCTL_SR, addr = FLASHCTL_ADDR;

    FLASHCTL_SR = FLASHCTL_SR_ERRORS;
    if (sr & FLASHCTL_SR_WPERR)
        crash_record_and_reset(frame, CRASH_FLASHPROTECT, addr);
}
