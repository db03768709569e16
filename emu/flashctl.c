/* emu/flashctl.c: FLASHCTL, the flash and OTP controller
 * (docs/hardware.md#flashctl-0x4000_1000): NOR semantics, unlock keys,
 * write-protect ranges, the bootloader fuse, error flags and interrupts,
 * modelled busy time, and power-cut injection. */
#include "periph.h"
#include "flashctl_hw.h"
#include "otp_layout.h"
#include "partitions.h"

#include "flash_store.h"
#include "guest_mem.h"

#include <stdlib.h>
#include <string.h>

#define PROGRAM_NS 16000ull
#define ERASE_NS 1000000ull
#define OTPPROG_NS 50000ull
#define PAGEPROG_NS 400000ull

struct flashctl {
    struct machine *m;
    struct guest_mem *mem;       /* the machine's memory: only written pages cost */
    uint8_t *flash, *otp;
    struct flash_store *store;
    uint32_t cr, sr, addr, data, src, wp_start[FLASHCTL_WP_RANGES], wp_end[FLASHCTL_WP_RANGES];
    bool unlocked, wplocked;
    unsigned key_state;
    uint64_t opcount;
    uint64_t cut_at;       /* opcount at which power is cut, 0: none */
    bool cut_torn;
    struct machine_timer *busy_timer;
};

static void fc_update_irq(struct flashctl *fc)
{
    bool on = ((fc->cr & FLASHCTL_CR_ERRIE) && (fc->sr & FLASHCTL_SR_ERRORS)) ||
              ((fc->cr & FLASHCTL_CR_DONEIE) && (fc->sr & FLASHCTL_SR_DONE));
    machine_irq_set(fc->m, IRQ_FLASHCTL, on);
}

static void fc_done(void *opaque)
{
    struct flashctl *fc = opaque;
    fc->sr = (fc->sr & ~FLASHCTL_SR_BUSY) | FLASHCTL_SR_DONE;
    fc_update_irq(fc);
}

static bool protected(struct flashctl *fc, uint32_t addr)
{
    uint32_t locks;

    memcpy(&locks, fc->otp + OTP_LOCKS_OFFSET, 4);
    if ((locks & OTP_LOCK_BOOTLOADER_WP) && addr < (BOOTLOADER_ADDR + BOOTLOADER_SIZE))
        return true;
    for (unsigned i = 0; i < FLASHCTL_WP_RANGES; i++)
        if (fc->wp_end[i] > fc->wp_start[i] && addr >= fc->wp_start[i] && addr < fc->wp_end[i])
            return true;
    return false;
}

/* The NOR operations; with torn set, the operation is interrupted half way
 * as a power cut would leave it (docs/hardware.md). */
static void do_program(struct flashctl *fc, uint32_t addr, uint32_t data, bool torn)
{
    uint32_t old;

    memcpy(&old, fc->flash + addr, 4);
    if (data & ~old)
        fc->sr |= FLASHCTL_SR_PGERR; /* a 1 where the flash holds 0: NOR cannot */
    if (torn)
        data |= (uint32_t)machine_seeded_u64(fc->m); /* only some bits cleared */
    old &= data;
    memcpy(fc->flash + addr, &old, 4);
    guest_mem_note_written(fc->mem, GUEST_MEM_FLASH_OFF + addr, 4);
}

/* PAGEPROG: 64 words from SRAM, as one operation; torn, it stops part way
 * through the page with the word it was on half programmed. */
static void do_program_page(struct flashctl *fc, uint32_t addr, const uint8_t *src, bool torn)
{
    unsigned words = FLASH_PAGE_SIZE / 4, stop = words;

    if (torn)
        stop = (unsigned)(machine_seeded_u64(fc->m) % words);
    for (unsigned i = 0; i < words && i <= stop; i++) {
        uint32_t data;
        memcpy(&data, src + 4 * i, 4);
        do_program(fc, addr + 4 * i, data, torn && i == stop);
    }
}

static void do_erase(struct flashctl *fc, uint32_t sector, bool torn)
{
    if (!torn) {
        /* Back to the erased template: the sector's memory is freed. */
        guest_mem_discard(fc->mem, GUEST_MEM_FLASH_OFF + sector, FLASH_SECTOR_SIZE);
        return;
    }
    guest_mem_note_written(fc->mem, GUEST_MEM_FLASH_OFF + sector, FLASH_SECTOR_SIZE);
    /* An interrupted erase leaves a seeded subset of words erased. */
    for (uint32_t off = 0; off < FLASH_SECTOR_SIZE; off += 4)
        if (machine_seeded_u64(fc->m) & 1)
            memset(fc->flash + sector + off, 0xFF, 4);
}

