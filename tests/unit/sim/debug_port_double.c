/* tests/unit/sim/debug_port_double.c: see debug_port_double.h. */
#include "debug_port_double.h"

#include "memory_map.h"

#include <string.h>

struct debug_port_double port_double;

void port_double_reset(uint32_t pc)
{
    memset(&port_double, 0, sizeof(port_double));
    port_double.stop.reason = DEBUG_HALTED;
    port_double.stop.pc = pc;
    for (int r = 0; r < DEBUG_REGS; r++)
        port_double.regs[r] = (uint32_t)r * 0x01010101u;
    port_double.regs[DEBUG_REG_PC] = pc;
    for (unsigned i = 0; i < DOUBLE_RAM; i++)
        port_double.ram[i] = (uint8_t)i;
    memset(port_double.flash, 0xff, sizeof(port_double.flash));
}

static bool halted(void)
{
    return port_double.stop.reason != DEBUG_RUNNING && port_double.stop.reason != DEBUG_POWER_OFF;
}

GQuark machine_error_quark(void) { return g_quark_from_static_string("machine-error"); }

bool debug_port_attach(struct machine *m, GError **error)
{
    if (port_double.locked) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                    "the OTP DEBUG_LOCK fuse is blown: the debug port does not answer");
        return false;
    }
    return true;
}
void debug_port_detach(struct machine *m) {}
bool debug_port_attached(const struct machine *m) { return true; }

void debug_port_halt(struct machine *m)
{
    if (port_double.stop.reason == DEBUG_RUNNING)
        port_double.stop.reason = DEBUG_HALTED;
}

void debug_port_resume(struct machine *m)
{
    port_double.resumes++;
    port_double.stop.reason = DEBUG_RUNNING;
}

void debug_port_step(struct machine *m)
{
    port_double.steps++;
    port_double.stop.reason = DEBUG_RUNNING;
}

void debug_port_stop(const struct machine *m, struct debug_stop *out) { *out = port_double.stop; }

bool debug_port_read_reg(struct machine *m, enum debug_reg reg, uint32_t *v)
{
    if (!halted() || (unsigned)reg >= DEBUG_REGS)
        return false;
    *v = port_double.regs[reg];
    return true;
}

bool debug_port_write_reg(struct machine *m, enum debug_reg reg, uint32_t v)
{
    if (!halted() || (unsigned)reg >= DEBUG_REGS)
        return false;
    port_double.regs[reg] = v;
    return true;
}

static uint8_t *ram_at(uint32_t addr, size_t len)
{
    if (addr < SRAM_BASE || addr - SRAM_BASE > DOUBLE_RAM || len > DOUBLE_RAM - (addr - SRAM_BASE))
        return NULL;
    return port_double.ram + (addr - SRAM_BASE);
}

bool debug_port_read(struct machine *m, uint32_t addr, void *buf, size_t len,
                     bool *side_effects, GError **error)
{
    uint8_t *p = ram_at(addr, len);

    if (!p) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT, "nothing at 0x%08x", addr);
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

bool debug_port_write(struct machine *m, uint32_t addr, const void *buf, size_t len,
                      GError **error)
{
    uint8_t *p = ram_at(addr, len);

    if (!p) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT, "nothing at 0x%08x", addr);
        return false;
    }
    memcpy(p, buf, len);
    return true;
}

/* NOR: whole sectors erase to 0xFF, programming only clears bits. */
bool debug_port_flash_erase(struct machine *m, uint32_t addr, uint32_t len, GError **error)
{
    if (addr % FLASH_SECTOR_SIZE || len % FLASH_SECTOR_SIZE ||
        addr + len > sizeof(port_double.flash)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "erase 0x%08x+0x%x: not whole sectors of the double's flash", addr, len);
        return false;
    }
    memset(port_double.flash + addr, 0xff, len);
    return true;
}

bool debug_port_flash_program(struct machine *m, uint32_t addr, const void *buf, size_t len,
                              GError **error)
{
    const uint8_t *b = buf;

    if (addr + len > sizeof(port_double.flash)) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT, "program 0x%08x: outside",
                    addr);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (b[i] & ~port_double.flash[addr + i]) {
            g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_REFUSED,
                        "program 0x%08zx: a 0 bit cannot become 1 without an erase", addr + i);
            return false;
        }
        port_double.flash[addr + i] &= b[i];
    }
    return true;
}

bool debug_port_set_breakpoint(struct machine *m, uint32_t addr, GError **error)
{
    port_double.breakpoints++;
    return true;
}

void debug_port_clear_breakpoint(struct machine *m, uint32_t addr) { port_double.breakpoints--; }
unsigned debug_port_breakpoints(const struct machine *m) { return port_double.breakpoints; }

bool debug_port_set_watchpoint(struct machine *m, uint32_t addr, uint32_t len,
                               enum debug_watch_kind kind, GError **error)
{
    port_double.watchpoints++;
    return true;
}

void debug_port_clear_watchpoint(struct machine *m, uint32_t addr, uint32_t len,
                                 enum debug_watch_kind kind)
{
    port_double.watchpoints--;
}

unsigned debug_port_watchpoints(const struct machine *m) { return port_double.watchpoints; }

void debug_port_reset(struct machine *m, bool halt)
{
    port_double.resets++;
    port_double.stop.reason = halt ? DEBUG_RESET : DEBUG_RUNNING;
}

void debug_port_set_halt_on_reset(struct machine *m, bool on) {}
void debug_port_set_halt_on_fault(struct machine *m, bool on) {}

uint64_t machine_now_ns(struct machine *m) { return port_double.now_ns; }

void machine_get_stats(const struct machine *m, struct machine_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->instructions = port_double.instructions;
}
