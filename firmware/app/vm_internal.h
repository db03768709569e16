/* firmware/app/vm_internal.h: what vm.c, vm_gate.c and vm_switch.c share. */
#ifndef LAMP_VM_INTERNAL_H
#define LAMP_VM_INTERNAL_H

#include "vm.h"

#include "crash_format.h"

/* vm_switch.c: enters the VM (VM_SVC_ENTER) and returns when it ended,
 * with the vm_exit verdict. */
uint32_t vm_enter(void);
/* Handler mode: abandon the VM and resume vm_enter's caller with status. */
__attribute__((noreturn)) void vm_unwind(uint32_t status);

/* vm.c */
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
/* The SVC handler's C half: the EXC_RETURN to leave with, or 0 to unwind
 * the VM with vm_exit_status. */
uint32_t vm_svc(uint32_t *frame, uint32_t exc_return);
extern uint32_t vm_exit_status;

#define EXC_RETURN_THREAD_MSP 0xFFFFFFF9u
#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu

#endif
