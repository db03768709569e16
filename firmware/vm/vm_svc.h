/* firmware/vm/vm_svc.h: the VM's side of the gate (vm_gate.h): every way
 * out of the VM is one of these SVCs. */
#ifndef LAMP_VM_SVC_H
#define LAMP_VM_SVC_H

#include "vm_gate.h"

#include <stdint.h>

#define VM_STR(x) #x
#define VM_XSTR(x) VM_STR(x)

static inline int32_t vm_call(uint32_t op, uint32_t a, uint32_t b, uint32_t c)
{
    register uint32_t r0 __asm("r0") = op, r1 __asm("r1") = a, r2 __asm("r2") = b,
                      r3 __asm("r3") = c;
    /* the immediate must be a literal: VM_SVC_CALL */
    __asm volatile("svc #0x41" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3) : "memory");
    return (int32_t)r0;
}
_Static_assert(VM_SVC_CALL == 0x41, "vm_call's SVC immediate");

__attribute__((noreturn)) static inline void vm_exit(uint32_t status)
{
    register uint32_t r0 __asm("r0") = status;
    __asm volatile("svc #0x42" : : "r"(r0) : "memory");
    __builtin_unreachable();
}
_Static_assert(VM_SVC_EXIT == 0x42, "vm_exit's SVC immediate");

#endif
