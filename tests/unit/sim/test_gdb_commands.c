/* tests/unit/sim/test_gdb_commands.c: the GDB server's command layer
 * (sim/gdb_commands.c, gdb_target.c, gdb_monitor.c) without sockets: a
 * table of packets, well-formed, malformed and unusual, each with the
 * reply it must get, against a port double (debug_port_double.c); then
 * stop replies, flash, monitor output and the documents served. */
#include "gdb_commands.h"

#include "debug_port_double.h"
#include "gdb_packet.h"
#include "gdb_target.h"
#include "hex.h"
#include "memory_map.h"

#include <CUnit/Basic.h>
#include <string.h>

#define PC0 0x00020100u

struct packet_case {
    const char *payload;
    const char *reply;     /* exact, or a prefix when it ends in '*' */
    enum gdb_command_result result;
};

#define R(p, r) { p, r, GDB_CMD_REPLY }

/* Each case starts from port_double_reset(PC0): halted, r_n = n * 0x01010101. */
static const struct packet_case cases[] = {
    R("", ""),
    R("?", "T05thread:1;"),
    R("g", "00000000010101010202020203030303*"),
    R("gx", "E01"),
    R("p0", "00000000"),
    R("p1", "01010101"),
    R("pf", "00010200"),                     /* pc, little-endian */
    R("p16", "16161616"),                    /* control, the last register */
    R("p17", "E01"),                         /* one past it */
    R("p", "E01"),
    R("pzz", "E01"),
    R("p1,", "E01"),
    R("P0=78563412", "OK"),
    R("P0=7856", "E01"),
    R("P0=785634121", "E01"),
    R("P0", "E01"),
    R("P0=zz563412", "E01"),
    R("P17=00000000", "E01"),
    R("G00", "E01"),
    R("G0000000", "E01"),
    R("G00000000", "OK"),                    /* r0 alone: fewer registers are fine */
    R("G0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000", "E01"),    /* 24 registers: one too many */
    R("m20000000,4", "00010203"),
    R("m20000004,2", "0405"),
    R("m20000000,0", ""),
    R("m20000000", "E01"),
    R("m20000000,", "E01"),
    R("m,4", "E01"),
    R("m20000000,4x", "E01"),
    R("m100000000,4", "E01"),                /* an address over 32 bits */
    R("m20000000,100000000", "E01"),
    R("m30000000,4", "E03"),                 /* nothing answers there */
    R("mffffffff,10", "E03"),                /* runs off the end of the bus */
    R("M20000000,2:abcd", "OK"),
    R("M20000000,2:abc", "E01"),
    R("M20000000,2:abcdef", "E01"),
    R("M20000000,2:zzzz", "E01"),
    R("M20000000,2", "E01"),
    R("M30000000,1:00", "E03"),
    R("X20000000,0:", "OK"),                 /* GDB probing for X */
    R("X20000000,2:ab", "OK"),
    R("X20000000,3:ab", "E01"),
    R("Z0,20100,2", "OK"),
    R("Z1,20100,2", "OK"),
    R("z0,20100,2", "OK"),
    R("Z0,20100", "E01"),
    R("Z0,20100,2;X2,ab", "E01"),            /* conditions are not advertised */
    R("Z0", "E01"),
    R("Z", "E01"),
    R("Z5,0,0", ""),                         /* a type not supported */
    R("Z2,20000000,0", "E01"),
    R("Z2,20000000,4", "OK"),
    R("z2,20000000,4", "OK"),
    R("Z3,20000000,4", "OK"),
    R("Z4,20000000,1", "OK"),
    R("Hg0", "OK"),
    R("Hc-1", "OK"),
    R("Hg1", "OK"),
    R("Hg2", "E01"),
    R("Hx0", "E01"),
    R("H", "E01"),
    R("T1", "OK"),
    R("T2", "E01"),
    R("qC", "QC1"),
    R("qfThreadInfo", "m1"),
    R("qsThreadInfo", "l"),
    R("qAttached", "1"),
    R("qAttached:1", "1"),
    R("qSupported:multiprocess+;swbreak+;xmlRegisters=i386",
      "PacketSize=4000;qXfer:features:read+;qXfer:memory-map:read+;QStartNoAckMode+;"
      "vContSupported+"),
    R("qXfer:features:read:target.xml:0,5", "m<?xml"),
    R("qXfer:features:read:target.xml:100000,5", "l"),
    R("qXfer:features:read:target.xml:0", "E01"),
    R("qXfer:features:read:target.xml:0,0", "E01"),
    R("qXfer:features:read:other.xml:0,5", ""),
    R("qXfer:memory-map:read::0,5", "m<?xml"),
    R("qXfer:libraries:read::0,5", ""),
    R("qSymbol::", "OK"),
    R("qTStatus", ""),
    R("qRcmd,", "6d6f6e69746f7220*"),        /* no command: "monitor commands:" (help) */
    R("qRcmd,6", "E01"),
    R("qRcmd,zz", "E01"),
    R("qRcmd,6e6f7065", "756e6b6e6f776e*"), /* "nope": "unknown ..." */
    { "QStartNoAckMode", "OK", GDB_CMD_REPLY_NO_ACK },
    R("QNonStop:1", ""),
    R("vMustReplyEmpty", ""),
    R("vCont?", "vCont;c;C;s;S;t"),
    R("vCont", "E01"),
    R("vCont;", "E01"),
    R("vCont;x", "E01"),
    R("vCont;c:2", "E01"),                   /* for no thread of the lamp */
    R("vCont;C", "E01"),
    R("vCont;t", "T00thread:1;"),
    { "vCont;c", "", GDB_CMD_RESUMED },
    { "vCont;c:1", "", GDB_CMD_RESUMED },
    { "vCont;c:-1", "", GDB_CMD_RESUMED },
    { "vCont;s:1;c", "", GDB_CMD_RESUMED },
    { "vCont;C0b:1", "", GDB_CMD_RESUMED },
    { "vCont;c:2;s", "", GDB_CMD_RESUMED },
    { "c", "", GDB_CMD_RESUMED },
    { "c20200", "", GDB_CMD_RESUMED },
    { "s", "", GDB_CMD_RESUMED },
    R("cxyz", "E01"),
    R("c100000000", "E01"),
    R("vFlashErase:0,1000", "OK"),
    R("vFlashErase:0,10", "E.flash erase:*"),
    R("vFlashErase:0", "E01"),
    R("vFlashWrite:0", "E01"),
    R("vFlashWrite:0:\x12\x34", "OK"),
    R("vFlashDone", "OK"),
    R("!", ""),
    R("\x01", ""),
    { "k", "", GDB_CMD_END },
    { "D", "OK", GDB_CMD_REPLY_AND_END },
    { "D;1", "OK", GDB_CMD_REPLY_AND_END },
};