static void fc_command(struct flashctl *fc, uint32_t cmd)
{
    uint32_t addr = fc->addr;
    uint64_t busy_ns;
    bool torn;

    if (fc->sr & FLASHCTL_SR_BUSY) {
        fc->sr |= FLASHCTL_SR_LOCKERR;
        machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: command while busy");
        goto out;
    }
    if (!fc->unlocked) {
        fc->sr |= FLASHCTL_SR_LOCKERR;
        machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: command 0x%x while locked", cmd);
        goto out;
    }
    fc->sr &= ~FLASHCTL_SR_DONE;
    if (cmd == FLASHCTL_CMD_OTPPROG) {
        if (addr < OTP_BASE || addr >= OTP_BASE + OTP_SIZE || (addr & 3)) {
            fc->sr |= FLASHCTL_SR_ADDRERR;
            goto out;
        }
        busy_ns = OTPPROG_NS;
    } else if (cmd == FLASHCTL_CMD_PROGRAM || cmd == FLASHCTL_CMD_ERASE || cmd == FLASHCTL_CMD_PAGEPROG) {
        if (addr >= FLASH_SIZE || (cmd == FLASHCTL_CMD_PROGRAM && (addr & 3)) ||
            (cmd == FLASHCTL_CMD_PAGEPROG && (addr & (FLASH_PAGE_SIZE - 1)))) {
            fc->sr |= FLASHCTL_SR_ADDRERR;
            goto out;
        }
        if (cmd == FLASHCTL_CMD_PAGEPROG && !machine_sram_range(fc->m, fc->src, FLASH_PAGE_SIZE)) {
            fc->sr |= FLASHCTL_SR_ADDRERR;
            machine_log(fc->m, MACHINE_LOG_GUEST_ERROR,
                        "flashctl: PAGEPROG source 0x%08x is not 256 bytes of SRAM", fc->src);
            goto out;
        }
        if (protected(fc, addr)) {
            fc->sr |= FLASHCTL_SR_WPERR;
            machine_log(fc->m, MACHINE_LOG_INFO,
                        "flashctl: %s of protected address 0x%08x refused (WPERR)",
                        cmd == FLASHCTL_CMD_ERASE ? "erase" : "program", addr);
            goto out;
        }
        busy_ns = cmd == FLASHCTL_CMD_ERASE ? ERASE_NS : cmd == FLASHCTL_CMD_PAGEPROG ? PAGEPROG_NS : PROGRAM_NS;
    } else {
        machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: unknown command 0x%x", cmd);
        goto out;
    }

    fc->opcount++;
    machine_note_change(fc->m);
    torn = fc->cut_at == fc->opcount && fc->cut_torn;
    if (cmd == FLASHCTL_CMD_OTPPROG) {
        uint32_t old;
        memcpy(&old, fc->otp + (addr - OTP_BASE), 4);
        old |= torn ? fc->data & (uint32_t)machine_seeded_u64(fc->m) : fc->data;
        memcpy(fc->otp + (addr - OTP_BASE), &old, 4);
        guest_mem_note_written(fc->mem, GUEST_MEM_OTP_OFF + (addr - OTP_BASE), 4);
    } else if (cmd == FLASHCTL_CMD_PROGRAM) {
        do_program(fc, addr, fc->data, torn);
        machine_code_changed(fc->m, addr, 4);
    } else if (cmd == FLASHCTL_CMD_PAGEPROG) {
        do_program_page(fc, addr, machine_sram_range(fc->m, fc->src, FLASH_PAGE_SIZE), torn);
        machine_code_changed(fc->m, addr, FLASH_PAGE_SIZE);
    } else {
        uint32_t sector = addr & ~(FLASH_SECTOR_SIZE - 1);
        do_erase(fc, sector, torn);
        machine_code_changed(fc->m, sector, FLASH_SECTOR_SIZE);
    }
    flash_store_mark_dirty(fc->store);
    fc->sr |= FLASHCTL_SR_BUSY;
    machine_timer_arm(fc->busy_timer, machine_now_ns(fc->m) + busy_ns);
    if (fc->cut_at == fc->opcount) {
        g_autofree char *why = g_strdup_printf("power cut %s flash operation %llu (injected)",
                                               torn ? "during" : "after",
                                               (unsigned long long)fc->opcount);
        fc->cut_at = 0;
        machine_power_cut_now(fc->m, why);
    }
out:
    fc_update_irq(fc);
}

