/* firmware/include/memory_map.h: the lamp MCU's memory map
 * (docs/hardware.md#memory-map), shared by the firmware (hw.h), the
 * emulator (emu/) and the factory, so that the three cannot disagree. */
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

#endif
