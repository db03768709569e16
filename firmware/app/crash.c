/* firmware/app/crash.c: crash records in retained RAM and nvstore. */
#include "crash.h"

#include "crc32.h"
#include "flashctl.h"
#include "hw.h"
#include "log.h"

#include <stddef.h>
#include <string.h>

#define CRASHLOG_BASE NVSTORE_CRASHLOG  /* one sector of 64-byte slots */
#define CRASHLOG_SLOTS (FLASH_SECTOR_SIZE / CRASHLOG_SLOT_SIZE)

__attribute__((section(".retained"))) static struct crash_record retained;
__attribute__((section(".retained"))) static char pending_reason[CRASH_REASON_SIZE];

static const char *const type_names[] = CRASH_TYPE_NAMES;

void crash_set_reason(const char *reason)
{
    size_t i;
    for (i = 0; reason[i] && i < sizeof(pending_reason) - 1; i++)
        pending_reason[i] = reason[i];
    pending_reason[i] = 0;
}

static uint32_t record_crc(const struct crash_record *r)
{
    return crc32_update(0, r, offsetof(struct crash_record, crc));
}

void crash_record_and_reset(const uint32_t *frame, uint32_t type, uint32_t addr_override)
{
    uint32_t cfsr = SCB_CFSR;

    retained.magic = CRASH_MAGIC;
    retained.type = type;
    retained.pc = frame[6];
    retained.lr = frame[5];
    retained.cfsr = cfsr;
    retained.hfsr = SCB_HFSR;
    if (type == CRASH_FLASHPROTECT)
        retained.addr = addr_override;
    else if (cfsr & CFSR_MMARVALID)
        retained.addr = SCB_MMFAR;
    else if (cfsr & CFSR_BFARVALID)
        retained.addr = SCB_BFAR;
    else
        retained.addr = 0;
    memcpy(retained.reason, pending_reason, sizeof(retained.reason));
    retained.reason[sizeof(retained.reason) - 1] = 0;
    retained.crc = record_crc(&retained);
    SCB_AIRCR = AIRCR_RESET;
    dsb_isb();
    for (;;)
        ;
}

static void print_record(const struct crash_record *r)
{
    LOG_ERR("crash: type=%s pc=0x%08lx lr=0x%08lx cfsr=0x%08lx hfsr=0x%08lx addr=0x%08lx "
            "reason=%s", crash_type_name(r->type), (unsigned long)r->pc, (unsigned long)r->lr,
            (unsigned long)r->cfsr, (unsigned long)r->hfsr, (unsigned long)r->addr,
            r->reason[0] ? r->reason : "-");
}

static const struct crash_record *slot(unsigned i)
{
    return (const struct crash_record *)(CRASHLOG_BASE + CRASHLOG_SLOT_SIZE * i);
}

uint32_t crash_count_stored(uint32_t *from_vm)
{
    uint32_t n = 0, vm = 0;
    for (unsigned i = 0; i < CRASHLOG_SLOTS; i++)
        if (slot(i)->magic == CRASH_MAGIC && record_crc(slot(i)) == slot(i)->crc) {
            n++;
            vm += (slot(i)->type & CRASH_FROM_VM) != 0;
        }
    if (from_vm)
        *from_vm = vm;
    return n;
}

/* The slot's last word (after the record) is 0xFFFFFFFF until the cloud
 * acknowledged the record; then it is programmed to zero. */
#define REPORTED_WORD(i) (CRASHLOG_BASE + CRASHLOG_SLOT_SIZE * (i) + 60)
_Static_assert(sizeof(struct crash_record) <= 60, "a record leaves the slot's last word free");

const struct crash_record *crash_next_unreported(unsigned *out)
{
    for (unsigned i = 0; i < CRASHLOG_SLOTS; i++)
        if (slot(i)->magic == CRASH_MAGIC && record_crc(slot(i)) == slot(i)->crc &&
            *(const volatile uint32_t *)REPORTED_WORD(i) == 0xFFFFFFFFu) {
            *out = i;
            return slot(i);
        }
    return NULL;
}

void crash_mark_reported(unsigned i)
{
    if (i < CRASHLOG_SLOTS)
        flashctl_program(REPORTED_WORD(i), 0);
}

const char *crash_type_name(uint32_t type)
{
    type = CRASH_TYPE_OF(type);
    return type_names[type < CRASH_TYPE_COUNT ? type : 0];
}

/* Append to the nvstore log; the magic word is programmed last, so a
 * power cut leaves either no record or a whole one. */
static void store_record(const struct crash_record *r)
{
    unsigned i;
    const uint32_t *words = (const uint32_t *)r;

    for (i = 0; i < CRASHLOG_SLOTS && slot(i)->magic != 0xFFFFFFFFu; i++)
        ;
    if (i == CRASHLOG_SLOTS) {
        flashctl_erase(CRASHLOG_BASE);
        i = 0;
    }
    for (unsigned w = 1; w < sizeof(*r) / 4; w++)
        flashctl_program(CRASHLOG_BASE + CRASHLOG_SLOT_SIZE * i + 4 * w, words[w]);
    flashctl_program(CRASHLOG_BASE + CRASHLOG_SLOT_SIZE * i, words[0]);
}

void crash_report_pending(void)
{
    if (retained.magic != CRASH_MAGIC || record_crc(&retained) != retained.crc)
        return;
    print_record(&retained);
    store_record(&retained);
    retained.magic = 0;
}

void crash_store_vm_fault(const struct crash_record *fault, const char *app)
{
    static struct crash_record r; /* SRAM, off the stack */
    size_t i;

    r = *fault;
    r.magic = CRASH_MAGIC;
    r.type = fault->type | CRASH_FROM_VM;
    memset(r.reason, 0, sizeof(r.reason));
    for (i = 0; app[i] && i < sizeof(r.reason) - 1; i++)
        r.reason[i] = app[i];
    r.crc = record_crc(&r);
    store_record(&r);
    LOG_INF("crash: the app VM's %s fault is stored for the cloud (app %s)",
            crash_type_name(r.type), r.reason);
}
