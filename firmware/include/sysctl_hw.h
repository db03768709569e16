/* firmware/include/sysctl_hw.h: SYSCTL, chip identity and reset control
 * (docs/hardware.md#sysctl-0x4000_0000): register offsets in its window,
 * their values and bits.  The model (emu/sysctl.c, and emu/machine.h's
 * reset causes) and the firmware (hw.h) both take them from here. */
#ifndef LAMP_SYSCTL_HW_H
#define LAMP_SYSCTL_HW_H

#define SYSCTL_REG_CHIPID 0x00u
#define SYSCTL_REG_REVISION 0x04u
#define SYSCTL_REG_RESETCAUSE 0x08u /* RW1C */
#define SYSCTL_REG_FEATURES 0x0Cu
#define SYSCTL_REG_RESETREQ 0x10u   /* WO */
#define SYSCTL_REG_CPUFREQ 0x14u
#define SYSCTL_REG_BOOTSTAGE 0x18u  /* free for firmware */

#define SYSCTL_CHIPID_VALUE 0x4C4D5031u /* "LMP1" */
#define SYSCTL_REVISION_VALUE 0x00010000u
#define SYSCTL_RESETREQ_KEY 0x5EC0DE01u

/* RESETCAUSE: the reset that happened, accumulated until cleared. */
#define SYSCTL_RESETCAUSE_POR 1u          /* power on */
#define SYSCTL_RESETCAUSE_SYSRESETREQ 2u  /* AIRCR.SYSRESETREQ */
#define SYSCTL_RESETCAUSE_WDT 4u
#define SYSCTL_RESETCAUSE_LOCKUP 8u       /* core locked up (fault in HardFault) */
#define SYSCTL_RESETCAUSE_SOFT 16u        /* RESETREQ with the key */

/* FEATURES */
#define SYSCTL_FEATURE_FPU 1u
#define SYSCTL_FEATURE_MPU 2u
#define SYSCTL_FEATURE_CRYPTO 4u /* the `crypto` variant only */
#define SYSCTL_FEATURE_NET 8u

#endif
