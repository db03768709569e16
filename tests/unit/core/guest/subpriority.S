@ PRIGROUP 5 splits the 4 priority bits into a 2-bit group and a 2-bit
@ sub-priority: of three pending IRQs, IRQ1 (0x10) goes before IRQ0 (0x30)
@ of the same group, which does not preempt it but is tail-chained, and
@ IRQ2 (0x40, next group) comes last.  AIRCR ignores writes without
@ VECTKEY; ICSR.VECTPENDING names IRQ1 while PRIMASK holds all three.
    .include "common.inc"
    VECTORS irq0=irq_handler, irq1=irq_handler, irq2=irq_handler
    .thumb_func
reset:
    INIT
    ldr r0, =AIRCR
    ldr r1, =0x00000700         @ no VECTKEY: ignored
    str r1, [r0]
    LDRABS AIRCR
    LOGR0                       @ 0xFA050000
    ldr r0, =AIRCR
    ldr r1, =0x05FA0500
    str r1, [r0]
    LDRABS AIRCR
    LOGR0                       @ 0xFA050500
    ldr r0, =NVIC_IPR
    ldr r1, =0x00401030         @ IRQ0 0x30, IRQ1 0x10, IRQ2 0x40
    str r1, [r0]
    cpsid i
    ldr r0, =NVIC_ISER
    movs r1, #7
    str r1, [r0]
    ldr r0, =NVIC_ISPR
    movs r1, #7
    str r1, [r0]
    LDRABS ICSR
    ubfx r0, r0, #12, #9
    LOGR0                       @ VECTPENDING 17
    cpsie i
    isb
    LOGI 0xC0
    DONE
    .thumb_func
irq_handler:
    mrs r0, ipsr
    LOGR0
    bx lr
    .thumb_func
generic:
    b generic