static bool reply_matches(const char *want, const GString *got)
{
    size_t n = strlen(want);

    if (n > 0 && want[n - 1] == '*')
        return got->len >= n - 1 && memcmp(got->str, want, n - 1) == 0;
    return got->len == n && memcmp(got->str, want, n) == 0;
}

static enum gdb_command_result send_packet(struct gdb_commands *c, const char *payload,
                                           GString *reply)
{
    return gdb_commands_dispatch(c, (const uint8_t *)payload, strlen(payload), reply);
}

static void test_packet_table(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct gdb_commands *c;
        g_autoptr(GString) reply = g_string_new("stale");
        enum gdb_command_result res;

        port_double_reset(PC0);
        c = gdb_commands_new(NULL);
        res = send_packet(c, cases[i].payload, reply);
        if (!reply_matches(cases[i].reply, reply) || res != cases[i].result)
            printf("\n  packet '%s': reply '%.60s' result %d, want '%s' result %d",
                   cases[i].payload, reply->str, res, cases[i].reply, cases[i].result);
        CU_ASSERT(reply_matches(cases[i].reply, reply));
        CU_ASSERT_EQUAL(res, cases[i].result);
        gdb_commands_free(c);
    }
}

static void test_writes_reach_the_port(void)
{
    struct gdb_commands *c;
    g_autoptr(GString) reply = g_string_new(NULL);

    port_double_reset(PC0);
    c = gdb_commands_new(NULL);
    send_packet(c, "P0=78563412", reply);
    CU_ASSERT_EQUAL(port_double.regs[0], 0x12345678u);
    send_packet(c, "M20000010,3:a1b2c3", reply);
    CU_ASSERT(port_double.ram[0x10] == 0xa1 && port_double.ram[0x12] == 0xc3);
    send_packet(c, "X20000020,2:}\x01", reply); /* escapes were undone by the decoder */
    CU_ASSERT(port_double.ram[0x20] == '}' && port_double.ram[0x21] == 1);
    send_packet(c, "c20200", reply);
    CU_ASSERT_EQUAL(port_double.regs[DEBUG_REG_PC], 0x20200u);
    CU_ASSERT_EQUAL(port_double.resumes, 1);
    gdb_commands_free(c);
}

