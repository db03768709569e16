@ tests/unit/emu/guest/debug_target.S: what the debug port is tried on
@ (test_debug_port.c).  A loop that stores, loads and calls, with SysTick
@ preempting it and both writing to the console (so a run that a debugger
@ disturbed shows it in its output and instruction count); then a stretch
@ in unprivileged thread mode on the process stack, a word an MPU region
@ forbids, and the end.  SYMS (after the vectors) gives the test the
@ addresses of the labels it sets breakpoints on.
    .include "common.inc"
    VECTORS systick=systick_handler, svc=svc_handler
    .equ UART_DR, 0x40003000
    .equ UART_CR, 0x40003008
    .equ SYST_CSR, 0xE000E010
    .equ SYST_RVR, 0xE000E014
    .equ VAR, 0x20000010         @ written and read by the loop
    .equ TICKS, 0x20000020
    .equ SECRET, 0x20004000      @ no access under MPU region 2
    .equ ITERATIONS, 1000

    .section .vectors, "a"
SYMS:
    .word loop_body, func_add, unpriv_spot, end_spot, after_store
    .text

    .thumb_func
reset:
    INIT
    ldr r0, =TICKS
    movs r1, #0
    str r1, [r0]
    ldr r0, =UART_CR
    movs r1, #1                 @ EN
    str r1, [r0]
    ldr r0, =SYST_RVR
    ldr r1, =89                 @ a tick every 90 cycles: lands mid-block
    str r1, [r0]
    ldr r0, =SYST_CSR
    movs r1, #7
    str r1, [r0]
    movs r4, #0
    movs r5, #0
loop:
loop_body:
    adds r4, r4, #1
    ldr r0, =VAR
    str r4, [r0]
after_store:
    ldr r1, [r0, #0]
    adds r5, r5, r1
    bl func_add
    and r0, r4, #15
    adds r0, r0, #'a'
    ldr r1, =UART_DR
    str r0, [r1]
    cmp r4, #ITERATIONS
    bne loop
    mov r0, r5
    LOGR0                       @ 0: the sum
    @ the secret, then an MPU region over it: no access, privileged or not
    ldr r0, =SECRET
    ldr r1, =0x5EC2E7
    str r1, [r0]
    REGION 0, 0, (6 << 24) | (19 << 1) | 1                        @ flash: RO for all
    REGION 1, 0x20000000, (1 << 28) | (3 << 24) | (17 << 1) | 1   @ SRAM: RW, XN
    REGION 2, SECRET, (9 << 1) | 1                                @ 1 KiB, no access
    ldr r0, =MPU_CTRL
    movs r1, #5                 @ ENABLE | PRIVDEFENA
    str r1, [r0]
    dsb
    isb
    @ unprivileged on the process stack for a moment
    ldr r0, =0x20008000
    msr psp, r0
    movs r0, #3
    msr control, r0
    isb
unpriv_spot:
    movs r6, #6
    svc #0
end_spot:
    ldr r0, =SYST_CSR
    movs r1, #0
    str r1, [r0]
    LDRABS TICKS
    LOGR0                       @ 1: the ticks
    DONE

    .thumb_func
func_add:
    adds r5, r5, r4
    bx lr

    .thumb_func
systick_handler:
    ldr r1, =TICKS
    ldr r0, [r1]
    adds r0, r0, #1
    str r0, [r1]
    movs r0, #'t'
    ldr r1, =UART_DR
    str r0, [r1]
    bx lr

    .thumb_func
svc_handler:
    movs r0, #0                 @ privileged again, on MSP
    msr control, r0
    isb
    bx lr

    .thumb_func
generic:
    b generic
