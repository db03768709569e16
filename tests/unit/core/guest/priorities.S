@ Priorities, tail-chaining, preemption and BASEPRI: SysTick (0x80) beats
@ PendSV (0xF0) when both are pending, PendSV is tail-chained after it, a
@ SysTick pended inside PendSV preempts it, BASEPRI 0x80 masks SysTick.
    .include "common.inc"
    VECTORS pendsv=pendsv_handler, systick=systick_handler
    .thumb_func
reset:
    INIT
    ldr r0, =SHPR3
    ldr r1, =0x80F00000         @ SysTick 0x80, PendSV 0xF0
    str r1, [r0]
    cpsid i
    ldr r0, =ICSR
    ldr r1, =(1 << 28) | (1 << 26)  @ PENDSVSET | PENDSTSET
    str r1, [r0]
    cpsie i
    isb
    movs r0, #0x80
    msr basepri, r0
    ldr r0, =ICSR
    ldr r1, =(1 << 26)
    str r1, [r0]
    isb
    movs r0, #0xB1
    LOGR0
    movs r0, #0
    msr basepri, r0
    isb
    movs r0, #0xB2
    LOGR0
    DONE
    .thumb_func
pendsv_handler:
    push {lr}
    mrs r0, ipsr
    LOGR0
    ldr r0, =ICSR
    ldr r1, =(1 << 26)
    str r1, [r0]
    dsb
    isb
    movs r0, #0xEE
    LOGR0
    pop {pc}
    .thumb_func
systick_handler:
    mrs r0, ipsr
    LOGR0
    bx lr
    .thumb_func
generic:
    b generic
