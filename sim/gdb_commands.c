/* sim/gdb_commands.c: packet dispatch (see gdb_commands.h).  Error replies:
 * E01 a packet whose arguments do not parse, E02 the core is not halted,
 * E03 memory the bus does not answer at, E.<text> where GDB shows the
 * text (flash, qRcmd, refusals). */
#include "gdb_commands.h"

#include "gdb_monitor.h"
#include "gdb_packet.h"
#include "gdb_target.h"
#include "hex.h"

#include <string.h>

#define E_ARGS "E01"
#define E_RUNNING "E02"
#define E_MEMORY "E03"

/* GDB's signal numbers (gdb/signals.def), which the protocol carries. */
enum gdb_signal {
    GDB_SIG_0 = 0,
    GDB_SIG_INT = 2,
    GDB_SIG_ILL = 4,
    GDB_SIG_TRAP = 5,
    GDB_SIG_ABRT = 6,
    GDB_SIG_SEGV = 11,
    GDB_SIG_PWR = 32,
};

/* ARMv7-M exception numbers of the faults (B1.5.2). */
enum { EXC_HARDFAULT = 3, EXC_MEMMANAGE = 4, EXC_BUSFAULT = 5, EXC_USAGEFAULT = 6 };

struct gdb_watch {
    uint32_t addr, len;
    enum debug_watch_kind kind;
};

struct gdb_commands {
    struct machine *m;
    GArray *watches;        /* struct gdb_watch: which kind fired (the
                               port reports the access, not the kind) */
    int halt_signal;        /* what a DEBUG_HALTED stop reports */
};

struct gdb_commands *gdb_commands_new(struct machine *m)
{
    struct gdb_commands *c = g_new0(struct gdb_commands, 1);

    c->m = m;
    c->watches = g_array_new(FALSE, FALSE, sizeof(struct gdb_watch));
    /* a debugger that connects to a running lamp halts it: SIGTRAP, as
     * for any stop it did not ask for with Ctrl-C */
    c->halt_signal = GDB_SIG_TRAP;
    return c;
}

void gdb_commands_free(struct gdb_commands *c)
{
    if (!c)
        return;
    g_array_unref(c->watches);
    g_free(c);
}

int gdb_commands_stop_signal(const struct debug_stop *stop)
{
    switch (stop->reason) {
    case DEBUG_FAULT:
        /* MemManage and BusFault are bad accesses; UsageFault a bad
         * instruction (UNDEFINSTR, INVSTATE, DIVBYZERO...); a HardFault is
         * most often an escalated access fault. */
        return stop->exception == EXC_USAGEFAULT ? GDB_SIG_ILL : GDB_SIG_SEGV;
    case DEBUG_LOCKUP:
        return GDB_SIG_ABRT;
    case DEBUG_POWER_OFF:
        return GDB_SIG_PWR;
    case DEBUG_HALTED:
        return GDB_SIG_INT;
    case DEBUG_RUNNING:
        return GDB_SIG_0;
    case DEBUG_STEPPED:
    case DEBUG_BREAKPOINT:
    case DEBUG_WATCHPOINT:
    case DEBUG_RESET:
        return GDB_SIG_TRAP;
    }
    return GDB_SIG_TRAP;
}

/* The watchpoint GDB set that this access fired: one of the access's own
 * kind before an access watchpoint on the same range. */
static const char *watch_stop_name(struct gdb_commands *c, const struct debug_stop *stop)
{
    const char *name = NULL;

    for (guint i = 0; i < c->watches->len; i++) {
        struct gdb_watch *w = &g_array_index(c->watches, struct gdb_watch, i);
        if (w->addr != stop->watch_addr || w->len != stop->watch_len)
            continue;
        if (w->kind == stop->access)
            return stop->access == DEBUG_WATCH_READ ? "rwatch" : "watch";
        if (w->kind == DEBUG_WATCH_ACCESS)
            name = "awatch";
    }
    return name ? name : stop->access == DEBUG_WATCH_READ ? "rwatch" : "watch";
}

