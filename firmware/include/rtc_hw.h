/* firmware/include/rtc_hw.h: the RTC (docs/hardware.md#rtc-0x4000_4000):
 * register offsets in its window and their bits, for the model
 * (emu/rtc.c) and the firmware (hw.h). */
#ifndef LAMP_RTC_HW_H
#define LAMP_RTC_HW_H

#define RTC_REG_SECONDS 0x00u
#define RTC_REG_SUBSEC 0x04u
#define RTC_REG_ALARM 0x08u
#define RTC_REG_CR 0x0Cu
#define RTC_REG_SR 0x10u

#define RTC_CR_ALARMEN 1u
#define RTC_CR_ALARMIE 2u
#define RTC_SR_ALARMF 1u
/* SUBSEC counts 1/32768 s within the second, latched when SECONDS is read. */
#define RTC_SUBSEC_BITS 15
#define RTC_SUBSEC_HZ (1u << RTC_SUBSEC_BITS)

#endif
