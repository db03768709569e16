/* firmware/include/memory_map.h: the lamp MCU's memory map
 * (docs/hardware.md#memory-map): where each region and peripheral window
 * lies and which NVIC line each peripheral raises.  Shared by the firmware
 * (hw.h), the emulator (emu/) and the host tools, so that they cannot
 * disagree.  Numbers only: it compiles on the host and for the target. */
#ifndef LAMP_MEMORY_MAP_H
#define LAMP_MEMORY_MAP_H

#define FLASH_BASE 0x00000000u
#define FLASH_SIZE (2u * 1024 * 1024)
#define FLASH_SECTOR_SIZE 4096u
#define OTP_BASE 0x1FFF0000u
#define OTP_SIZE 4096u
#define SRAM_BASE 0x20000000u
#define SRAM_SIZE (256u * 1024)
#define SRAM_RETAINED_SIZE 4096u /* top of SRAM, kept across warm reset */
#define PERIPH_BASE 0x40000000u
#define PERIPH_WINDOW 0x1000u
#define PERIPH_WINDOWS 16u       /* 0x4000_0000..0x4000_FFFF, every model's window */
#define SCS_BASE 0xE000E000u
#define SCS_SIZE 0x1000u /* the System Control Space (ARMv7-M B3.2) */

/* Peripheral windows, one 4 KiB window each. */
#define SYSCTL_BASE (PERIPH_BASE + 0x0000u)
#define FLASHCTL_BASE (PERIPH_BASE + 0x1000u)
#define RNG_BASE (PERIPH_BASE + 0x2000u)
#define UART0_BASE (PERIPH_BASE + 0x3000u)
#define RTC_BASE (PERIPH_BASE + 0x4000u)
#define TIMER0_BASE (PERIPH_BASE + 0x5000u)
#define WDT_BASE (PERIPH_BASE + 0x6000u)
#define NET_BASE (PERIPH_BASE + 0x7000u)
#define CRYPTO_BASE (PERIPH_BASE + 0x8000u) /* only on the `crypto` variant */
#define BLE_BASE (PERIPH_BASE + 0x9000u)
#define LIGHT_BASE (PERIPH_BASE + 0xA000u)

/* External interrupt numbers (NVIC IRQ n = exception 16 + n); the order of
 * firmware/common/startup.c's vector table. */
#define IRQ_UART0 0
#define IRQ_TIMER0 1
#define IRQ_RTC 2
#define IRQ_WDT 3
#define IRQ_FLASHCTL 4
#define IRQ_RNG 5
#define IRQ_NET 6
#define IRQ_CRYPTO 7
#define IRQ_BLE 8
#define IRQ_LIGHT 9
#define IRQ_COUNT 32 /* external interrupts the NVIC has */

#endif