static void test_running_core_refuses_register_access(void)
{
    struct gdb_commands *c;
    g_autoptr(GString) reply = g_string_new(NULL);

    port_double_reset(PC0);
    c = gdb_commands_new(NULL);
    CU_ASSERT_EQUAL(send_packet(c, "c", reply), GDB_CMD_RESUMED);
    send_packet(c, "g", reply);
    CU_ASSERT_STRING_EQUAL(reply->str, "E02");
    send_packet(c, "?", reply);
    CU_ASSERT_STRING_EQUAL(reply->str, "E02");
    send_packet(c, "c", reply);
    CU_ASSERT_STRING_EQUAL(reply->str, "E02");
    CU_ASSERT_FALSE(gdb_commands_stop_reply(c, reply));
    /* Ctrl-C */
    gdb_commands_interrupt(c);
    g_string_truncate(reply, 0);
    CU_ASSERT_TRUE(gdb_commands_stop_reply(c, reply));
    CU_ASSERT_STRING_EQUAL(reply->str, "T02thread:1;");
    gdb_commands_free(c);
}

struct stop_case {
    struct debug_stop stop;
    const char *reply;
};

static void test_stop_replies(void)
{
    static const struct stop_case stops[] = {
        { { .reason = DEBUG_BREAKPOINT, .pc = PC0 }, "T05thread:1;" },
        { { .reason = DEBUG_STEPPED }, "T05thread:1;" },
        { { .reason = DEBUG_RESET }, "T05thread:1;" },
        { { .reason = DEBUG_FAULT, .exception = 4 }, "T0bthread:1;" },
        { { .reason = DEBUG_FAULT, .exception = 5 }, "T0bthread:1;" },
        { { .reason = DEBUG_FAULT, .exception = 6 }, "T04thread:1;" },
        { { .reason = DEBUG_FAULT, .exception = 3 }, "T0bthread:1;" },
        { { .reason = DEBUG_LOCKUP }, "T06thread:1;" },
        { { .reason = DEBUG_POWER_OFF }, "X20" },
        /* watchpoints: GDB set write at 0x20000004+4, read and access at 0x20000008+4 */
        { { .reason = DEBUG_WATCHPOINT, .watch_addr = 0x20000004, .watch_len = 4,
            .access = DEBUG_WATCH_WRITE, .access_addr = 0x20000004 },
          "T05thread:1;watch:20000004;" },
        { { .reason = DEBUG_WATCHPOINT, .watch_addr = 0x20000004, .watch_len = 4,
            .access = DEBUG_WATCH_WRITE, .access_addr = 0x20000002 },
          "T05thread:1;watch:20000004;" },
        { { .reason = DEBUG_WATCHPOINT, .watch_addr = 0x20000008, .watch_len = 4,
            .access = DEBUG_WATCH_READ, .access_addr = 0x2000000a },
          "T05thread:1;rwatch:2000000a;" },
        { { .reason = DEBUG_WATCHPOINT, .watch_addr = 0x20000008, .watch_len = 4,
            .access = DEBUG_WATCH_WRITE, .access_addr = 0x20000008 },
          "T05thread:1;awatch:20000008;" },
    };
    struct gdb_commands *c;
    g_autoptr(GString) reply = g_string_new(NULL);

    port_double_reset(PC0);
    c = gdb_commands_new(NULL);
    send_packet(c, "Z2,20000004,4", reply);
    send_packet(c, "Z3,20000008,4", reply);
    send_packet(c, "Z4,20000008,4", reply);
    for (size_t i = 0; i < G_N_ELEMENTS(stops); i++) {
        port_double.stop = stops[i].stop;
        g_string_truncate(reply, 0);
        CU_ASSERT_TRUE(gdb_commands_stop_reply(c, reply));
        if (strcmp(reply->str, stops[i].reply))
            printf("\n  stop %zu: '%s', want '%s'", i, reply->str, stops[i].reply);
        CU_ASSERT_STRING_EQUAL(reply->str, stops[i].reply);
    }
    gdb_commands_free(c);
}

