@ A fault inside the HardFault handler locks the core up; this part then
@ resets with cause LOCKUP, which the program sees in SYSCTL RESETCAUSE.
    .include "common.inc"
    VECTORS hardfault=hf_handler
    .equ RESETCAUSE, 0x40000008
    .thumb_func
reset:
    ldr r0, =RESETCAUSE
    ldr r0, [r0]
    tst r0, #8                  @ LOCKUP
    bne after_lockup
    INIT
    movs r0, #0xC1
    LOGR0
    udf #0                      @ UsageFault disabled: HardFault
after_lockup:
    mov r3, r0
    INIT
    mov r0, r3
    LOGR0                       @ the reset cause
    DONE
    .thumb_func
hf_handler:
    movs r0, #0xC2
    LOGR0
    ldr r0, =0x50000000
    ldr r0, [r0]                @ fault in HardFault: lockup
    b .
    .thumb_func
generic:
    b generic
