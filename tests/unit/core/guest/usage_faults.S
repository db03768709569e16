@ UsageFaults the core must raise although Unicorn does not: FP
@ instructions while CPACR denies CP10/CP11 (NOCP; Unicorn's FPU is on from
@ reset), also for unprivileged code when CPACR grants privileged access
@ only; LDREX on an unaligned address (UNALIGNED); UDF (UNDEFINSTR); BLX to
@ an even address (INVSTATE, stacked PC the target).  The handler logs
@ CFSR and the stacked PC, then skips the 32-bit instruction, or for
@ INVSTATE resumes at the caller in Thumb state.  Last, UDF inside an SVC
@ handler of the same priority as UsageFault escalates to HardFault
@ (HFSR.FORCED, CFSR.UNDEFINSTR).
    .include "common.inc"
    VECTORS usagefault=uf_handler, svc=svc_handler, hardfault=hf_handler
    .equ CPACR, 0xE000ED88
    .thumb_func
reset:
    INIT
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    vadd.f32 s0, s0, s0         @ NOCP
    ldr r0, =CPACR
    ldr r1, =(0xF << 20)
    str r1, [r0]
    dsb
    isb
    vadd.f32 s0, s0, s0         @ allowed
    LOGI 0xF1
    ldr r0, =CPACR
    ldr r1, =(0x5 << 20)        @ privileged only
    str r1, [r0]
    dsb
    isb
    movs r0, #1
    msr control, r0
    isb
    vadd.f32 s0, s0, s0         @ NOCP for unprivileged code
    svc #0
    LOGI 0xF2
    ldr r0, =0x20000201
    ldrex r2, [r0]              @ UNALIGNED
    udf.w #0                    @ UNDEFINSTR
    ldr r0, =arm_target
    bic r0, r0, #1
    LOGR0
    blx r0                      @ INVSTATE at arm_target
    LOGI 0xF3
    movs r5, #1
    svc #0                      @ UDF in there: escalated
    LOGI 0xF4
    DONE
    .align 2
arm_target:
    nop
    nop
    .thumb_func
uf_handler:
    LDRABS CFSR
    LOGR0
    mov r4, r0
    mrs r3, msp
    ldr r0, [r3, #24]
    LOGR0                       @ stacked PC
    tst r4, #(1 << 17)
    bne resume_caller
    ldr r0, [r3, #24]
    adds r0, r0, #4
    str r0, [r3, #24]
    b uf_done
resume_caller:
    ldr r0, [r3, #20]
    bic r0, r0, #1
    str r0, [r3, #24]
    ldr r0, [r3, #28]
    orr r0, r0, #(1 << 24)
    str r0, [r3, #28]
uf_done:
    ldr r1, =CFSR
    str r4, [r1]
    bx lr
    .thumb_func
hf_handler:
    LDRABS HFSR
    LOGR0
    ldr r1, =HFSR
    str r0, [r1]
    LDRABS CFSR
    LOGR0
    ldr r1, =CFSR
    str r0, [r1]
    mrs r3, msp
    ldr r0, [r3, #24]
    adds r0, r0, #4
    str r0, [r3, #24]
    bx lr
    .thumb_func
svc_handler:
    cmp r5, #1
    bne 1f
    udf.w #1                    @ UsageFault (0) cannot preempt SVCall (0)
1:  movs r0, #0
    msr control, r0
    bx lr
    .thumb_func
generic:
    b generic