bool gdb_commands_stop_reply(struct gdb_commands *c, GString *reply)
{
    struct debug_stop stop;
    int sig;

    debug_port_stop(c->m, &stop);
    if (stop.reason == DEBUG_RUNNING)
        return false;
    sig = stop.reason == DEBUG_HALTED ? c->halt_signal : gdb_commands_stop_signal(&stop);
    if (stop.reason == DEBUG_POWER_OFF) {
        /* the process GDB debugs is gone: "terminated with SIGPWR" */
        g_string_append_printf(reply, "X%02x", sig);
        return true;
    }
    g_string_append_printf(reply, "T%02xthread:%x;", sig, GDB_THREAD_ID);
    if (stop.reason == DEBUG_WATCHPOINT) {
        /* GDB matches the address to its watchpoint: the first byte of
         * the access inside the watched range */
        uint32_t addr = MAX(stop.access_addr, stop.watch_addr);
        g_string_append_printf(reply, "%s:%x;", watch_stop_name(c, &stop), addr);
    }
    return true;
}

void gdb_commands_interrupt(struct gdb_commands *c)
{
    c->halt_signal = GDB_SIG_INT;
    debug_port_halt(c->m);
}

static bool halted(struct gdb_commands *c)
{
    struct debug_stop stop;

    debug_port_stop(c->m, &stop);
    return stop.reason != DEBUG_RUNNING && stop.reason != DEBUG_POWER_OFF;
}

static void append_reg(GString *reply, uint32_t v)
{
    uint8_t le[GDB_TARGET_REG_SIZE] = { v, v >> 8, v >> 16, v >> 24 };
    char hex[2 * GDB_TARGET_REG_SIZE + 1];

    hex_encode_to(le, sizeof(le), hex);
    g_string_append(reply, hex);
}

static bool parse_reg(const char *hex, uint32_t *v)
{
    uint8_t le[GDB_TARGET_REG_SIZE];

    if (!hex_decode_span(hex, 2 * GDB_TARGET_REG_SIZE, le))
        return false;
    *v = le[0] | le[1] << 8 | le[2] << 16 | (uint32_t)le[3] << 24;
    return true;
}

/* Parses "ADDR,LEN" at *p; leaves *p after LEN. */
static bool parse_addr_len(const char **p, const char *end, uint32_t *addr, uint32_t *len)
{
    uint64_t a, l;

    if (!gdb_hex_number(p, end, UINT32_MAX, &a) || *p >= end || **p != ',')
        return false;
    (*p)++;
    if (!gdb_hex_number(p, end, UINT32_MAX, &l))
        return false;
    *addr = (uint32_t)a;
    *len = (uint32_t)l;
    return true;
}

static void reply_error(GString *reply, const char *what, const GError *error)
{
    g_string_append_printf(reply, "E.%s: %s", what, error ? error->message : "failed");
}

static enum gdb_command_result read_all_regs(struct gdb_commands *c, GString *reply)
{
    for (int r = 0; r < GDB_TARGET_REGS; r++) {
        uint32_t v;
        if (!debug_port_read_reg(c->m, (enum debug_reg)r, &v)) {
            g_string_assign(reply, E_RUNNING);
            return GDB_CMD_REPLY;
        }
        append_reg(reply, v);
    }
    return GDB_CMD_REPLY;
}

static enum gdb_command_result write_all_regs(struct gdb_commands *c, const char *args,
                                              size_t len, GString *reply)
{
    size_t n = len / (2 * GDB_TARGET_REG_SIZE);
    uint32_t v[GDB_TARGET_REGS];

    if (len % (2 * GDB_TARGET_REG_SIZE) || n == 0 || n > GDB_TARGET_REGS) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    for (size_t r = 0; r < n; r++)
        if (!parse_reg(args + r * 2 * GDB_TARGET_REG_SIZE, &v[r])) {
            g_string_assign(reply, E_ARGS);
            return GDB_CMD_REPLY;
        }
    if (!halted(c)) {
        g_string_assign(reply, E_RUNNING);
        return GDB_CMD_REPLY;
    }
    for (size_t r = 0; r < n; r++)
        debug_port_write_reg(c->m, (enum debug_reg)r, v[r]);
    g_string_assign(reply, "OK");
    return GDB_CMD_REPLY;
}

