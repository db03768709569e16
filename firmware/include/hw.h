/* firmware/include/hw.h: register addresses of the lamp MCU, mirroring
 * docs/hardware.md (keep the two in step). */
#ifndef LAMP_HW_H
#define LAMP_HW_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* memory map */
#define FLASH_BASE 0x00000000u
#define FLASH_SIZE (2u * 1024 * 1024)
#define FLASH_SECTOR 4096u
#define BOOTLOADER_BASE 0x00000000u
#define BOOTLOADER_SIZE 0x10000u
#define KEYSTORE_BASE 0x00010000u
#define NVSTORE_BASE 0x00012000u
#define SLOT_A_BASE 0x00020000u
#define SLOT_SIZE (960u * 1024)
#define OTP_BASE 0x1FFF0000u
#define SRAM_BASE 0x20000000u
#define SRAM_SIZE (256u * 1024)
#define RETAINED_BASE 0x2003F000u

/* SYSCTL */
#define SYSCTL_CHIPID REG32(0x40000000u)
#define SYSCTL_RESETCAUSE REG32(0x40000008u)
#define SYSCTL_RESETREQ REG32(0x40000010u)
#define SYSCTL_BOOTSTAGE REG32(0x40000018u)
#define RESETCAUSE_POR 1u
#define RESETCAUSE_SYSRESETREQ 2u
#define RESETCAUSE_WDT 4u
#define RESETCAUSE_LOCKUP 8u
#define RESETCAUSE_SOFT 16u

/* FLASHCTL */
#define FLASHCTL_CR REG32(0x40001000u)
#define FLASHCTL_SR REG32(0x40001004u)
#define FLASHCTL_KEY REG32(0x40001008u)
#define FLASHCTL_ADDR REG32(0x4000100Cu)
#define FLASHCTL_DATA REG32(0x40001010u)
#define FLASHCTL_CMD REG32(0x40001014u)
#define FLASHCTL_WPSTART(n) REG32(0x40001020u + 8u * (n))
#define FLASHCTL_WPEND(n) REG32(0x40001024u + 8u * (n))
#define FLASHCTL_WPLOCK REG32(0x40001040u)
#define FLASHCTL_CR_ERRIE 1u
#define FLASHCTL_CR_LOCK (1u << 31)
#define FLASHCTL_SR_BUSY 1u
#define FLASHCTL_SR_DONE 2u
#define FLASHCTL_SR_WPERR (1u << 4)
#define FLASHCTL_SR_PGERR (1u << 5)
#define FLASHCTL_SR_ADDRERR (1u << 6)
#define FLASHCTL_SR_LOCKERR (1u << 7)
#define FLASHCTL_SR_ERRORS 0xF0u
#define FLASHCTL_KEY1 0x45670123u
#define FLASHCTL_KEY2 0xCDEF89ABu
#define FLASHCTL_CMD_PROGRAM 1u
#define FLASHCTL_CMD_ERASE 2u

/* OTP fuses */
#define OTP_LOCKS REG32(OTP_BASE + 0x000u)
#define OTP_SERIAL ((const char *)(OTP_BASE + 0x010u))
#define OTP_EPOCH ((const volatile uint32_t *)(OTP_BASE + 0x020u))

/* RNG */
#define RNG_CR REG32(0x40002000u)
#define RNG_SR REG32(0x40002004u)
#define RNG_DR REG32(0x40002008u)

/* UART0 */
#define UART_DR REG32(0x40003000u)
#define UART_SR REG32(0x40003004u)
#define UART_CR REG32(0x40003008u)
#define UART_SR_RXNE 1u
#define UART_CR_EN 1u
#define UART_CR_RXIE 2u

/* RTC */
#define RTC_SECONDS REG32(0x40004000u)
#define RTC_SUBSEC REG32(0x40004004u)

/* TIMER0 */
#define TIMER_CR REG32(0x40005000u)
#define TIMER_LOAD REG32(0x40005004u)
#define TIMER_SR REG32(0x4000500Cu)

/* WDT */
#define WDT_CR REG32(0x40006000u)
#define WDT_LOAD REG32(0x40006004u)
#define WDT_KICK REG32(0x40006008u)

/* IRQ numbers */
#define IRQ_UART0 0
#define IRQ_TIMER0 1
#define IRQ_FLASHCTL 4

/* System Control Space (ARMv7-M ARM B3.2-B3.5) */
#define NVIC_ISER0 REG32(0xE000E100u)
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)
#define MPU_CTRL REG32(0xE000ED94u)
#define MPU_RNR REG32(0xE000ED98u)
#define MPU_RBAR REG32(0xE000ED9Cu)
#define MPU_RASR REG32(0xE000EDA0u)
#define AIRCR_RESET (0x05FA0000u | (1u << 2))
#define CCR_DIV_0_TRP (1u << 4)
#define SHCSR_FAULTS_ENA (7u << 16)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_BFARVALID (1u << 15)

static inline void dsb_isb(void) { __asm volatile("dsb\n\tisb" ::: "memory"); }

#endif