/* Flash and OTP come from the lamp's state directory (machine_config). */
static void *flashctl_new(struct machine *m, GError **error)
{
    struct flashctl *fc = g_new0(struct flashctl, 1);

    fc->m = m;
    fc->mem = machine_memory(m);
    fc->flash = guest_mem_flash(fc->mem);
    fc->otp = guest_mem_otp(fc->mem);
    fc->store = flash_store_open(machine_config(m)->state_dir, fc->mem, error);
    if (!fc->store) {
        g_free(fc);
        return NULL;
    }
    fc->busy_timer = machine_timer_new(m, fc_done, fc);
    return fc;
}

uint64_t flashctl_op_count(void *opaque) { return ((struct flashctl *)opaque)->opcount; }

bool flashctl_page_has_data(void *opaque, uint32_t addr)
{
    return guest_mem_page_written(((struct flashctl *)opaque)->mem, GUEST_MEM_FLASH_OFF + addr);
}

void flashctl_trim(void *opaque)
{
    guest_mem_trim(((struct flashctl *)opaque)->mem);
}

uint32_t flashctl_variant(void *opaque)
{
    return flash_store_variant(((struct flashctl *)opaque)->store);
}

bool flashctl_sync(void *opaque, GError **error)
{
    return flash_store_sync(((struct flashctl *)opaque)->store, error);
}

void flashctl_inject_power_cut(void *opaque, uint64_t nth_op, bool torn)
{
    struct flashctl *fc = opaque;
    fc->cut_at = nth_op ? fc->opcount + nth_op : 0;
    fc->cut_torn = torn;
}

bool flashctl_factory_write(void *opaque, uint32_t addr, const void *buf, size_t len,
                            GError **error)
{
    struct flashctl *fc = opaque;

    if ((uint64_t)addr + len <= FLASH_SIZE) {
        memcpy(fc->flash + addr, buf, len);
        guest_mem_note_written(fc->mem, GUEST_MEM_FLASH_OFF + addr, len);
    } else if (addr >= OTP_BASE && (uint64_t)addr + len <= OTP_BASE + OTP_SIZE) {
        memcpy(fc->otp + (addr - OTP_BASE), buf, len);
        guest_mem_note_written(fc->mem, GUEST_MEM_OTP_OFF + (addr - OTP_BASE), len);
    } else {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "factory write of %zu bytes at 0x%08x is outside flash and OTP", len, addr);
        return false;
    }
    flash_store_mark_dirty(fc->store);
    return true;
}

/* The debug port's flash loader (debug_mem.c): what the commands would
 * do, with the same protection and NOR rules, but no registers, busy time
 * or interrupt (the core is halted). */
static bool debug_writable(struct flashctl *fc, uint32_t addr, uint32_t len, const char *what,
                           GError **error)
{
    if ((uint64_t)addr + len > FLASH_SIZE) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "flash %s of %u bytes at 0x%08x: past the end of flash (%u KiB)", what, len,
                    addr, FLASH_SIZE / 1024);
        return false;
    }
    for (uint32_t a = addr & ~(FLASH_SECTOR_SIZE - 1); a < addr + len; a += FLASH_SECTOR_SIZE)
        if (protected(fc, MAX(a, addr))) {
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                        "flash %s at 0x%08x: the sector is write-protected (%s)", what,
                        MAX(a, addr),
                        MAX(a, addr) < BOOTLOADER_ADDR + BOOTLOADER_SIZE
                            ? "the bootloader's, under the OTP BOOTLOADER_WP fuse"
                            : "a FLASHCTL WP range");
            return false;
        }
    return true;
}

bool flashctl_debug_erase(void *opaque, uint32_t addr, uint32_t len, GError **error)
{
    struct flashctl *fc = opaque;

    if ((addr | len) & (FLASH_SECTOR_SIZE - 1)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "flash erase of %u bytes at 0x%08x: NOR flash erases whole %u-byte sectors",
                    len, addr, FLASH_SECTOR_SIZE);
        return false;
    }
    if (!debug_writable(fc, addr, len, "erase", error))
        return false;
    for (uint32_t a = addr; a < addr + len; a += FLASH_SECTOR_SIZE)
        do_erase(fc, a, false);
    return true;
}

bool flashctl_debug_program(void *opaque, uint32_t addr, const uint8_t *buf, size_t len,
                            GError **error)
{
    struct flashctl *fc = opaque;

    if (len > FLASH_SIZE || !debug_writable(fc, addr, (uint32_t)len, "program", error))
        return false;
    for (size_t i = 0; i < len; i++)
        if (buf[i] & ~fc->flash[addr + i]) {
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                        "flash program at 0x%08zx: 0x%02x over 0x%02x would need a 0 bit "
                        "made 1, which only an erase does (NOR flash)",
                        addr + i, buf[i], fc->flash[addr + i]);
            return false;
        }
    for (size_t i = 0; i < len; i++)
        fc->flash[addr + i] &= buf[i];
    guest_mem_note_written(fc->mem, GUEST_MEM_FLASH_OFF + addr, len);
    return true;
}