/* p N / P N=VALUE */
static enum gdb_command_result one_reg(struct gdb_commands *c, bool write, const char *p,
                                       const char *end, GString *reply)
{
    uint64_t n;
    uint32_t v;

    if (!gdb_hex_number(&p, end, GDB_TARGET_REGS - 1, &n) ||
        (write ? (p == end || *p != '=' || end - p - 1 != 2 * GDB_TARGET_REG_SIZE ||
                  !parse_reg(p + 1, &v))
               : p != end)) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    if (write ? !debug_port_write_reg(c->m, (enum debug_reg)n, v)
              : !debug_port_read_reg(c->m, (enum debug_reg)n, &v)) {
        g_string_assign(reply, E_RUNNING);
        return GDB_CMD_REPLY;
    }
    if (write)
        g_string_assign(reply, "OK");
    else
        append_reg(reply, v);
    return GDB_CMD_REPLY;
}

static enum gdb_command_result read_memory(struct gdb_commands *c, const char *p,
                                           const char *end, GString *reply)
{
    uint32_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autofree char *hex = NULL;

    if (!parse_addr_len(&p, end, &addr, &len) || p != end) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    /* a reply holds GDB_PACKET_MAX hex digits; GDB reads on from where a
     * short reply ends */
    len = MIN(len, GDB_PACKET_MAX / 2);
    if ((uint64_t)addr + len > (uint64_t)UINT32_MAX + 1)
        len = (uint32_t)((uint64_t)UINT32_MAX + 1 - addr);
    buf = g_malloc(len ? len : 1);
    hex = g_malloc(2 * (size_t)len + 1);
    if (!debug_port_read(c->m, addr, buf, len, NULL, NULL)) {
        g_string_assign(reply, E_MEMORY);
        return GDB_CMD_REPLY;
    }
    hex_encode_to(buf, len, hex);
    g_string_assign(reply, hex);
    return GDB_CMD_REPLY;
}

/* M ADDR,LEN:HEX and X ADDR,LEN:BINARY */
static enum gdb_command_result write_memory(struct gdb_commands *c, bool binary, const char *p,
                                            const char *end, GString *reply)
{
    uint32_t addr, len;
    g_autofree uint8_t *buf = NULL;
    const uint8_t *data;

    if (!parse_addr_len(&p, end, &addr, &len) || p == end || *p != ':' ||
        (size_t)(end - p - 1) != (binary ? len : 2 * (size_t)len)) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    p++;
    if (binary) {
        data = (const uint8_t *)p;
    } else {
        buf = g_malloc(len ? len : 1);
        if (!hex_decode_span(p, 2 * (size_t)len, buf)) {
            g_string_assign(reply, E_ARGS);
            return GDB_CMD_REPLY;
        }
        data = buf;
    }
    /* X with no data is GDB asking whether X is supported */
    if (len > 0 && !debug_port_write(c->m, addr, data, len, NULL)) {
        g_string_assign(reply, E_MEMORY);
        return GDB_CMD_REPLY;
    }
    g_string_assign(reply, "OK");
    return GDB_CMD_REPLY;
}

static enum debug_watch_kind watch_kind(char type)
{
    return type == '2' ? DEBUG_WATCH_WRITE : type == '3' ? DEBUG_WATCH_READ : DEBUG_WATCH_ACCESS;
}

/* Z/z TYPE,ADDR,KIND: 0 and 1 are the same breakpoints (the port needs no
 * patched instruction), 2-4 watchpoints of KIND bytes. */
