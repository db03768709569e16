@ tests/unit/emu/guest/it_block.S: accesses inside Thumb IT blocks to a page
@ the TLB refuses, so that the run restarts in the middle of the block
@ (test_debug_port.c, it_block_on_refused_pages).  WATCHED's page is the one
@ the test watches (elsewhere on it: the watchpoint never fires); SPLIT's
@ page is split by a 32-byte MPU region next to it.  Each case logs r6, r7
@ and the data word after the block, whose bytes start as 11 22 33 44.
    .include "common.inc"
    VECTORS
    .equ WATCHED, 0x20002000
    .equ SPLIT, 0x20003000
    .equ INITIAL, 0x44332211

    @ one case: \cond_val 1 takes the NE arm, 0 the EQ arm; r3 = the page
    .macro CASE cond_val
    ldr r0, =INITIAL
    str r0, [r3]
    movs r1, #0xA1
    movs r2, #0xB2
    movs r6, #0
    movs r7, #0
    movs r0, #\cond_val
    cmp r0, #0
    itete ne
    strbne r1, [r3]             @ NE: 0xA1 to byte 0
    strbeq r2, [r3, #1]         @ EQ: 0xB2 to byte 1
    ldrbne r6, [r3, #2]         @ NE: r6 = 0x33
    addeq r7, r7, #1            @ EQ: r7 = 1
    @ memcpy's tail: a byte copied, or not
    cmp r0, #0
    itt ne
    ldrbne r0, [r3, #2]
    strbne r0, [r3, #3]         @ NE: byte 3 = 0x33
    mov r0, r6
    LOGR0
    mov r0, r7
    LOGR0
    ldr r0, [r3]
    LOGR0
    .endm

    .thumb_func
reset:
    INIT
    ldr r3, =WATCHED
    CASE 1                      @ 0-2
    CASE 0                      @ 3-5
    @ a 32-byte region, no access, after SPLIT's word; the default map
    @ (PRIVDEFENA) for the rest
    REGION 0, SPLIT + 0x100, (4 << 1) | 1
    ldr r0, =MPU_CTRL
    movs r1, #5                 @ ENABLE | PRIVDEFENA
    str r1, [r0]
    dsb
    isb
    ldr r3, =SPLIT
    CASE 1                      @ 6-8
    CASE 0                      @ 9-11
    DONE

    .thumb_func
generic:
    b generic
