@ MPU: an unprivileged store to a region that is RO for unprivileged code
@ is a MemManage fault (DACCVIOL, MMFAR); a privileged access to a 256-byte
@ sub-region that is disabled falls to the lower region, to an
@ enabled no-access one faults.  The handler logs CFSR and MMFAR and
@ skips the 2-byte faulting instruction.
    .include "common.inc"
    VECTORS memmanage=mm_handler, svc=svc_handler
    .equ MPU_RNR, 0xE000ED98
    .equ MPU_RBAR, 0xE000ED9C
    .equ MPU_RASR, 0xE000EDA0
    .equ MPU_CTRL, 0xE000ED94
    .thumb_func
reset:
    INIT
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    REGION 0, 0x20000000, (1 << 28) | (3 << 24) | (17 << 1) | 1           @ SRAM RW, XN
    REGION 1, 0x20004000, (1 << 28) | (2 << 24) | (9 << 1) | 1            @ 1 KiB, AP=2
    REGION 2, 0x20008000, (1 << 28) | (0 << 24) | (1 << 8) | (10 << 1) | 1 @ 2 KiB, AP=0, SRD bit 0
    REGION 3, 0x00000000, (6 << 24) | (15 << 1) | 1                       @ code, RO
    ldr r0, =MPU_CTRL
    movs r1, #5                 @ ENABLE | PRIVDEFENA
    str r1, [r0]
    dsb
    isb
    ldr r5, =0x20008000
    ldr r6, [r5]                @ sub-region 0 disabled: region 0 applies
    movs r0, #0xA1
    LOGR0
    ldr r5, =0x20008100
    ldr r6, [r5]                @ sub-region 1, AP=0: fault
    movs r0, #0xA2
    LOGR0
    movs r0, #1
    msr control, r0             @ unprivileged
    isb
    ldr r5, =0x20004010
    ldr r6, [r5]                @ unprivileged read of AP=2: allowed
    str r6, [r5]                @ unprivileged write of AP=2: fault
    svc #0                      @ back to privileged to finish
    movs r0, #0xA3
    LOGR0
    DONE
    .thumb_func
mm_handler:
    ldr r0, =CFSR
    ldr r0, [r0]
    push {r0, lr}
    LOGR0
    ldr r0, =MMFAR
    ldr r0, [r0]
    LOGR0
    ldr r1, =CFSR
    ldr r0, =0xFF
    str r0, [r1]                @ write-1-to-clear
    mrs r0, msp
    add r0, r0, #8              @ past our push
    ldr r1, [r0, #24]
    adds r1, r1, #2             @ skip the 16-bit faulting instruction
    str r1, [r0, #24]
    pop {r0, pc}
    .thumb_func
svc_handler:
    movs r0, #0
    msr control, r0
    bx lr
    .thumb_func
generic:
    b generic