static enum gdb_command_result point(struct gdb_commands *c, bool insert, const char *p,
                                     const char *end, GString *reply)
{
    char type;
    uint32_t addr, kind;
    g_autoptr(GError) error = NULL;

    if (end - p < 2 || p[0] < '0' || p[0] > '4' || p[1] != ',') {
        g_string_assign(reply, end - p >= 1 && p[0] > '4' && p[0] <= '9' ? "" : E_ARGS);
        return GDB_CMD_REPLY;
    }
    type = p[0];
    p += 2;
    /* ";cond" and ";cmds" extensions are not advertised: refused */
    if (!parse_addr_len(&p, end, &addr, &kind) || p != end ||
        (type >= '2' && kind == 0)) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    if (type <= '1') {
        if (insert && !debug_port_set_breakpoint(c->m, addr, &error)) {
            reply_error(reply, "breakpoint", error);
            return GDB_CMD_REPLY;
        }
        if (!insert)
            debug_port_clear_breakpoint(c->m, addr);
    } else {
        struct gdb_watch w = { addr, kind, watch_kind(type) };

        if (insert) {
            if (!debug_port_set_watchpoint(c->m, addr, kind, w.kind, &error)) {
                reply_error(reply, "watchpoint", error);
                return GDB_CMD_REPLY;
            }
            g_array_append_val(c->watches, w);
        } else {
            debug_port_clear_watchpoint(c->m, addr, kind, w.kind);
            for (guint i = 0; i < c->watches->len; i++) {
                struct gdb_watch *x = &g_array_index(c->watches, struct gdb_watch, i);
                if (x->addr == w.addr && x->len == w.len && x->kind == w.kind) {
                    g_array_remove_index_fast(c->watches, i);
                    break;
                }
            }
        }
    }
    g_string_assign(reply, "OK");
    return GDB_CMD_REPLY;
}

/* c [ADDR] / s [ADDR]: resume or step, from ADDR if given. */
static enum gdb_command_result resume(struct gdb_commands *c, bool step, const char *p,
                                      const char *end, GString *reply)
{
    bool from_addr = p != end;
    uint64_t addr = 0;

    if (from_addr && (!gdb_hex_number(&p, end, UINT32_MAX, &addr) || p != end)) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    if (!halted(c)) {
        /* a lamp that lost power cannot run again: say so again */
        if (!gdb_commands_stop_reply(c, reply))
            g_string_assign(reply, E_RUNNING);
        return GDB_CMD_REPLY;
    }
    if (from_addr)
        debug_port_write_reg(c->m, DEBUG_REG_PC, (uint32_t)addr);
    c->halt_signal = GDB_SIG_TRAP;
    if (step)
        debug_port_step(c->m);
    else
        debug_port_resume(c->m);
    return GDB_CMD_RESUMED;
}

/* A vCont action's thread: ours, all (-1), any (0), or absent. */
static bool action_is_ours(const char *p, const char *end)
{
    uint64_t tid;

    if (p == end || *p != ':')
        return p == end || *p == ';';
    p++;
    if (end - p >= 2 && p[0] == '-' && p[1] == '1')
        return p + 2 == end || p[2] == ';';
    return gdb_hex_number(&p, end, UINT32_MAX, &tid) && (p == end || *p == ';') &&
           (tid == 0 || tid == GDB_THREAD_ID);
}

/* vCont;ACTION[:TID]...: the first action that applies to the lamp's one
 * thread.  C and S carry a signal, which means nothing to a lamp. */
static enum gdb_command_result vcont(struct gdb_commands *c, const char *p, const char *end,
                                     GString *reply)
{
    while (p < end && *p == ';') {
        const char *action = ++p, *next;
        uint64_t sig;

        if (p < end && (*p == 'C' || *p == 'S')) {
            p++;
            if (!gdb_hex_number(&p, end, 0xff, &sig))
                break;
        } else if (p < end && (*p == 'c' || *p == 's' || *p == 't')) {
            p++;
        } else {
            break;
        }
        next = memchr(p, ';', (size_t)(end - p));
        if (!next)
            next = end;
        if (!action_is_ours(p, next)) {
            p = next;
            continue;
        }
        if (*action == 't') {
            c->halt_signal = GDB_SIG_0;
            debug_port_halt(c->m);
            if (!gdb_commands_stop_reply(c, reply))
                g_string_assign(reply, E_RUNNING);
            return GDB_CMD_REPLY;
        }
        return resume(c, *action == 's' || *action == 'S', end, end, reply);
    }
    g_string_assign(reply, E_ARGS);
    return GDB_CMD_REPLY;
}

/* qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH for the two documents served. */
static enum gdb_command_result xfer(const char *p, const char *end, GString *reply)
{
    static const struct {
        const char *prefix;
        const char *(*text)(void);
    } objects[] = {
        { "features:read:target.xml:", gdb_target_description },
        { "memory-map:read::", gdb_target_memory_map },
    };
    uint32_t offset, length;

    for (size_t i = 0; i < G_N_ELEMENTS(objects); i++) {
        size_t n = strlen(objects[i].prefix);

        if ((size_t)(end - p) < n || memcmp(p, objects[i].prefix, n) != 0)
            continue;
        p += n;
        if (!parse_addr_len(&p, end, &offset, &length) || p != end || length == 0) {
            g_string_assign(reply, E_ARGS);
            return GDB_CMD_REPLY;
        }
        gdb_target_xfer_reply(objects[i].text(), offset, MIN(length, GDB_PACKET_MAX - 1),
                              reply);
        return GDB_CMD_REPLY;
    }
    /* an object or annex not served: an empty reply says "not supported" */
    return GDB_CMD_REPLY;
}

/* qRcmd,HEX: the reply is the command's output, hex encoded (an error
 * too: GDB prints a reply's text only that way). */
static enum gdb_command_result rcmd(struct gdb_commands *c, const char *p, const char *end,
                                    GString *reply)
{
    size_t n = (size_t)(end - p);
    g_autofree char *text = g_malloc(n / 2 + 1);
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *hex = NULL;

    if (n % 2 || !hex_decode_span(p, n, (uint8_t *)text)) {
        g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    }
    text[n / 2] = 0;
    gdb_monitor_command(c->m, text, out);
    if (out->len == 0) {
        g_string_assign(reply, "OK");
        return GDB_CMD_REPLY;
    }
    g_string_truncate(out, MIN(out->len, (GDB_PACKET_MAX - 1) / 2));
    hex = g_malloc(2 * out->len + 1);
    hex_encode_to((const uint8_t *)out->str, out->len, hex);
    g_string_assign(reply, hex);
    return GDB_CMD_REPLY;
}

/* vFlashErase:ADDR,LENGTH / vFlashWrite:ADDR:BINARY, GDB's `load` into
 * the memory map's flash (FLASHCTL's NOR rules apply). */
static enum gdb_command_result flash(struct gdb_commands *c, bool write, const char *p,
                                     const char *end, GString *reply)
{
    g_autoptr(GError) error = NULL;
    uint64_t addr;
    uint32_t a, len;
    bool ok;

    if (write) {
        if (!gdb_hex_number(&p, end, UINT32_MAX, &addr) || p == end || *p != ':') {
            g_string_assign(reply, E_ARGS);
            return GDB_CMD_REPLY;
        }
        p++;
        ok = debug_port_flash_program(c->m, (uint32_t)addr, p, (size_t)(end - p), &error);
    } else {
        if (!parse_addr_len(&p, end, &a, &len) || p != end) {
            g_string_assign(reply, E_ARGS);
            return GDB_CMD_REPLY;
        }
        ok = debug_port_flash_erase(c->m, a, len, &error);
    }
    if (!ok)
        reply_error(reply, write ? "flash program" : "flash erase", error);
    else
        g_string_assign(reply, "OK");
    return GDB_CMD_REPLY;
}

static bool is(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);

    return (size_t)(end - p) == n && memcmp(p, word, n) == 0;
}

static bool starts(const char **p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);

    if ((size_t)(end - *p) < n || memcmp(*p, prefix, n) != 0)
        return false;
    *p += n;
    return true;
}

