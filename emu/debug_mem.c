/* emu/debug_mem.c: memory as the debug port sees it: through the bus, as a
 * DAP's AHB-AP does, so the MPU does not apply; flash written only through
 * FLASHCTL's rules; peripheral registers whose read changes the device
 * left unread. */
#include "debug_internal.h"
#include "rng_hw.h"
#include "rtc_hw.h"
#include "uart_hw.h"

#include <string.h>

/* The registers a read changes (a FIFO popped, a value consumed, a flag
 * cleared, a latch taken): a debugger's view must never change the lamp,
 * so they read as 0 and are reported.  The one table of them. */
static const struct side_effect_reg {
    uint32_t addr;
    const char *why;
} side_effect_regs[] = {
    { UART0_BASE + UART_REG_DR, "UART DR pops the receive FIFO" },
    { RNG_BASE + RNG_REG_DR, "RNG DR consumes a random word" },
    { RTC_BASE + RTC_REG_SECONDS, "RTC SECONDS latches SUBSEC" },
    { SCS_BASE + SYST_REG_CSR, "SYST_CSR clears COUNTFLAG" },
};

static bool has_read_side_effect(uint32_t word)
{
    for (size_t i = 0; i < G_N_ELEMENTS(side_effect_regs); i++)
        if (side_effect_regs[i].addr == word)
            return true;
    return false;
}

/* The machine's memory (flash, SRAM, OTP) holding [addr, addr + len), or
 * NULL. */
static uint8_t *plain_memory(struct machine *m, uint32_t addr, size_t len)
{
    uint64_t end = (uint64_t)addr + len;

    if (end <= FLASH_SIZE)
        return m->flash + addr;
    if (addr >= SRAM_BASE && end <= (uint64_t)SRAM_BASE + SRAM_SIZE)
        return m->sram + (addr - SRAM_BASE);
    if (addr >= OTP_BASE && end <= (uint64_t)OTP_BASE + OTP_SIZE)
        return m->otp + (addr - OTP_BASE);
    return NULL;
}

/* How many bytes from addr lie in the same region (plain memory, one
 * peripheral window, the SCS), or 0 where nothing answers. */
static size_t region_left(struct machine *m, uint32_t addr)
{
    if (addr < FLASH_SIZE)
        return FLASH_SIZE - addr;
    if (addr >= SRAM_BASE && addr - SRAM_BASE < SRAM_SIZE)
        return SRAM_BASE + SRAM_SIZE - addr;
    if (addr >= OTP_BASE && addr - OTP_BASE < OTP_SIZE)
        return OTP_BASE + OTP_SIZE - addr;
    if (addr >= SCS_BASE && addr - SCS_BASE < SCS_SIZE)
        return SCS_BASE + SCS_SIZE - addr;
    if (addr >= PERIPH_BASE && addr - PERIPH_BASE < PERIPH_WINDOWS * PERIPH_WINDOW &&
        m->window[(addr - PERIPH_BASE) / PERIPH_WINDOW])
        return PERIPH_WINDOW - (addr - PERIPH_BASE) % PERIPH_WINDOW;
    return 0;
}

/* A register word as the bus reads it, false when its read has side
 * effects (left unread). */
static bool register_word(struct machine *m, uint32_t word, uint32_t *v)
{
    if (has_read_side_effect(word))
        return false;
    if (word >= SCS_BASE) {
        bool handled = false;
        *v = scs_read_reg(m, word - SCS_BASE, &handled);
        if (!handled)
            *v = 0;
        return true;
    }
    struct periph_slot *p = m->window[(word - PERIPH_BASE) / PERIPH_WINDOW];
    *v = p->ops->read(p->opaque, (word - PERIPH_BASE) % PERIPH_WINDOW, 4);
    return true;
}

static bool no_bus(uint32_t addr, size_t len, const char *what, GError **error)
{
    g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                "debug %s of %zu bytes at 0x%08x: nothing on the bus answers at 0x%08x", what,
                len, addr, addr);
    return false;
}

