/* sim/gdb_target.c: the target description and memory map XML (see
 * gdb_target.h), from firmware/include's memory map so they cannot
 * disagree with the emulator. */
#include "gdb_target.h"

#include "memory_map.h"
#include "scs_hw.h"

#include <string.h>

struct reg_desc {
    const char *name;
    const char *type;
};

/* Indexed by enum debug_reg; names as GDB's features require them. */
static const struct reg_desc regs[GDB_TARGET_REGS] = {
    [DEBUG_REG_R0 + 0] = { "r0", "uint32" },   [DEBUG_REG_R0 + 1] = { "r1", "uint32" },
    [DEBUG_REG_R0 + 2] = { "r2", "uint32" },   [DEBUG_REG_R0 + 3] = { "r3", "uint32" },
    [DEBUG_REG_R0 + 4] = { "r4", "uint32" },   [DEBUG_REG_R0 + 5] = { "r5", "uint32" },
    [DEBUG_REG_R0 + 6] = { "r6", "uint32" },   [DEBUG_REG_R0 + 7] = { "r7", "uint32" },
    [DEBUG_REG_R0 + 8] = { "r8", "uint32" },   [DEBUG_REG_R0 + 9] = { "r9", "uint32" },
    [DEBUG_REG_R0 + 10] = { "r10", "uint32" }, [DEBUG_REG_R0 + 11] = { "r11", "uint32" },
    [DEBUG_REG_R0 + 12] = { "r12", "uint32" },
    [DEBUG_REG_SP] = { "sp", "data_ptr" },
    [DEBUG_REG_LR] = { "lr", "uint32" },
    [DEBUG_REG_PC] = { "pc", "code_ptr" },
    [DEBUG_REG_XPSR] = { "xpsr", "uint32" },
    [DEBUG_REG_MSP] = { "msp", "data_ptr" },
    [DEBUG_REG_PSP] = { "psp", "data_ptr" },
    [DEBUG_REG_PRIMASK] = { "primask", "uint32" },
    [DEBUG_REG_BASEPRI] = { "basepri", "uint32" },
    [DEBUG_REG_FAULTMASK] = { "faultmask", "uint32" },
    [DEBUG_REG_CONTROL] = { "control", "uint32" },
};

const char *gdb_target_reg_name(enum debug_reg reg)
{
    return (unsigned)reg < GDB_TARGET_REGS ? regs[reg].name : "?";
}

static void append_regs(GString *xml, int first, int end)
{
    for (int r = first; r < end; r++)
        g_string_append_printf(xml, "    <reg name=\"%s\" bitsize=\"32\" regnum=\"%d\" "
                               "type=\"%s\"%s/>\n", regs[r].name, r, regs[r].type,
                               r < GDB_TARGET_CORE_REGS ? "" : " group=\"system\"");
}

static char *build_description(void)
{
    GString *xml = g_string_new("<?xml version=\"1.0\"?>\n"
                                "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                "<target version=\"1.0\">\n"
                                "  <architecture>arm</architecture>\n"
                                "  <feature name=\"org.gnu.gdb.arm.m-profile\">\n");
    append_regs(xml, 0, GDB_TARGET_CORE_REGS);
    g_string_append(xml, "  </feature>\n  <feature name=\"org.gnu.gdb.arm.m-system\">\n");
    append_regs(xml, GDB_TARGET_CORE_REGS, GDB_TARGET_REGS);
    g_string_append(xml, "  </feature>\n</target>\n");
    return g_string_free(xml, FALSE);
}

static char *build_memory_map(void)
{
    return g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE memory-map PUBLIC \"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\" "
        "\"http://sourceware.org/gdb/gdb-memory-map.dtd\">\n"
        "<memory-map>\n"
        "  <memory type=\"flash\" start=\"0x%x\" length=\"0x%x\">\n"
        "    <property name=\"blocksize\">0x%x</property>\n"
        "  </memory>\n"
        /* OTP: fuses are programmed by FLASHCTL's OTP command, never by
         * a debugger's store */
        "  <memory type=\"rom\" start=\"0x%x\" length=\"0x%x\"/>\n"
        "  <memory type=\"ram\" start=\"0x%x\" length=\"0x%x\"/>\n"
        "  <memory type=\"ram\" start=\"0x%x\" length=\"0x%x\"/>\n"
        "  <memory type=\"ram\" start=\"0x%x\" length=\"0x%x\"/>\n"
        "</memory-map>\n",
        FLASH_BASE, FLASH_SIZE, FLASH_SECTOR_SIZE, OTP_BASE, OTP_SIZE, SRAM_BASE, SRAM_SIZE,
        PERIPH_BASE, PERIPH_WINDOWS * PERIPH_WINDOW, SCS_BASE, SCS_SIZE);
}

const char *gdb_target_description(void)
{
    static char *xml;

    if (g_once_init_enter(&xml))
        g_once_init_leave(&xml, build_description());
    return xml;
}

const char *gdb_target_memory_map(void)
{
    static char *xml;

    if (g_once_init_enter(&xml))
        g_once_init_leave(&xml, build_memory_map());
    return xml;
}

void gdb_target_xfer_reply(const char *text, size_t offset, size_t length, GString *reply)
{
    size_t total = strlen(text);
    size_t n;

    if (offset >= total) {
        g_string_append_c(reply, 'l');
        return;
    }
    n = MIN(length, total - offset);
    g_string_append_c(reply, offset + n < total ? 'm' : 'l');
    g_string_append_len(reply, text + offset, (gssize)n);
}