static void test_flash_follows_nor_rules(void)
{
    struct gdb_commands *c;
    g_autoptr(GString) reply = g_string_new(NULL);

    port_double_reset(PC0);
    c = gdb_commands_new(NULL);
    send_packet(c, "vFlashWrite:10:\x0f", reply);
    CU_ASSERT_STRING_EQUAL(reply->str, "OK");
    send_packet(c, "vFlashWrite:10:\xf0", reply);    /* 0 -> 1 needs an erase */
    CU_ASSERT(g_str_has_prefix(reply->str, "E.flash program: "));
    send_packet(c, "vFlashErase:0,1000", reply);
    send_packet(c, "vFlashWrite:10:\xf0", reply);
    CU_ASSERT_STRING_EQUAL(reply->str, "OK");
    CU_ASSERT_EQUAL(port_double.flash[0x10], 0xf0);
    gdb_commands_free(c);
}

/* The monitor's output, hex decoded. */
static char *monitor(struct gdb_commands *c, const char *line)
{
    g_autofree char *hex = hex_encode((const uint8_t *)line, strlen(line));
    g_autofree char *packet = g_strconcat("qRcmd,", hex, NULL);
    g_autoptr(GString) reply = g_string_new(NULL);
    char *text;

    send_packet(c, packet, reply);
    text = g_malloc0(reply->len / 2 + 1);
    if (!hex_decode_span(reply->str, reply->len, (uint8_t *)text))
        strcpy(text, "(not hex)");
    return text;
}

static void test_monitor_commands(void)
{
    struct gdb_commands *c;
    g_autofree char *help = NULL, *status = NULL, *reset = NULL;
    g_autoptr(GString) reply = g_string_new(NULL);

    port_double_reset(PC0);
    port_double.instructions = 1234;
    port_double.now_ns = 2500000000u;
    c = gdb_commands_new(NULL);
    help = monitor(c, "help");
    CU_ASSERT_PTR_NOT_NULL(strstr(help, "reset [halt]"));
    for (int i = 0; i < 7; i++) {
        g_autofree char *z = g_strdup_printf("Z0,%x,2", 0x20100 + 2 * i);
        send_packet(c, z, reply);
    }
    status = monitor(c, "status");
    CU_ASSERT_PTR_NOT_NULL(strstr(status, "pc           0x00020100"));
    CU_ASSERT_PTR_NOT_NULL(strstr(status, "instructions 1234"));
    CU_ASSERT_PTR_NOT_NULL(strstr(status, "virtual time 2.500000000 s"));
    CU_ASSERT_PTR_NOT_NULL(strstr(status, "breakpoints  7 in use; a real FPB has 6 code "
                                          "comparators (more than hardware allows)"));
    reset = monitor(c, "  reset   halt ");
    CU_ASSERT_PTR_NOT_NULL(strstr(reset, "reset; halted at 0x00020100, the reset vector"));
    CU_ASSERT_EQUAL(port_double.stop.reason, DEBUG_RESET);
    gdb_commands_free(c);
}

