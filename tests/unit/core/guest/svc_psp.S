@ SVC from unprivileged thread mode on the process stack: the handler runs
@ in handler mode on MSP with EXC_RETURN 0xFFFFFFFD, and the return restores
@ PSP, CONTROL and the registers.
    .include "common.inc"
    VECTORS svc=svc_handler
    .thumb_func
reset:
    INIT
    ldr r0, =0x20008000
    msr psp, r0
    movs r0, #3                 @ SPSEL | nPRIV
    msr control, r0
    isb
    movs r4, #0x44
    movs r0, #0x10
    svc #7
    ldr r2, =RESULT
    mrs r1, control
    str r1, [r2, #0]            @ 3
    mov r3, sp
    str r3, [r2, #4]            @ 0x20008000
    str r4, [r2, #8]            @ 0x44
    str r0, [r2, #12]           @ 0x11 (handler changed stacked r0)
    DONE
    .thumb_func
svc_handler:
    ldr r1, =RESULT
    mrs r0, ipsr
    str r0, [r1, #16]           @ 11
    str lr, [r1, #20]           @ 0xFFFFFFFD
    mov r2, sp
    str r2, [r1, #24]           @ MSP, 0x20010000 - 32
    mrs r0, psp
    ldr r2, [r0]                @ stacked r0
    adds r2, r2, #1
    str r2, [r0]
    bx lr
    .thumb_func
generic:
    b generic
