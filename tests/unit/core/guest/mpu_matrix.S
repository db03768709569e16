@ The AP table through real accesses (B3.5.9): for AP = 0..7 a 1 KiB
@ region 7 is probed with a load and a store, privileged then
@ unprivileged; each probe logs 1 if it completed, 0 if MemManage
@ stopped it (the handler clears the stacked r3 and skips the 16-bit
@ access).  Then the background region: a privileged load from SYSCTL,
@ which no region covers, faults until PRIVDEFENA is set.  RESULT holds
@ the OR of the CFSR values seen, RESULT+4 the last MMFAR.
    .include "common.inc"
    VECTORS memmanage=mm_handler, svc=svc_handler
    .equ TEST, 0x20010000
    .thumb_func
reset:
    INIT
    ldr r0, =RESULT
    movs r1, #0
    str r1, [r0]
    str r1, [r0, #4]
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    REGION 0, 0x00000000, (6 << 24) | (20 << 1) | 1            @ flash RO, executable
    REGION 1, 0x20000000, (1 << 28) | (3 << 24) | (17 << 1) | 1 @ SRAM RW, XN
    ldr r0, =MPU_CTRL
    movs r1, #1                 @ no PRIVDEFENA
    str r1, [r0]
    movs r5, #0
ap_loop:
    ldr r0, =MPU_RNR
    movs r1, #7
    str r1, [r0]
    ldr r0, =MPU_RBAR
    ldr r1, =TEST
    str r1, [r0]
    ldr r0, =MPU_RASR
    ldr r1, =(1 << 28) | (9 << 1) | 1
    orr r1, r1, r5, lsl #24
    str r1, [r0]
    dsb
    isb
    ldr r4, =TEST + 0x40
    bl probe
    movs r0, #1
    msr control, r0
    isb
    bl probe
    svc #0
    adds r5, r5, #1
    cmp r5, #8
    blt ap_loop
    ldr r4, =0x40000000
    movs r3, #1
    ldr r6, [r4]
    mov r0, r3
    LOGR0                       @ 0: no background region
    ldr r0, =MPU_CTRL
    movs r1, #5
    str r1, [r0]
    dsb
    isb
    movs r3, #1
    ldr r6, [r4]
    mov r0, r3
    LOGR0                       @ 1
    DONE
probe:
    push {lr}
    movs r3, #1
    ldr r6, [r4]
    mov r0, r3
    LOGR0
    movs r3, #1
    str r6, [r4]
    mov r0, r3
    LOGR0
    pop {pc}
    .thumb_func
mm_handler:
    mrs r0, msp
    movs r1, #0
    str r1, [r0, #12]           @ stacked r3 = 0
    ldr r1, [r0, #24]
    adds r1, r1, #2
    str r1, [r0, #24]
    ldr r0, =CFSR
    ldr r1, [r0]
    str r1, [r0]
    ldr r2, =RESULT
    ldr r3, [r2]
    orrs r3, r3, r1
    str r3, [r2]
    LDRABS MMFAR
    str r0, [r2, #4]
    bx lr
    .thumb_func
svc_handler:
    movs r0, #0
    msr control, r0
    bx lr
    .thumb_func
generic:
    b generic
