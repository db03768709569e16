/* Fuzz target: the GDB server's commands (sim/gdb_commands.c, gdb_target.c,
 * gdb_monitor.c) against the debug-port double of the unit tests
 * (tests/unit/sim/debug_port_double.c): one session's packet payloads,
 * one a line (a byte 0x03 alone is a Ctrl-C; "monitor LINE" is sent as
 * GDB sends it, qRcmd with LINE in hex, which the fuzzer would hardly
 * find), dispatched as gdb_server.c does.  The payloads come unframed: the framing, checksums and escapes
 * are the gdb_packet target's, and a checksum here would only stop the
 * fuzzer short of the commands (a binary X payload cannot hold a newline
 * here; the unit test covers that).  When a command
 * resumes the core, the double halts it at once (a stepped or halted
 * stop, by the input's parity) and the stop reply is asked for.
 * Beyond crashes it checks what the server relies on: every reply fits
 * the PacketSize the server advertises (GDB_PACKET_MAX), a command that
 * resumes writes no reply, and the stop reply is a T, S, W or X packet. */
#include "debug_port_double.h"
#include "gdb_commands.h"
#include "gdb_packet.h" /* GDB_PACKET_MAX */
#include "hex.h"

#include <stdlib.h>
#include <string.h>

#define PC0 0x00020100u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    return 0;
}

static bool command(struct gdb_commands *c, const uint8_t *payload, size_t len, GString *reply,
                    bool step)
{
    enum gdb_command_result res;

    g_string_truncate(reply, 0);
    res = gdb_commands_dispatch(c, payload, len, reply);
    if (reply->len > GDB_PACKET_MAX)
        abort();
    switch (res) {
    case GDB_CMD_RESUMED:
        if (reply->len)
            abort();
        port_double.stop.reason = step ? DEBUG_STEPPED : DEBUG_HALTED;
        port_double.stop.pc = port_double.regs[DEBUG_REG_PC];
        if (!gdb_commands_stop_reply(c, reply) || reply->len > GDB_PACKET_MAX ||
            !strchr("TSWX", reply->str[0]))
            abort();
        return true;
    case GDB_CMD_REPLY:
    case GDB_CMD_REPLY_NO_ACK:
        return true;
    case GDB_CMD_REPLY_AND_END:
    case GDB_CMD_END:
        return false;
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GString *reply = g_string_new(NULL);
    struct gdb_commands *c;
    bool going = true;
    const uint8_t *p = data, *end = data + size;

    port_double_reset(PC0);
    c = gdb_commands_new(NULL);
    while (going && p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        /* NUL-terminated after len, as the decoder gives it */
        g_autofree uint8_t *payload = g_malloc(len + 1);
        memcpy(payload, p, len);
        payload[len] = '\0';
        if (len == 1 && payload[0] == 0x03) {
            gdb_commands_interrupt(c);
        } else if (len >= 8 && !memcmp(payload, "monitor ", 8)) {
            /* GDB's `monitor LINE`, hex-encoded into qRcmd as GDB does */
            g_autofree char *hex = hex_encode(payload + 8, len - 8);
            g_autofree char *rcmd = g_strconcat("qRcmd,", hex, NULL);
            going = command(c, (const uint8_t *)rcmd, strlen(rcmd), reply, size & 1);
        } else {
            going = command(c, payload, len, reply, size & 1);
        }
        p += len + 1;
    }
    gdb_commands_free(c);
    g_string_free(reply, TRUE);
    return 0;
}
