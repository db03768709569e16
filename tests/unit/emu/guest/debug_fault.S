@ tests/unit/emu/guest/debug_fault.S: a function that faults (an undefined
@ instruction), called from the reset code, for the debug port's halt on
@ fault (test_debug_port.c); and a watchdog armed before it sleeps, for
@ the halted clock.  SYMS: the faulting instruction, the handler, the
@ caller's return address.
    .include "common.inc"
    VECTORS hardfault=fault_handler
    .equ WDT_CR, 0x40006000
    .equ WDT_LOAD, 0x40006004
    .equ WDT_KICK, 0x40006008

    .section .vectors, "a"
SYMS:
    .word fault_insn, fault_handler, after_call, wdt_sleep
    .text

    .thumb_func
reset:
    INIT
    ldr r0, =RESULT
    ldr r1, [r0]
    cmp r1, #1                  @ RESULT = 1 (set by the test): the watchdog
    beq wdt_test
    movs r0, #0x11
    movs r1, #0x22
    bl faulty
after_call:
    DONE

    .thumb_func
faulty:
    push {r4, lr}
    movs r4, #0x44
fault_insn:
    udf #0
    pop {r4, pc}

    .thumb_func
fault_handler:
    b fault_handler

wdt_test:
    ldr r0, =WDT_LOAD
    movs r1, #100               @ 100 ms
    str r1, [r0]
    ldr r0, =WDT_CR
    movs r1, #1
    str r1, [r0]
    ldr r0, =WDT_KICK
    ldr r1, =0xA5A5A5A5
    str r1, [r0]
wdt_sleep:
    cpsid i
1:  wfi
    b 1b

    .thumb_func
generic:
    b generic
