/* firmware/include/crash_format.h: a crash record as the fault handlers
 * write it (docs/firmware.md#crash-records) and where the crash log keeps
 * them in nvstore: one place for the firmware (firmware/app/crash.c) and
 * the simulator's twin (sim/twin.c), which reads the log from flash.
 * Numbers only: it compiles on the host and for the target. */
#ifndef LAMP_CRASH_FORMAT_H
#define LAMP_CRASH_FORMAT_H

#include <stdint.h>

enum crash_type {
    CRASH_HARDFAULT = 1, CRASH_MEMMANAGE = 2, CRASH_BUSFAULT = 3,
    CRASH_USAGEFAULT = 4, CRASH_FLASHPROTECT = 5,
};
/* Names by type (index 0 and unknown types: "?"). */
#define CRASH_TYPE_NAMES { "?", "HardFault", "MemManage", "BusFault", "UsageFault", "FlashProtect" }
#define CRASH_TYPE_COUNT 6u
/* A flag in the type word: the fault was taken from the partner-app VM
 * and contained (docs/firmware.md#partner-app-vm): no reset followed,
 * and reason holds the app's name ("eval" for a console run) instead of
 * an act.  The bits below it are still the fault's type, so a reader
 * that masks it keeps its counts by type; a reader that does not sees an
 * unknown type, never a reset that did not happen. */
#define CRASH_FROM_VM 0x100u
#define CRASH_TYPE_OF(type) ((type) & ~CRASH_FROM_VM)

#define CRASH_MAGIC 0x48535243u /* "CRSH" */
/* The crash log: nvstore's sector NVSTORE_CRASHLOG in 64-byte slots, the
 * magic programmed last (a slot with the magic is complete); 0xFFFFFFFF
 * is a free slot. */
#define CRASHLOG_SLOT_SIZE 64u
/* reason: the act being tried (a selftest's name), or the app's name for
 * a CRASH_FROM_VM record; NUL-terminated. */
#define CRASH_REASON_SIZE 28u

struct crash_record {
    uint32_t magic;
    uint32_t type, pc, lr, cfsr, hfsr, addr;
    char reason[CRASH_REASON_SIZE];
    uint32_t crc; /* CRC-32 of the bytes before it */
};

#endif
