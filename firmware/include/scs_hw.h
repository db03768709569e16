/* firmware/include/scs_hw.h: the System Control Space registers the lamp
 * has (ARMv7-M Architecture Reference Manual, DDI 0403E, B3.2-B3.5;
 * docs/hardware.md#system-control-space-0xe000_e000): offsets from
 * SCS_BASE and the fields both sides use.  The models (emu/nvic.c,
 * scb.c, mpu.c, systick.c and the fault code) and the firmware (hw.h)
 * take them from here. */
#ifndef LAMP_SCS_HW_H
#define LAMP_SCS_HW_H

#include <stdint.h>

/* Offsets from SCS_BASE. */
#define SCS_REG_ICTR 0x004u
#define SCB_REG_ACTLR 0x008u
#define SYST_REG_CSR 0x010u
#define SYST_REG_RVR 0x014u
#define SYST_REG_CVR 0x018u
#define SYST_REG_CALIB 0x01Cu
#define SYST_CSR_ENABLE 1u
#define SYST_CSR_TICKINT 2u
#define SYST_CSR_CLKSOURCE 4u         /* 1: the core clock; 0: the reference */
#define SYST_CSR_COUNTFLAG (1u << 16)
#define SYST_REF_HZ 1000000u          /* the reference clock (CLKSOURCE = 0) */
#define NVIC_REG_ISER 0x100u
#define NVIC_REG_ICER 0x180u
#define NVIC_REG_ISPR 0x200u
#define NVIC_REG_ICPR 0x280u
#define NVIC_REG_IABR 0x300u
#define NVIC_REG_IPR 0x400u
#define SCB_REG_CPUID 0xD00u
#define SCB_REG_ICSR 0xD04u
#define SCB_REG_VTOR 0xD08u
#define SCB_REG_AIRCR 0xD0Cu
#define SCB_REG_SCR 0xD10u
#define SCB_REG_CCR 0xD14u
#define SCB_REG_SHPR1 0xD18u
#define SCB_REG_SHPR2 0xD1Cu
#define SCB_REG_SHPR3 0xD20u
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)
#define SHPR2_SVCALL_SHIFT 24      /* SVCall's priority byte */
#define PRIO_LOWEST 0xF0u          /* 4 priority bits implemented */
#define SCB_REG_SHCSR 0xD24u
#define SCB_REG_CFSR 0xD28u
#define SCB_REG_HFSR 0xD2Cu
#define SCB_REG_DFSR 0xD30u
#define SCB_REG_MMFAR 0xD34u
#define SCB_REG_BFAR 0xD38u
#define SCB_REG_AFSR 0xD3Cu
#define SCB_REG_CPACR 0xD88u
#define MPU_REG_TYPE 0xD90u
#define MPU_REG_CTRL 0xD94u
#define MPU_REG_RNR 0xD98u
#define MPU_REG_RBAR 0xD9Cu
#define MPU_REG_RASR 0xDA0u
#define MPU_REG_ALIAS_END 0xDBCu /* RBAR/RASR aliases up to here */
#define NVIC_REG_STIR 0xF00u

/* AIRCR (B3.2.6): writes need the key in bits 31:16. */
#define AIRCR_VECTKEY 0x05FAu
#define AIRCR_VECTKEY_SHIFT 16
#define AIRCR_SYSRESETREQ (1u << 2)
/* CCR (B3.2.8) */
#define CCR_DIV_0_TRP (1u << 4)
/* SHCSR (B3.2.13): the configurable faults' enables. */
#define SHCSR_MEMFAULTENA (1u << 16)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)
#define SHCSR_FAULTS_ENA (SHCSR_MEMFAULTENA | SHCSR_BUSFAULTENA | SHCSR_USGFAULTENA)

/* CFSR (B3.2.15): MMFSR, BFSR and UFSR. */
#define CFSR_IACCVIOL (1u << 0)
#define CFSR_DACCVIOL (1u << 1)
#define CFSR_MUNSTKERR (1u << 3)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_IBUSERR (1u << 8)
#define CFSR_PRECISERR (1u << 9)
#define CFSR_UNSTKERR (1u << 11)
#define CFSR_STKERR (1u << 12)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_UNDEFINSTR (1u << 16)
#define CFSR_INVSTATE (1u << 17)
#define CFSR_INVPC (1u << 18)
#define CFSR_NOCP (1u << 19)
#define CFSR_UNALIGNED (1u << 24)
#define CFSR_DIVBYZERO (1u << 25)
/* HFSR (B3.2.16) */
#define HFSR_VECTTBL (1u << 1)
#define HFSR_FORCED (1u << 30)

/* MPU (B3.5): CTRL, and RASR's fields. */
#define MPU_CTRL_ENABLE 1u
#define MPU_CTRL_HFNMIENA 2u
#define MPU_CTRL_PRIVDEFENA 4u
#define MPU_REGIONS 8u
#define MPU_RASR_ENABLE 1u
#define MPU_RASR_SIZE_SHIFT 1   /* SIZE: the region is 2^(SIZE+1) bytes */
#define MPU_RASR_SIZE_MASK 0x1Fu
#define MPU_RASR_SIZE(log2) (((log2) - 1u) << MPU_RASR_SIZE_SHIFT)
#define MPU_RASR_SRD_SHIFT 8    /* sub-region disable, one bit per eighth */
#define MPU_RASR_SRD_MASK 0xFFu
#define MPU_RASR_AP_SHIFT 24
#define MPU_RASR_AP_MASK 7u
#define MPU_RASR_AP(ap) ((uint32_t)(ap) << MPU_RASR_AP_SHIFT)
#define MPU_RASR_XN (1u << 28)
/* AP: privileged / unprivileged access (B3.5.9, table B3-15). */
#define MPU_AP_NONE 0u
#define MPU_AP_PRIV_RW 1u         /* unprivileged: none */
#define MPU_AP_PRIV_RW_USER_RO 2u
#define MPU_AP_RW 3u
#define MPU_AP_PRIV_RO 5u         /* unprivileged: none */
#define MPU_AP_RO 6u
#define MPU_AP_RO_ALT 7u          /* read-only, as 6 */

#endif
