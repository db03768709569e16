@ Unprivileged thread mode on the process stack for a long stretch, the way
@ the firmware's partner-app VM runs: SysTick preempts it (stacking on PSP),
@ SVCs leave it and return to it, and BASEPRI, set by a handler, holds
@ SysTick off in its second half.  Long enough for a core shared with other
@ machines to switch away and back many times while it is unprivileged
@ (test_shared_core.c).  LOG: per half, the loop's sum and SP; per SVC, the
@ ticks so far and BASEPRI; then CONTROL once privileged again.
    .include "common.inc"
    VECTORS svc=svc_handler, systick=systick_handler
    .equ SYST_CSR, 0xE000E010
    .equ SYST_RVR, 0xE000E014
    .equ TICKS, RESULT
    .thumb_func
reset:
    INIT
    ldr r1, =TICKS
    movs r0, #0
    str r0, [r1]
    ldr r0, =SHPR3
    ldr r1, =0x80000000         @ SysTick 0x80, masked by BASEPRI 0x80
    str r1, [r0]
    ldr r0, =SYST_RVR
    ldr r1, =1999               @ a tick every 2000 cycles
    str r1, [r0]
    ldr r0, =SYST_CSR
    movs r1, #7
    str r1, [r0]
    ldr r0, =0x20008000
    msr psp, r0
    movs r0, #3                 @ SPSEL | nPRIV
    msr control, r0
    isb
    bl work                     @ ticks preempt it
    svc #1                      @ BASEPRI = 0x80
    bl work                     @ no tick may preempt it
    svc #2                      @ BASEPRI = 0, SysTick off, privileged
    mrs r0, control
    LOGR0                       @ 2
    DONE

@ A loop that keeps its stack busy: a wrong SP faults or changes the sum.
    .thumb_func
work:
    push {r4, r5, lr}
    ldr r4, =4000
    movs r5, #0
1:  push {r4}
    adds r5, r5, r4
    eor r5, r5, r5, lsl #3
    pop {r4}
    subs r4, r4, #1
    bne 1b
    mov r0, r5
    LOGR0
    mov r0, sp
    LOGR0                       @ 0x20008000 - 12
    pop {r4, r5, pc}

    .thumb_func
systick_handler:
    ldr r1, =TICKS
    ldr r0, [r1]
    adds r0, r0, #1
    str r0, [r1]
    bx lr

    .thumb_func
svc_handler:
    push {lr}
    mrs r3, psp
    ldr r3, [r3, #24]           @ stacked PC, after the SVC
    ldrb r3, [r3, #-2]          @ its number
    LDRABS TICKS
    LOGR0
    mrs r0, basepri
    LOGR0                       @ 0, then 0x80
    cmp r3, #1
    bne 2f
    movs r0, #0x80
    msr basepri, r0
    pop {r0}
    bx r0
2:  movs r0, #0
    msr basepri, r0
    ldr r1, =SYST_CSR
    str r0, [r1]                @ stop ticking
    movs r0, #2                 @ SPSEL, privileged
    msr control, r0
    pop {r0}
    bx r0

    .thumb_func
generic:
    b generic
