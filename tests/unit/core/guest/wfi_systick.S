@ WFI sleeps until SysTick fires; each tick wakes the core once.  An
@ illegal EXC_RETURN from the SysTick handler on the third tick is a
@ UsageFault INVPC.
    .include "common.inc"
    VECTORS systick=systick_handler, usagefault=uf_handler
    .equ SYST_CSR, 0xE000E010
    .equ SYST_RVR, 0xE000E014
    .thumb_func
reset:
    INIT
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    ldr r0, =SHPR3
    ldr r1, =0x80000000         @ SysTick below the faults
    str r1, [r0]
    ldr r0, =SYST_RVR
    ldr r1, =11999              @ 100 us at 120 MHz
    str r1, [r0]
    ldr r0, =SYST_CSR
    movs r1, #7
    str r1, [r0]
loop:
    wfi
    movs r0, #0x5A
    LOGR0
    ldr r1, =LOG
    ldr r2, [r1]
    cmp r2, #6
    blt loop
    DONE
    .thumb_func
systick_handler:
    mrs r0, ipsr
    push {lr}
    LOGR0
    pop {r0}
    ldr r1, =LOG
    ldr r2, [r1]
    cmp r2, #5
    beq bad_return
    bx r0
bad_return:
    ldr r0, =0xFFFFFFF5         @ not a legal EXC_RETURN
    bx r0
    .thumb_func
uf_handler:
    ldr r0, =CFSR
    ldr r0, [r0]
    push {lr}
    LOGR0
    ldr r1, =CFSR
    str r0, [r1]
    ldr r0, =SYST_CSR
    movs r1, #0
    str r1, [r0]                @ stop ticking
    DONE
    .thumb_func
generic:
    b generic