bool debug_port_read(struct machine *m, uint32_t addr, void *buf, size_t len,
                     bool *side_effects, GError **error)
{
    uint8_t *out = buf;

    if (side_effects)
        *side_effects = false;
    while (len) {
        size_t n = MIN(len, region_left(m, addr));
        uint8_t *mem = n ? plain_memory(m, addr, n) : NULL;

        if (!n)
            return no_bus(addr, len, "read", error);
        if (mem) {
            memcpy(out, mem, n);
        } else {
            /* registers a word at a time, the bytes asked taken from it */
            for (size_t i = 0; i < n;) {
                uint32_t a = addr + (uint32_t)i, word = a & ~3u, v = 0;
                size_t k = MIN(n - i, 4 - (a & 3));
                if (!register_word(m, word, &v) && side_effects)
                    *side_effects = true;
                for (size_t j = 0; j < k; j++)
                    out[i + j] = (uint8_t)(v >> (8 * ((a & 3) + j)));
                i += k;
            }
        }
        out += n;
        addr += (uint32_t)n;
        len -= n;
    }
    return true;
}

static void write_register(struct machine *m, uint32_t addr, uint32_t v, unsigned size)
{
    if (addr >= SCS_BASE) {
        uint32_t off = addr - SCS_BASE;
        if (!scs_write_reg(m, off, v))
            machine_log(m, MACHINE_LOG_GUEST_ERROR, "debug port: write of unknown SCS "
                        "register 0x%03x", off);
        return;
    }
    struct periph_slot *p = m->window[(addr - PERIPH_BASE) / PERIPH_WINDOW];
    p->ops->write(p->opaque, (addr - PERIPH_BASE) % PERIPH_WINDOW, v, size);
}

bool debug_port_write(struct machine *m, uint32_t addr, const void *buf, size_t len,
                      GError **error)
{
    const uint8_t *in = buf;

    debug_note_write(m, "memory");
    while (len) {
        size_t n = MIN(len, region_left(m, addr));

        if (!n)
            return no_bus(addr, len, "write", error);
        if (addr < FLASH_SIZE || (addr >= OTP_BASE && addr - OTP_BASE < OTP_SIZE)) {
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                        "debug write at 0x%08x: %s is not written by stores (flash: erase "
                        "and program it through FLASHCTL; OTP: the factory's)", addr,
                        addr < FLASH_SIZE ? "flash" : "OTP");
            return false;
        }
        uint8_t *mem = plain_memory(m, addr, n);
        if (mem) {
            memcpy(mem, in, n);
            /* code translated from these bytes is stale (the SRAM code
             * hook decodes sites as it runs: nothing to rescan) */
            core_enter(m->core, m);
            uc_ctl_remove_cache(m->core->uc, addr, (uint64_t)addr + n);
            m->core->tlb_owner = NULL;
        } else {
            /* registers: words when aligned, else bytes */
            for (size_t i = 0; i < n;) {
                uint32_t a = addr + (uint32_t)i, v = 0;
                unsigned size = ((a & 3) == 0 && n - i >= 4) ? 4 : 1;
                memcpy(&v, in + i, size);
                write_register(m, a, v, size);
                i += size;
            }
            machine_stop_cpu(m);
        }
        in += n;
        addr += (uint32_t)n;
        len -= n;
    }
    return true;
}

static bool flash_loader_ready(struct machine *m, const char *what, GError **error)
{
    if (!debug_port_attached(m) || m->state != MACHINE_HALTED) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "flash %s: the core must be halted by the debug port first", what);
        return false;
    }
    return true;
}

bool debug_port_flash_erase(struct machine *m, uint32_t addr, uint32_t len, GError **error)
{
    if (!flash_loader_ready(m, "erase", error))
        return false;
    debug_note_write(m, "flash");
    if (!flashctl_debug_erase(m->flashctl, addr, len, error))
        return false;
    machine_code_changed(m, addr, len);
    machine_note_change(m);
    return true;
}

bool debug_port_flash_program(struct machine *m, uint32_t addr, const void *buf, size_t len,
                              GError **error)
{
    if (!flash_loader_ready(m, "program", error))
        return false;
    debug_note_write(m, "flash");
    if (!flashctl_debug_program(m->flashctl, addr, buf, len, error))
        return false;
    machine_code_changed(m, addr, (uint32_t)len);
    machine_note_change(m);
    return true;
}