static void test_documents(void)
{
    const char *xml = gdb_target_description();
    const char *map = gdb_target_memory_map();
    g_autofree char *flash = g_strdup_printf("<memory type=\"flash\" start=\"0x%x\" "
                                             "length=\"0x%x\">", FLASH_BASE, FLASH_SIZE);
    g_autofree char *block = g_strdup_printf("<property name=\"blocksize\">0x%x</property>",
                                             FLASH_SECTOR_SIZE);
    g_autoptr(GString) all = g_string_new(NULL);
    struct gdb_commands *c;

    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "org.gnu.gdb.arm.m-profile"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "org.gnu.gdb.arm.m-system"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"pc\" bitsize=\"32\" regnum=\"15\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"xpsr\" bitsize=\"32\" regnum=\"16\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"control\" bitsize=\"32\" regnum=\"22\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(map, flash));
    CU_ASSERT_PTR_NOT_NULL(strstr(map, block));
    /* read in 7-byte pieces, as GDB would in larger ones */
    port_double_reset(PC0);
    c = gdb_commands_new(NULL);
    for (size_t off = 0;; off += 7) {
        g_autofree char *q = g_strdup_printf("qXfer:features:read:target.xml:%zx,7", off);
        g_autoptr(GString) reply = g_string_new(NULL);

        send_packet(c, q, reply);
        CU_ASSERT(reply->str[0] == 'm' || reply->str[0] == 'l');
        g_string_append(all, reply->str + 1);
        if (reply->str[0] == 'l')
            break;
    }
    CU_ASSERT_STRING_EQUAL(all->str, xml);
    gdb_commands_free(c);
}

/* Random payloads, made of the protocol's own letters, digits and
 * separators, never crash the dispatcher (run under the sanitizers too). */
static void test_random_payloads(void)
{
    static const char alphabet[] = "?gGpPmMXcszZkDHTqQv0123456789abcdefxX,:;=-.+*}$#\x01"
                                   "ContSupportedXferRcmdFlashEraseWrite";
    g_autoptr(GRand) rand = g_rand_new_with_seed(14);
    g_autoptr(GString) reply = g_string_new(NULL);
    uint8_t buf[GDB_PACKET_MAX + 1];

    for (int i = 0; i < 20000; i++) {
        struct gdb_commands *c;
        size_t len = (size_t)g_rand_int_range(rand, 0, i % 100 == 0 ? GDB_PACKET_MAX : 40);

        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)(j < 3 && g_rand_boolean(rand)
                                   ? "mMXZqv"[g_rand_int_range(rand, 0, 6)]
                                   : alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)]);
        buf[len] = 0;
        port_double_reset(PC0);
        c = gdb_commands_new(NULL);
        gdb_commands_dispatch(c, buf, len, reply);
        CU_ASSERT(reply->len <= GDB_PACKET_MAX);
        gdb_commands_free(c);
    }
}

int main(void)
{
    CU_pSuite suite;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("gdb_commands", NULL, NULL);
    CU_add_test(suite, "packet_table_replies", test_packet_table);
    CU_add_test(suite, "register_and_memory_writes_reach_the_port", test_writes_reach_the_port);
    CU_add_test(suite, "running_core_refuses_register_access",
                test_running_core_refuses_register_access);
    CU_add_test(suite, "stop_replies_name_signal_and_watchpoint", test_stop_replies);
    CU_add_test(suite, "flash_follows_nor_rules", test_flash_follows_nor_rules);
    CU_add_test(suite, "monitor_commands", test_monitor_commands);
    CU_add_test(suite, "target_description_and_memory_map", test_documents);
    CU_add_test(suite, "random_payloads_never_crash", test_random_payloads);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
