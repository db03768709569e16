@ Every legal EXC_RETURN and nesting: PendSV from thread on MSP gets
@ 0xFFFFFFF9; an SVC inside it nests with 0xFFFFFFF1 (RETTOBASE 0, both
@ active in SHCSR) and its return clears FAULTMASK.  PRIMASK holds SysTick,
@ FAULTMASK holds PendSV but not NMI (whose return keeps FAULTMASK), SEV
@ makes the next WFE fall through, and 0xFFFFFFF1 from the only active
@ exception is a UsageFault INVPC.
    .include "common.inc"
    VECTORS svc=svc_handler, pendsv=pendsv_handler, nmi=nmi_handler, usagefault=uf_handler, systick=tick_handler
    .thumb_func
reset:
    INIT
    ldr r0, =RESULT
    movs r1, #0
    str r1, [r0]                @ RESULT = 1 asks PendSV for a bad return
    ldr r0, =SHCSR
    ldr r1, =(7 << 16)
    str r1, [r0]
    ldr r0, =SHPR2
    ldr r1, =0x40000000         @ SVCall 0x40
    str r1, [r0]
    ldr r0, =SHPR3
    ldr r1, =0x80F00000         @ SysTick 0x80, PendSV 0xF0
    str r1, [r0]
    ldr r0, =ICSR
    ldr r1, =(1 << 28)
    str r1, [r0]                @ PendSV now
    isb
    LOGI 0xA0
    cpsid i
    ldr r0, =ICSR
    ldr r1, =(1 << 26)
    str r1, [r0]                @ SysTick pended, PRIMASK holds it
    isb
    LOGI 0xA1
    cpsie i
    isb
    LOGI 0xA2
    cpsid f
    ldr r0, =ICSR
    ldr r1, =(1 << 28) | (1 << 31)
    str r1, [r0]                @ NMI runs, PendSV waits for FAULTMASK
    isb
    LOGI 0xA3
    cpsie f
    isb
    LOGI 0xA4
    sev
    wfe                         @ event set: does not sleep
    LOGI 0xA5
    ldr r0, =RESULT
    movs r1, #1
    str r1, [r0]
    ldr r0, =ICSR
    ldr r1, =(1 << 28)
    str r1, [r0]
    isb
    LOGI 0xDEAD
    DONE
    .thumb_func
pendsv_handler:
    push {r4, lr}
    mrs r0, ipsr
    LOGR0                       @ 14
    mov r0, lr
    LOGR0                       @ 0xFFFFFFF9
    ldr r0, =RESULT
    ldr r0, [r0]
    cmp r0, #1
    beq bad_return
    svc #0
    mrs r0, faultmask
    LOGR0                       @ 0: cleared by the SVC's return
    LOGI 0xB0
    pop {r4, pc}
bad_return:
    pop {r4, lr}
    ldr r0, =0xFFFFFFF1         @ to handler mode, but nothing to return to
    bx r0
    .thumb_func
svc_handler:
    mrs r0, ipsr
    LOGR0                       @ 11
    mov r0, lr
    LOGR0                       @ 0xFFFFFFF1
    LDRABS ICSR
    and r0, r0, #(1 << 11)
    LOGR0                       @ RETTOBASE 0
    LDRABS SHCSR
    ldr r3, =(1 << 10) | (1 << 7)
    and r0, r0, r3
    LOGR0                       @ PENDSVACT | SVCALLACT
    cpsid f
    bx lr
    .thumb_func
tick_handler:
    mrs r0, ipsr
    LOGR0                       @ 15
    bx lr
    .thumb_func
nmi_handler:
    mrs r0, ipsr
    LOGR0                       @ 2
    bx lr
    .thumb_func
uf_handler:
    LDRABS CFSR
    LOGR0                       @ INVPC
    mrs r3, msp
    ldr r0, [r3, #24]
    LOGR0                       @ stacked PC: the EXC_RETURN value
    DONE
    .thumb_func
generic:
    b generic
