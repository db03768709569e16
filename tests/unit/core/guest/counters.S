@ Known numbers of guest stores and register accesses, for the machine's
@ counters: 1000 stores to SRAM in a loop, then 10 reads of SysTick's
@ CSR, then DONE.
    .include "common.inc"
    VECTORS
    .equ SYST_CSR, 0xE000E010
    .thumb_func
reset:
    ldr r0, =0x20001000
    ldr r2, =1000
stores:
    str r2, [r0]
    subs r2, r2, #1
    bne stores
    ldr r0, =SYST_CSR
    movs r2, #10
reads:
    ldr r1, [r0]
    subs r2, r2, #1
    bne reads
    DONE
    .thumb_func
generic:
    b generic
