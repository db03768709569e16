/* emu/thumb.h: the few Thumb-2 encodings the core must recognise itself
 * (ARMv7-M ARM A5): the instructions Unicorn does not handle as an
 * M-profile core must, and instruction lengths for counting.  Shared by
 * the instruction-site scan (sites.c) and the core (cpu.c). */
#ifndef LAMPSIM_EMU_THUMB_H
#define LAMPSIM_EMU_THUMB_H

#include <stdbool.h>
#include <stdint.h>

enum { THUMB_WFI = 0xBF30, THUMB_WFE = 0xBF20, THUMB_SEV = 0xBF40 };

/* A halfword that starts a 32-bit instruction (A5.1). */
static inline bool thumb_is_32bit(uint16_t hw1)
{
    return (hw1 >> 11) >= 0x1D;
}

static inline bool thumb_is_hint_of_interest(uint16_t hw1)
{
    return hw1 == THUMB_WFI || hw1 == THUMB_WFE || hw1 == THUMB_SEV;
}

/* SDIV / UDIV (A5.3.16) */
static inline bool thumb_is_div(uint16_t hw1, uint16_t hw2)
{
    return (hw1 & 0xFFD0) == 0xFB90 && (hw2 & 0xF0F0) == 0xF0F0;
}

/* MSR to PRIMASK, BASEPRI, BASEPRI_MAX, FAULTMASK or CONTROL: after it an
 * exception may become takeable or the privilege level may change. */
static inline bool thumb_is_msr_mask_or_control(uint16_t hw1, uint16_t hw2)
{
    return (hw1 & 0xFFF0) == 0xF380 && (hw2 & 0xFF00) == 0x8800 &&
           (hw2 & 0xFF) >= 0x10 && (hw2 & 0xFF) <= 0x14;
}

/* A floating-point instruction: coprocessor space with coprocessor 10 or
 * 11 (A5.3.18, A6.4). */
static inline bool thumb_is_fp(uint16_t hw1, uint16_t hw2)
{
    return (hw1 & 0xEC00) == 0xEC00 && ((hw2 >> 8) & 0xE) == 0xA;
}

/* CPSIE i / f / if */
static inline bool thumb_is_cpsie(uint16_t hw1)
{
    return hw1 >= 0xB661 && hw1 <= 0xB663;
}

/* DSB or ISB (A7.7.34, A7.7.37): a write that pends an exception or
 * requests a reset has taken effect once it completes (ARM AN321: software
 * must assume nothing sooner). */
static inline bool thumb_is_dsb_isb(uint16_t hw1, uint16_t hw2)
{
    return hw1 == 0xF3BF && ((hw2 & 0xFFF0) == 0x8F40 || (hw2 & 0xFFF0) == 0x8F60);
}

/* CPSID f / if and MSR FAULTMASK change the execution priority too (the
 * MPU is bypassed below priority 0). */
static inline bool thumb_is_cpsid_f(uint16_t hw1)
{
    return hw1 == 0xB671 || hw1 == 0xB673;
}

#endif
