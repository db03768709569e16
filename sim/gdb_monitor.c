/* sim/gdb_monitor.c: the monitor commands (see gdb_monitor.h).  Every
 * register is read through the debug port, as a debugger on the real
 * part reads it over the bus: addresses and fields from firmware/include. */
#include "gdb_monitor.h"

#include "debug_port.h"
#include "memory_map.h"
#include "otp_layout.h"
#include "scs_hw.h"

#include <string.h>

struct bit_name {
    uint32_t bit;
    const char *name;
    const char *meaning;
};

static bool read_word(struct machine *m, uint32_t addr, uint32_t *v, GString *out)
{
    g_autoptr(GError) error = NULL;
    uint8_t b[4];

    if (!debug_port_read(m, addr, b, sizeof(b), NULL, &error)) {
        g_string_append_printf(out, "cannot read 0x%08x: %s\n", addr, error->message);
        return false;
    }
    *v = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

static bool write_word(struct machine *m, uint32_t addr, uint32_t v, GString *out)
{
    g_autoptr(GError) error = NULL;
    uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

    if (!debug_port_write(m, addr, b, sizeof(b), &error)) {
        g_string_append_printf(out, "cannot write 0x%08x: %s\n", addr, error->message);
        return false;
    }
    return true;
}

static void decode_bits(GString *out, const char *reg, uint32_t v, const struct bit_name *bits,
                        size_t n)
{
    g_string_append_printf(out, "%-6s 0x%08x", reg, v);
    if (!v)
        g_string_append(out, " (none)");
    g_string_append_c(out, '\n');
    for (size_t i = 0; i < n; i++)
        if (v & bits[i].bit)
            g_string_append_printf(out, "  %-11s %s\n", bits[i].name, bits[i].meaning);
}

/* CFSR/HFSR (ARMv7-M B3.2.15, B3.2.16) and the fault addresses. */
static void cmd_fault(struct machine *m, GString *out)
{
    static const struct bit_name cfsr_bits[] = {
        { CFSR_IACCVIOL, "IACCVIOL", "MemManage: instruction fetch from a forbidden region" },
        { CFSR_DACCVIOL, "DACCVIOL", "MemManage: data access to a forbidden region" },
        { CFSR_MUNSTKERR, "MUNSTKERR", "MemManage: unstacking on exception return" },
        { CFSR_MSTKERR, "MSTKERR", "MemManage: stacking on exception entry" },
        { CFSR_MMARVALID, "MMARVALID", "MMFAR holds the faulting address" },
        { CFSR_IBUSERR, "IBUSERR", "BusFault: instruction fetch" },
        { CFSR_PRECISERR, "PRECISERR", "BusFault: precise data access" },
        { CFSR_UNSTKERR, "UNSTKERR", "BusFault: unstacking on exception return" },
        { CFSR_STKERR, "STKERR", "BusFault: stacking on exception entry" },
        { CFSR_BFARVALID, "BFARVALID", "BFAR holds the faulting address" },
        { CFSR_UNDEFINSTR, "UNDEFINSTR", "UsageFault: undefined instruction" },
        { CFSR_INVSTATE, "INVSTATE", "UsageFault: invalid state (Thumb bit clear)" },
        { CFSR_INVPC, "INVPC", "UsageFault: invalid EXC_RETURN on exception return" },
        { CFSR_NOCP, "NOCP", "UsageFault: coprocessor disabled or absent" },
        { CFSR_UNALIGNED, "UNALIGNED", "UsageFault: unaligned access (CCR.UNALIGN_TRP)" },
        { CFSR_DIVBYZERO, "DIVBYZERO", "UsageFault: division by zero (CCR.DIV_0_TRP)" },
    };
    static const struct bit_name hfsr_bits[] = {
        { HFSR_VECTTBL, "VECTTBL", "vector table read on exception entry failed" },
        { HFSR_FORCED, "FORCED", "a configurable fault escalated (disabled or priority)" },
    };
    uint32_t cfsr, hfsr, mmfar, bfar;

    if (!read_word(m, SCS_BASE + SCB_REG_CFSR, &cfsr, out) ||
        !read_word(m, SCS_BASE + SCB_REG_HFSR, &hfsr, out) ||
        !read_word(m, SCS_BASE + SCB_REG_MMFAR, &mmfar, out) ||
        !read_word(m, SCS_BASE + SCB_REG_BFAR, &bfar, out))
        return;
    decode_bits(out, "CFSR", cfsr, cfsr_bits, G_N_ELEMENTS(cfsr_bits));
    decode_bits(out, "HFSR", hfsr, hfsr_bits, G_N_ELEMENTS(hfsr_bits));
    g_string_append_printf(out, "MMFAR  0x%08x%s\n", mmfar,
                           cfsr & CFSR_MMARVALID ? "" : " (not valid: MMARVALID clear)");
    g_string_append_printf(out, "BFAR   0x%08x%s\n", bfar,
                           cfsr & CFSR_BFARVALID ? "" : " (not valid: BFARVALID clear)");
}

/* AP (B3.5.9, table B3-15): privileged / unprivileged. */
static const char *ap_name(unsigned ap)
{
    switch (ap) {
    case MPU_AP_NONE: return "priv none, user none";
    case MPU_AP_PRIV_RW: return "priv RW, user none";
    case MPU_AP_PRIV_RW_USER_RO: return "priv RW, user RO";
    case MPU_AP_RW: return "priv RW, user RW";
    case MPU_AP_PRIV_RO: return "priv RO, user none";
    case MPU_AP_RO: case MPU_AP_RO_ALT: return "priv RO, user RO";
    default: return "reserved";
    }
}

static void format_size(char *buf, size_t n, uint64_t size)
{
    if (size >= 1024 * 1024 && size % (1024 * 1024) == 0)
        g_snprintf(buf, n, "%" G_GUINT64_FORMAT " MiB", size / (1024 * 1024));
    else if (size >= 1024 && size % 1024 == 0)
        g_snprintf(buf, n, "%" G_GUINT64_FORMAT " KiB", size / 1024);
    else
        g_snprintf(buf, n, "%" G_GUINT64_FORMAT " B", size);
}

/* The PMSAv7 regions (B3.5).  RBAR and RASR show the region RNR selects,
 * so RNR is walked and then put back as the firmware left it. */
static void cmd_mpu(struct machine *m, GString *out)
{
    uint32_t ctrl, rnr, rbar, rasr;

    if (!read_word(m, SCS_BASE + MPU_REG_CTRL, &ctrl, out) ||
        !read_word(m, SCS_BASE + MPU_REG_RNR, &rnr, out))
        return;
    g_string_append_printf(out, "MPU %s%s%s\n", ctrl & MPU_CTRL_ENABLE ? "enabled" : "disabled",
                           ctrl & MPU_CTRL_PRIVDEFENA ? ", PRIVDEFENA (privileged code "
                                                        "gets the default map elsewhere)" : "",
                           ctrl & MPU_CTRL_HFNMIENA ? ", HFNMIENA" : "");
    for (uint32_t r = 0; r < MPU_REGIONS; r++) {
        unsigned size_log2, srd, ap;
        uint64_t size;
        char sz[32];

        if (!write_word(m, SCS_BASE + MPU_REG_RNR, r, out) ||
            !read_word(m, SCS_BASE + MPU_REG_RBAR, &rbar, out) ||
            !read_word(m, SCS_BASE + MPU_REG_RASR, &rasr, out))
            break;
        if (!(rasr & MPU_RASR_ENABLE)) {
            g_string_append_printf(out, "region %u: disabled\n", r);
            continue;
        }
        size_log2 = ((rasr >> MPU_RASR_SIZE_SHIFT) & MPU_RASR_SIZE_MASK) + 1;
        size = 1ull << size_log2;
        srd = (rasr >> MPU_RASR_SRD_SHIFT) & MPU_RASR_SRD_MASK;
        ap = (rasr >> MPU_RASR_AP_SHIFT) & MPU_RASR_AP_MASK;
        format_size(sz, sizeof(sz), size);
        g_string_append_printf(out, "region %u: base 0x%08x size %s (0x%08x-0x%08x) %s%s",
                               r, rbar & ~(uint32_t)(size - 1) & ~0x1Fu, sz,
                               rbar & ~(uint32_t)(size - 1) & ~0x1Fu,
                               (uint32_t)((rbar & ~(uint32_t)(size - 1) & ~0x1Fu) + size - 1),
                               ap_name(ap), rasr & MPU_RASR_XN ? ", XN" : ", executable");
        if (srd && size_log2 >= 8) {
            g_string_append(out, ", subregions disabled:");
            for (unsigned i = 0; i < 8; i++)
                if (srd & (1u << i))
                    g_string_append_printf(out, " %u", i);
        } else if (srd) {
            g_string_append(out, ", SRD set but ignored (region under 256 B)");
        }
        g_string_append_c(out, '\n');
    }
    write_word(m, SCS_BASE + MPU_REG_RNR, rnr, out);
}

/* The OTP fuses (otp_layout.h, docs/formats.md#otp-fuses-as-provisioned). */
static void cmd_fuses(struct machine *m, GString *out)
{
    g_autoptr(GError) error = NULL;
    uint8_t otp[OTP_EPOCH_OFFSET + OTP_EPOCH_WORDS * 4];
    uint32_t locks, epoch = 0;
    char serial[OTP_SERIAL_SIZE + 1] = { 0 };

    if (!debug_port_read(m, OTP_BASE, otp, sizeof(otp), NULL, &error)) {
        g_string_append_printf(out, "cannot read OTP at 0x%08x: %s\n", OTP_BASE, error->message);
        return;
    }
    memcpy(&locks, otp + OTP_LOCKS_OFFSET, sizeof(locks));
    locks = GUINT32_FROM_LE(locks);
    g_string_append_printf(out, "LOCKS  0x%08x\n", locks);
    g_string_append_printf(out, "  DEBUG_LOCK    %s\n", locks & OTP_LOCK_DEBUG ?
                           "blown (SWD/JTAG off; you could not be reading this)" : "intact");
    g_string_append_printf(out, "  BOOT_LOCK     %s\n", locks & OTP_LOCK_BOOT ?
                           "blown (no external boot, no DFU)" : "intact (external boot allowed)");
    g_string_append_printf(out, "  BOOTLOADER_WP %s\n", locks & OTP_LOCK_BOOTLOADER_WP ?
                           "blown (bootloader sectors write-protected)" : "intact");
    memcpy(serial, otp + OTP_SERIAL_OFFSET, OTP_SERIAL_SIZE);
    g_string_append_printf(out, "serial %s\n", serial[0] ? serial : "(none)");
    /* a thermometer code: consecutive 1 bits from bit 0 */
    for (unsigned bit = 0; bit < OTP_EPOCH_BITS; bit++) {
        if (!(otp[OTP_EPOCH_OFFSET + bit / 8] & (1u << (bit % 8))))
            break;
        epoch++;
    }
    g_string_append_printf(out, "epoch  %u (of %u)\n", epoch, OTP_EPOCH_BITS);
}

static const char *stop_name(enum debug_stop_reason r)
{
    switch (r) {
    case DEBUG_RUNNING: return "running";
    case DEBUG_HALTED: return "halted (debugger request)";
    case DEBUG_STEPPED: return "halted (single step)";
    case DEBUG_BREAKPOINT: return "halted (breakpoint)";
    case DEBUG_WATCHPOINT: return "halted (watchpoint)";
    case DEBUG_RESET: return "halted (at the reset vector)";
    case DEBUG_FAULT: return "halted (fault exception entry)";
    case DEBUG_LOCKUP: return "halted (core locked up)";
    case DEBUG_POWER_OFF: return "powered off";
    }
    return "?";
}

static void cmd_status(struct machine *m, GString *out)
{
    struct debug_stop stop;
    struct machine_stats stats;
    uint64_t ns = machine_now_ns(m);
    unsigned bps = debug_port_breakpoints(m), wps = debug_port_watchpoints(m);

    debug_port_stop(m, &stop);
    machine_get_stats(m, &stats);
    g_string_append_printf(out, "state        %s\n", stop_name(stop.reason));
    if (stop.reason != DEBUG_RUNNING && stop.reason != DEBUG_POWER_OFF)
        g_string_append_printf(out, "pc           0x%08x\n", stop.pc);
    g_string_append_printf(out, "instructions %" G_GUINT64_FORMAT "\n", stats.instructions);
    g_string_append_printf(out, "virtual time %" G_GUINT64_FORMAT ".%09u s (stands still "
                           "while halted)\n", ns / 1000000000u, (unsigned)(ns % 1000000000u));
    g_string_append_printf(out, "breakpoints  %u in use; a real FPB has %u code comparators%s\n",
                           bps, DEBUG_FPB_CODE_COMPARATORS,
                           bps > DEBUG_FPB_CODE_COMPARATORS ? " (more than hardware allows)"
                                                            : "");
    g_string_append_printf(out, "watchpoints  %u in use; a real DWT has %u comparators%s\n",
                           wps, DEBUG_DWT_COMPARATORS,
                           wps > DEBUG_DWT_COMPARATORS ? " (more than hardware allows)" : "");
}

static const char help_text[] =
    "monitor commands:\n"
    "  reset [halt]  system reset (AIRCR.SYSRESETREQ); with halt, stop at the reset\n"
    "                vector (then `maintenance flush register-cache`)\n"
    "  halt          halt the core now\n"
    "  fuses         OTP lock fuses decoded, serial, security epoch\n"
    "  mpu           the MPU's regions decoded: base, size, subregions, AP, XN\n"
    "  fault         CFSR, HFSR, MMFAR and BFAR decoded bit by bit\n"
    "  status        core state, pc, instructions, virtual time, breakpoints and\n"
    "                watchpoints in use against a real FPB/DWT\n"
    "  help          this text\n";

void gdb_monitor_command(struct machine *m, const char *line, GString *out)
{
    g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
    const char *w[3] = { NULL, NULL, NULL };
    size_t n = 0;

    for (char **p = words; *p && n < G_N_ELEMENTS(w); p++)
        if (**p)
            w[n++] = *p;
    if (n == 0 || !strcmp(w[0], "help")) {
        g_string_append(out, help_text);
    } else if (!strcmp(w[0], "reset") && (n == 1 || (n == 2 && !strcmp(w[1], "halt")))) {
        struct debug_stop stop;

        debug_port_reset(m, n == 2);
        debug_port_stop(m, &stop);
        if (stop.reason == DEBUG_RUNNING)
            g_string_append(out, "reset; the lamp is running (GDB still shows where it "
                                 "stopped: interrupt it or `continue`)\n");
        else
            g_string_printf(out, "reset; halted at 0x%08x, the reset vector (`maintenance "
                            "flush register-cache` drops GDB's cached registers)\n", stop.pc);
    } else if (!strcmp(w[0], "halt") && n == 1) {
        debug_port_halt(m);
        g_string_append(out, "halted\n");
    } else if (!strcmp(w[0], "fuses") && n == 1) {
        cmd_fuses(m, out);
    } else if (!strcmp(w[0], "mpu") && n == 1) {
        cmd_mpu(m, out);
    } else if (!strcmp(w[0], "fault") && n == 1) {
        cmd_fault(m, out);
    } else if (!strcmp(w[0], "status") && n == 1) {
        cmd_status(m, out);
    } else {
        g_string_append_printf(out, "unknown monitor command '%s'; `monitor help` lists them\n",
                               line);
    }
}
