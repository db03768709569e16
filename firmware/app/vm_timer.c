/* firmware/app/vm_timer.c: the VM's time budget.  The instruction
 * budget (firmware/vm/vm_main.c) counts Lua instructions, and a C
 * function of Lua's library (a backtracking string.find) can run far
 * longer than its one instruction; the main loop, and so the watchdog's
 * kick, waits for the run.  SysTick, on its 1 MHz reference, ticks every
 * 10 ms while a run is active, and a tick taken from the VM after the
 * budget ends the run.  A tick that lands in the gate (handler mode) only
 * counts: the next one taken from the VM ends it. */
#include "vm_internal.h"

#include "hw.h"

#define TICK_US 10000u
#define VM_TIME_MS 1000u /* of the 30 s watchdog */

static uint32_t ticks;

void vm_timer_start(void)
{
    ticks = 0;
    SYST_CSR = 0;
    SYST_RVR = TICK_US * (SYST_REF_HZ / 1000000u) - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT; /* CLKSOURCE 0: the reference */
}

void vm_timer_stop(void)
{
    SYST_CSR = 0;
    /* A tick that fired after the unwind must not land later. */
    SCB_ICSR = ICSR_PENDSTCLR;
}

uint32_t vm_timer_budget_ms(void)
{
    return VM_TIME_MS;
}

void vm_tick(uint32_t exc_return);
void vm_tick(uint32_t exc_return)
{
    ticks++;
    if (ticks * (TICK_US / 1000u) >= VM_TIME_MS && vm_owns_exception(exc_return))
        vm_unwind(VM_EXIT_TIME);
}

__attribute__((naked)) void SysTick_Handler(void)
{
    __asm volatile("mov r0, lr\n\t"
                   "b vm_tick");
}
