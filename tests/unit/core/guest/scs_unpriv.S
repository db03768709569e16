@ The System Control Space is privileged only (B3.2.1): an unprivileged
@ load from ICSR is a precise BusFault (BFAR, destination register left
@ alone), so is an unprivileged STIR write until CCR.USERSETMPEND opens
@ STIR, after which it pends IRQ0 (B3.4.3).  The MPU is off throughout.
    .include "common.inc"
    VECTORS busfault=bf_handler, svc=svc_handler, irq0=irq_handler
    .equ STIR, 0xE000EF00
    .thumb_func
reset:
    INIT
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    ldr r0, =NVIC_ISER
    movs r1, #1
    str r1, [r0]
    movs r0, #1
    msr control, r0             @ unprivileged
    isb
    ldr r4, =ICSR
    ldr r6, =0x1234
    ldr r6, [r4]                @ BusFault
    mov r0, r6
    LOGR0                       @ 0x1234: the load did not complete
    ldr r4, =STIR
    movs r6, #0
    str r6, [r4]                @ BusFault: USERSETMPEND clear
    svc #0                      @ privileged again
    ldr r0, =CCR
    ldr r1, [r0]
    orr r1, r1, #(1 << 1)       @ USERSETMPEND
    str r1, [r0]
    movs r0, #1
    msr control, r0
    isb
    str r6, [r4]                @ pends IRQ0
    isb
    LOGI 0x5C
    DONE
    .thumb_func
bf_handler:
    LDRABS CFSR
    LOGR0
    LDRABS BFAR
    LOGR0
    mrs r3, msp
    ldr r0, [r3, #24]
    adds r0, r0, #2
    str r0, [r3, #24]
    ldr r1, =CFSR
    ldr r0, =0xFFFFFFFF
    str r0, [r1]
    bx lr
    .thumb_func
irq_handler:
    mrs r0, ipsr
    LOGR0
    bx lr
    .thumb_func
svc_handler:
    movs r0, #0
    msr control, r0
    bx lr
    .thumb_func
generic:
    b generic