static uint32_t flashctl_read(void *opaque, uint32_t offset, unsigned size)
{
    struct flashctl *fc = opaque;

    switch (offset) {
    case FLASHCTL_REG_CR: return fc->cr | (fc->unlocked ? 0 : FLASHCTL_CR_LOCK);
    case FLASHCTL_REG_SR: return fc->sr;
    case FLASHCTL_REG_KEY: case FLASHCTL_REG_CMD: return 0;
    case FLASHCTL_REG_ADDR: return fc->addr;
    case FLASHCTL_REG_DATA: return fc->data;
    case FLASHCTL_REG_SRC: return fc->src;
    case FLASHCTL_REG_WPLOCK: return fc->wplocked;
    case FLASHCTL_REG_OPCOUNT: return (uint32_t)fc->opcount;
    }
    if (offset >= FLASHCTL_REG_WP && offset < FLASHCTL_REG_WPSTART(FLASHCTL_WP_RANGES))
        return (offset & 4) ? fc->wp_end[(offset - FLASHCTL_REG_WP) / 8] : fc->wp_start[(offset - FLASHCTL_REG_WP) / 8];
    machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: read of 0x%03x", offset);
    return 0;
}

static void flashctl_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct flashctl *fc = opaque;

    switch (offset) {
    case FLASHCTL_REG_CR:
        fc->cr = value & (FLASHCTL_CR_ERRIE | FLASHCTL_CR_DONEIE);
        if (value & FLASHCTL_CR_LOCK)
            fc->unlocked = false;
        fc_update_irq(fc);
        return;
    case FLASHCTL_REG_SR:
        fc->sr &= ~(value & (FLASHCTL_SR_DONE | FLASHCTL_SR_ERRORS));
        fc_update_irq(fc);
        return;
    case FLASHCTL_REG_KEY:
        if (fc->key_state == 0 && value == FLASHCTL_KEY1) {
            fc->key_state = 1;
        } else if (fc->key_state == 1 && value == FLASHCTL_KEY2) {
            fc->unlocked = true;
            fc->key_state = 0;
        } else {
            machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: wrong unlock sequence");
            fc->key_state = 0;
        }
        return;
    case FLASHCTL_REG_ADDR: fc->addr = value; return;
    case FLASHCTL_REG_DATA: fc->data = value; return;
    case FLASHCTL_REG_SRC: fc->src = value; return;
    case FLASHCTL_REG_CMD: fc_command(fc, value); return;
    case FLASHCTL_REG_WPLOCK:
        if (value & 1)
            fc->wplocked = true;
        return;
    }
    if (offset >= FLASHCTL_REG_WP && offset < FLASHCTL_REG_WPSTART(FLASHCTL_WP_RANGES)) {
        if (fc->wplocked) {
            machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: write-protect ranges are locked");
            return;
        }
        value &= ~(FLASH_SECTOR_SIZE - 1);
        if (offset & 4)
            fc->wp_end[(offset - FLASHCTL_REG_WP) / 8] = value;
        else
            fc->wp_start[(offset - FLASHCTL_REG_WP) / 8] = value;
        return;
    }
    machine_log(fc->m, MACHINE_LOG_GUEST_ERROR, "flashctl: write to 0x%03x", offset);
}

static void flashctl_reset(void *opaque, uint32_t cause)
{
    struct flashctl *fc = opaque;

    fc->cr = fc->sr = fc->addr = fc->data = fc->src = 0;
    memset(fc->wp_start, 0, sizeof(fc->wp_start));
    memset(fc->wp_end, 0, sizeof(fc->wp_end));
    fc->unlocked = fc->wplocked = false;
    fc->key_state = 0;
    if (cause & MACHINE_RESET_POR)
        fc->opcount = 0;
    machine_timer_cancel(fc->busy_timer);
    fc_update_irq(fc);
}

static void flashctl_free(void *opaque)
{
    struct flashctl *fc = opaque;
    flash_store_close(fc->store);
    machine_timer_free(fc->busy_timer);
    g_free(fc);
}

const struct periph_ops flashctl_ops = {
    .create = flashctl_new,
    .name = "flashctl", .read = flashctl_read, .write = flashctl_write,
    .reset = flashctl_reset, .free = flashctl_free,
};