static enum gdb_command_result query(struct gdb_commands *c, const char *p, const char *end,
                                     GString *reply)
{
    if (starts(&p, end, "qSupported")) {
        /* GDB's own features (after ':') need nothing from the lamp */
        g_string_printf(reply, "PacketSize=%x;qXfer:features:read+;qXfer:memory-map:read+;"
                        "QStartNoAckMode+;vContSupported+", GDB_PACKET_MAX);
    } else if (starts(&p, end, "qXfer:")) {
        return xfer(p, end, reply);
    } else if (starts(&p, end, "qRcmd,")) {
        return rcmd(c, p, end, reply);
    } else if (is(p, end, "qAttached") || starts(&p, end, "qAttached:")) {
        /* the lamp ran before GDB came: quitting detaches, never kills */
        g_string_assign(reply, "1");
    } else if (is(p, end, "qC")) {
        g_string_printf(reply, "QC%x", GDB_THREAD_ID);
    } else if (is(p, end, "qfThreadInfo")) {
        g_string_printf(reply, "m%x", GDB_THREAD_ID);
    } else if (is(p, end, "qsThreadInfo")) {
        g_string_assign(reply, "l");
    } else if (starts(&p, end, "qSymbol:")) {
        g_string_assign(reply, "OK"); /* no symbols wanted */
    }
    /* anything else: empty, "not supported" */
    return GDB_CMD_REPLY;
}

/* Hg/Hc TID and T TID: the one thread (or all, or any). */
static bool thread_arg_ours(const char *p, const char *end)
{
    uint64_t tid;

    if (is(p, end, "-1"))
        return true;
    return gdb_hex_number(&p, end, UINT32_MAX, &tid) && p == end &&
           (tid == 0 || tid == GDB_THREAD_ID);
}

enum gdb_command_result gdb_commands_dispatch(struct gdb_commands *c, const uint8_t *payload,
                                              size_t len, GString *reply)
{
    const char *p = (const char *)payload, *end = p + len;

    g_string_truncate(reply, 0);
    if (len == 0)
        return GDB_CMD_REPLY;
    switch (p[0]) {
    case '?':
        if (!gdb_commands_stop_reply(c, reply))
            g_string_assign(reply, E_RUNNING);
        return GDB_CMD_REPLY;
    case 'g':
        if (len != 1)
            break;
        return read_all_regs(c, reply);
    case 'G':
        return write_all_regs(c, p + 1, len - 1, reply);
    case 'p':
    case 'P':
        return one_reg(c, p[0] == 'P', p + 1, end, reply);
    case 'm':
        return read_memory(c, p + 1, end, reply);
    case 'M':
    case 'X':
        return write_memory(c, p[0] == 'X', p + 1, end, reply);
    case 'c':
    case 's':
        return resume(c, p[0] == 's', p + 1, end, reply);
    case 'Z':
    case 'z':
        return point(c, p[0] == 'Z', p + 1, end, reply);
    case 'k':
        return GDB_CMD_END;
    case 'D':
        g_string_assign(reply, "OK");
        return GDB_CMD_REPLY_AND_END;
    case 'H':
        if (len >= 2 && (p[1] == 'g' || p[1] == 'c') && thread_arg_ours(p + 2, end))
            g_string_assign(reply, "OK");
        else
            g_string_assign(reply, E_ARGS);
        return GDB_CMD_REPLY;
    case 'T':
        g_string_assign(reply, thread_arg_ours(p + 1, end) ? "OK" : E_ARGS);
        return GDB_CMD_REPLY;
    case 'q':
        return query(c, p, end, reply);
    case 'Q':
        if (is(p, end, "QStartNoAckMode")) {
            g_string_assign(reply, "OK");
            return GDB_CMD_REPLY_NO_ACK;
        }
        return GDB_CMD_REPLY;
    case 'v':
        if (is(p, end, "vCont?")) {
            g_string_assign(reply, "vCont;c;C;s;S;t");
            return GDB_CMD_REPLY;
        }
        if (starts(&p, end, "vCont"))
            return vcont(c, p, end, reply);
        if (starts(&p, end, "vFlashErase:"))
            return flash(c, false, p, end, reply);
        if (starts(&p, end, "vFlashWrite:"))
            return flash(c, true, p, end, reply);
        if (is(p, end, "vFlashDone")) {
            g_string_assign(reply, "OK");
            return GDB_CMD_REPLY;
        }
        if (starts(&p, end, "vKill")) {
            g_string_assign(reply, "OK");
            return GDB_CMD_REPLY_AND_END;
        }
        return GDB_CMD_REPLY; /* vMustReplyEmpty and the rest */
    default:
        return GDB_CMD_REPLY;
    }
    g_string_assign(reply, E_ARGS);
    return GDB_CMD_REPLY;
}
