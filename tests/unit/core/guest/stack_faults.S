@ Faults on exception entry and return (B1.5.13).  An SVC from unprivileged
@ thread code whose process stack lies in a privileged-only MPU region
@ cannot push its frame: MemManage MSTKERR (no MMARVALID) is entered first,
@ SVCall stays pending, PSP has moved anyway.  Returning to that thread
@ pops with its privilege too: MUNSTKERR, MemManage tail-chained with the
@ same EXC_RETURN.  Then, with MSP in unmapped space, an NMI's frame is a
@ BusFault STKERR; NMI outranks it, so NMI runs and BusFault is pended.
    .include "common.inc"
    VECTORS memmanage=mm_handler, nmi=nmi_handler
    .thumb_func
reset:
    INIT
    ldr r0, =RESULT
    movs r1, #0
    str r1, [r0]                @ MemManage entry count
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    ldr r0, =SHPR1
    ldr r1, =0x00000040         @ MemManage 0x40, BusFault 0, UsageFault 0
    str r1, [r0]
    ldr r0, =SHPR2
    ldr r1, =0x80000000         @ SVCall 0x80
    str r1, [r0]
    REGION 0, 0x00000000, (6 << 24) | (20 << 1) | 1            @ flash RO, executable
    REGION 1, 0x20000000, (1 << 28) | (3 << 24) | (17 << 1) | 1 @ SRAM RW, XN
    REGION 2, 0x20008000, (1 << 28) | (1 << 24) | (9 << 1) | 1  @ 1 KiB privileged only
    ldr r0, =MPU_CTRL
    movs r1, #1
    str r1, [r0]
    ldr r0, =0x20008200
    msr psp, r0
    movs r0, #3                 @ unprivileged, on PSP
    msr control, r0
    isb
    svc #1
    LOGI 0xDEAD
    DONE
    .thumb_func
mm_handler:
    ldr r0, =RESULT
    ldr r3, [r0]
    adds r3, r3, #1
    str r3, [r0]
    cmp r3, #1
    bne second_entry
    LDRABS CFSR
    LOGR0                       @ MSTKERR
    mrs r0, ipsr
    LOGR0                       @ 4
    LDRABS SHCSR
    and r0, r0, #(1 << 15)
    LOGR0                       @ SVCALLPENDED
    mrs r0, psp
    LOGR0                       @ 0x200081E0
    ldr r1, =CFSR
    ldr r0, =0xFFFFFFFF
    str r0, [r1]
    bx lr                       @ 0xFFFFFFFD: the pop is unprivileged
second_entry:
    LDRABS CFSR
    LOGR0                       @ MUNSTKERR
    mov r0, lr
    LOGR0                       @ 0xFFFFFFFD again
    ldr r1, =CFSR
    ldr r0, =0xFFFFFFFF
    str r0, [r1]
    ldr r0, =MPU_CTRL
    movs r1, #5                 @ PRIVDEFENA: the bus, not the MPU, refuses
    str r1, [r0]
    ldr r0, =0x30000100
    msr msp, r0
    ldr r0, =ICSR
    ldr r1, =(1 << 31)
    str r1, [r0]                @ NMI
    dsb                         @ the pend is taken by the barrier at the latest
    isb                         @ (ARM AN321 4.5): not one instruction later
    LOGI 0xDEAD
    DONE
    .thumb_func
nmi_handler:
    LDRABS CFSR
    LOGR0                       @ STKERR
    mrs r0, ipsr
    LOGR0                       @ 2
    LDRABS SHCSR
    and r0, r0, #(1 << 14)
    LOGR0                       @ BUSFAULTPENDED
    DONE
    .thumb_func
generic:
    b generic
