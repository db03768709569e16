@ AIRCR.SYSRESETREQ with VECTKEY resets the part with cause SYSRESETREQ;
@ without VECTKEY it is ignored.  The retained top of SRAM carries a marker
@ across the reset.
    .include "common.inc"
    VECTORS
    .equ RESETCAUSE, 0x40000008
    .equ RETAINED, 0x2003F000
    .thumb_func
reset:
    LDRABS RESETCAUSE
    tst r0, #2                  @ SYSRESETREQ
    bne after_reset
    ldr r0, =RETAINED
    movs r1, #0
    str r1, [r0]
    ldr r0, =AIRCR
    ldr r1, =0x00000004         @ no VECTKEY: no reset
    str r1, [r0]
    ldr r0, =RETAINED
    movs r1, #0x52
    str r1, [r0]
    ldr r0, =AIRCR
    ldr r1, =0x05FA0004
    str r1, [r0]
    dsb
    ldr r0, =RETAINED
    movs r1, #0x99              @ never: the reset is taken before this
    str r1, [r0]
    b .
after_reset:
    mov r3, r0
    INIT
    mov r0, r3
    LOGR0                       @ reset cause
    LDRABS RETAINED
    LOGR0                       @ 0x52
    DONE
    .thumb_func
generic:
    b generic
