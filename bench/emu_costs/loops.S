/* bench/emu_costs/loops.S: the guest loops bench/emu_costs.c times.
 * Built three times, with LOOP defined as one of:
 *   LOOP_ALU   ldr, adds, str to SRAM, branch: plain guest instructions
 *   LOOP_SRAM  one load from SRAM, branch: the base of LOOP_MMIO
 *   LOOP_MMIO  one load of a device register (SYSCTL CHIPID), branch
 * Each runs forever; the host stops it by its instruction budget. */
    .syntax unified
    .thumb
    .section .text
    .word 0x20001000            /* initial SP */
    .word reset + 1             /* reset vector */
    .space 0x40 - 8

    .thumb_func
reset:
    ldr r0, =0x20000100         /* an SRAM word */
    ldr r4, =0x40000000         /* SYSCTL CHIPID (firmware/include/hw.h) */
loop:
#if LOOP == 1
    ldr r3, [r0]
    adds r3, #1
    str r3, [r0]
#elif LOOP == 2
    ldr r3, [r0]
#else
    ldr r3, [r4]
#endif
    b loop
    .ltorg
