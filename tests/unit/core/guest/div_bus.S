@ SDIV by zero gives 0 while CCR.DIV_0_TRP is clear and a UsageFault
@ DIVBYZERO once it is set; a load from unmapped space with BusFault
@ disabled escalates to HardFault (FORCED) with PRECISERR, BFAR.
    .include "common.inc"
    VECTORS usagefault=uf_handler, hardfault=hf_handler
    .thumb_func
reset:
    INIT
    ldr r0, =SHCSR
    ldr r1, =(1 << 18)          @ UsageFault only
    str r1, [r0]
    movs r1, #7
    movs r2, #0
    sdiv r3, r1, r2
    mov r0, r3
    LOGR0                       @ 0
    ldr r0, =CCR
    ldr r1, [r0]
    orr r1, r1, #(1 << 4)
    str r1, [r0]
    movs r1, #7
    movs r2, #0
div_site:
    sdiv r3, r1, r2
    movs r0, #0xD1
    LOGR0
    ldr r5, =0x50000000
    ldr r6, [r5]
    movs r0, #0xD2
    LOGR0
    DONE
    .thumb_func
uf_handler:
    ldr r0, =CFSR
    ldr r0, [r0]
    push {r0, lr}
    LOGR0
    mrs r0, msp
    ldr r0, [r0, #(8 + 24)]     @ stacked PC
    LOGR0
    mrs r0, msp
    ldr r1, [r0, #(8 + 24)]
    adds r1, r1, #4             @ skip the 32-bit SDIV
    str r1, [r0, #(8 + 24)]
    ldr r1, =CFSR
    ldr r0, =0xFFFF0000
    str r0, [r1]
    pop {r0, pc}
    .thumb_func
hf_handler:
    ldr r0, =HFSR
    ldr r0, [r0]
    push {r0, lr}
    LOGR0
    ldr r0, =CFSR
    ldr r0, [r0]
    LOGR0
    ldr r0, =BFAR
    ldr r0, [r0]
    LOGR0
    mrs r0, msp
    ldr r1, [r0, #(8 + 24)]
    adds r1, r1, #2
    str r1, [r0, #(8 + 24)]
    pop {r0, pc}
    .thumb_func
generic:
    b generic
    .global div_site
