@ Instruction fetches: code copied to SRAM runs while the MPU is off (the
@ default map lets SRAM execute); a branch to unmapped space is a BusFault
@ IBUSERR with the target as stacked PC; with the MPU marking SRAM
@ execute-never the same call is a MemManage IACCVIOL (no MMARVALID).
@ The handlers resume at the caller (stacked LR).
    .include "common.inc"
    VECTORS memmanage=fault_handler, busfault=fault_handler
    .thumb_func
reset:
    INIT
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    ldr r0, =0x20002000
    ldr r1, =0x47704770         @ bx lr; bx lr
    str r1, [r0]
    dsb
    isb
    ldr r4, =0x20002001
    blx r4
    LOGI 0xE1
    ldr r4, =0x30000001
    blx r4
    LOGI 0xE2
    REGION 0, 0x00000000, (6 << 24) | (20 << 1) | 1            @ flash RO, executable
    REGION 1, 0x20000000, (1 << 28) | (3 << 24) | (17 << 1) | 1 @ SRAM RW, XN
    ldr r0, =MPU_CTRL
    movs r1, #5
    str r1, [r0]
    dsb
    isb
    ldr r4, =0x20002001
    blx r4
    LOGI 0xE3
    DONE
    .thumb_func
fault_handler:
    LDRABS CFSR
    LOGR0
    mrs r3, msp
    ldr r0, [r3, #24]
    LOGR0                       @ stacked PC
    ldr r0, [r3, #20]
    bic r0, r0, #1
    str r0, [r3, #24]           @ resume at the caller
    ldr r1, =CFSR
    ldr r0, =0xFFFFFFFF
    str r0, [r1]
    bx lr
    .thumb_func
generic:
    b generic
