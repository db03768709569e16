/* tests/unit/sim/test_gdb_server.c: the GDB server's socket side
 * (sim/gdb_server.c) on loopback, byte-exact: acknowledgements, a '-'
 * answered by a resend, bad checksums, malformed and overlong packets,
 * QStartNoAckMode, Ctrl-C, a stop noticed at a slice's end, a second
 * debugger refused, a locked port's refusal.  The lamp, its scheduler and
 * its port are doubles (the lamp is never run here). */
#include "gdb_server.h"

#include "debug_port_double.h"
#include "gdb_packet.h"

#include <CUnit/Basic.h>
#include <gio/gio.h>
#include <string.h>

#define PC0 0x00020100u

/* --- the lamp and scheduler doubles ------------------------------------ */
static lamp_slice_fn slice_fn;
static gpointer slice_data;
static unsigned wakes;

struct machine *lamp_machine(struct lamp *lamp) { return NULL; }
void lamp_on_slice_end(struct lamp *lamp, lamp_slice_fn fn, gpointer user_data)
{
    slice_fn = fn;
    slice_data = user_data;
}
void lamp_remove_slice_end(struct lamp *lamp, lamp_slice_fn fn, gpointer user_data)
{
    slice_fn = NULL;
}
void scheduler_wake(struct scheduler *s) { wakes++; }

/* --- a debugger's end of the socket ------------------------------------ */
static GMainContext *ctx;

static GSocket *connect_to(uint16_t port)
{
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(lo, port);
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_TCP, NULL);

    CU_ASSERT_FATAL(s && g_socket_connect(s, sa, NULL, NULL));
    g_socket_set_blocking(s, FALSE);
    return s;
}

static void send_bytes(GSocket *s, const char *bytes, size_t len)
{
    while (len > 0) {
        gssize n = g_socket_send_with_blocking(s, bytes, len, TRUE, NULL, NULL);
        CU_ASSERT_FATAL(n > 0);
        bytes += n;
        len -= (size_t)n;
    }
}

/* Runs the server's context until want bytes came back (or 2 s passed,
 * or the server hung up); returns what came. */
static GString *receive(GSocket *s, size_t want, bool *closed)
{
    GString *got = g_string_new(NULL);
    gint64 until = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

    *closed = false;
    while (got->len < want && g_get_monotonic_time() < until) {
        char buf[4096];
        gssize n;

        while (g_main_context_iteration(ctx, FALSE))
            ;
        n = g_socket_receive_with_blocking(s, buf, sizeof(buf), FALSE, NULL, NULL);
        if (n == 0) {
            *closed = true;
            break;
        }
        if (n > 0)
            g_string_append_len(got, buf, n);
        else
            g_usleep(1000);
    }
    return got;
}

static char *framed(const char *payload)
{
    g_autoptr(GString) out = g_string_new(NULL);

    gdb_packet_append(out, (const uint8_t *)payload, strlen(payload));
    return g_strdup(out->str);
}

/* "$payload#xx" (ack: with a '+' before), from a ring of buffers that
 * lives as long as the test. */
static const char *reply_bytes(bool ack, const char *payload)
{
    static char *ring[8];
    static unsigned next;
    g_autofree char *f = framed(payload);
    char **slot = &ring[next++ % G_N_ELEMENTS(ring)];

    g_free(*slot);
    *slot = g_strconcat(ack ? "+" : "", f, NULL);
    return *slot;
}

#define ACKED(payload) reply_bytes(true, payload)
#define FRAMED(payload) reply_bytes(false, payload)

/* Sends bytes and checks the exact reply (ack and framing included). */
static void exchange(GSocket *s, const char *bytes, size_t len, const char *want)
{
    bool closed;
    g_autoptr(GString) got = NULL;

    send_bytes(s, bytes, len);
    got = receive(s, strlen(want), &closed);
    if (strcmp(got->str, want))
        printf("\n  sent '%.40s': got '%s', want '%s'", bytes, got->str, want);
    CU_ASSERT_STRING_EQUAL(got->str, want);
}

#define EXCHANGE(s, bytes, want) exchange(s, bytes, sizeof(bytes) - 1, want)

static struct gdb_server *server(void)
{
    g_autoptr(GError) error = NULL;
    /* a scheduler the double counts wakes of (a NULL one is a replay's:
     * no scheduler to wake) */
    struct gdb_server *srv = gdb_server_new((struct lamp *)&port_double,
                                            (struct scheduler *)&wakes, ctx, "127.0.0.1", 0,
                                            false, &error);

    CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
    return srv;
}

static void test_framing_and_acks(void)
{
    struct gdb_server *srv;
    GSocket *s;
    char big[GDB_PACKET_MAX + 64];
    size_t n = 0;
    uint8_t sum = 0;

    port_double_reset(PC0);
    port_double.stop.reason = DEBUG_RUNNING;
    srv = server();
    s = connect_to(gdb_server_port(srv));
    /* attaching halts the lamp: SIGTRAP */
    EXCHANGE(s, "+$?#3f", ACKED("T05thread:1;"));
    CU_ASSERT_EQUAL(port_double.stop.reason, DEBUG_HALTED);
    EXCHANGE(s, "$g#68", "-");                           /* bad checksum */
    EXCHANGE(s, "$p1#a1", ACKED("01010101"));
    EXCHANGE(s, "-", FRAMED("01010101"));                             /* resend */
    EXCHANGE(s, "$a*#8b", ACKED("E01"));                   /* malformed */
    EXCHANGE(s, "junk\r\n$p1#a1", ACKED("01010101"));      /* noise skipped */
    /* a payload over GDB_PACKET_MAX, checksum right: acknowledged, refused */
    big[n++] = '$';
    for (size_t i = 0; i < GDB_PACKET_MAX + 10; i++, n++) {
        big[n] = 'a';
        sum += 'a';
    }
    n += (size_t)g_snprintf(big + n, sizeof(big) - n, "#%02x", sum);
    exchange(s, big, n, ACKED("E01"));
    EXCHANGE(s, "$QStartNoAckMode#b0", "+$OK#9a");
    EXCHANGE(s, "$p1#a1", FRAMED("01010101"));                /* no '+' any more */
    EXCHANGE(s, "$p1#00", "");                            /* nor a '-' */
    g_object_unref(s);
    gdb_server_free(srv);
}

static void test_continue_interrupt_and_stops(void)
{
    struct gdb_server *srv;
    GSocket *s;
    bool closed;
    g_autoptr(GString) got = NULL;

    port_double_reset(PC0);
    srv = server();
    s = connect_to(gdb_server_port(srv));
    EXCHANGE(s, "$c#63", "+");
    CU_ASSERT_EQUAL(port_double.stop.reason, DEBUG_RUNNING);
    CU_ASSERT(wakes > 0);
    /* a slice ends with the core still running: nothing is sent */
    CU_ASSERT_PTR_NOT_NULL_FATAL(slice_fn);
    slice_fn(NULL, slice_data);
    EXCHANGE(s, "\x03", FRAMED("T02thread:1;"));              /* Ctrl-C */
    EXCHANGE(s, "+$c#63", "+");
    port_double.stop.reason = DEBUG_BREAKPOINT;           /* hit in a slice */
    slice_fn(NULL, slice_data);
    got = receive(s, 16, &closed);
    CU_ASSERT_STRING_EQUAL(got->str, FRAMED("T05thread:1;"));
    EXCHANGE(s, "\x03", "");                              /* halted: ignored */
    EXCHANGE(s, "+$D#44", "+$OK#9a");
    g_string_free(receive(s, 1, &closed), TRUE);
    CU_ASSERT_TRUE(closed);
    /* detached: the lamp runs again, and a new debugger is welcome */
    g_object_unref(s);
    s = connect_to(gdb_server_port(srv));
    EXCHANGE(s, "$qC#b4", "+$QC1#c5");
    g_object_unref(s);
    gdb_server_free(srv);
}

static void test_second_debugger_refused(void)
{
    struct gdb_server *srv;
    GSocket *first, *second;
    bool closed;
    g_autoptr(GString) got = NULL;

    port_double_reset(PC0);
    srv = server();
    first = connect_to(gdb_server_port(srv));
    EXCHANGE(first, "$qC#b4", "+$QC1#c5");
    second = connect_to(gdb_server_port(srv));
    EXCHANGE(second, "+$qSupported#37", ACKED("E.another debugger is attached to this lamp"));
    g_string_free(receive(second, 1, &closed), TRUE);
    CU_ASSERT_TRUE(closed);
    /* the first is untouched */
    EXCHANGE(first, "$qC#b4", "+$QC1#c5");
    got = receive(first, 1, &closed);
    CU_ASSERT_FALSE(closed);
    g_object_unref(second);
    g_object_unref(first);
    gdb_server_free(srv);
}

static void test_locked_port_refuses(void)
{
    struct gdb_server *srv;
    GSocket *s;
    bool closed;
    g_autoptr(GString) got = NULL;

    port_double_reset(PC0);
    port_double.locked = true;
    srv = server();
    CU_ASSERT_PTR_NOT_NULL(strstr(gdb_server_refusal(srv), "DEBUG_LOCK"));
    s = connect_to(gdb_server_port(srv));
    send_bytes(s, "+$qSupported#37", 15);
    got = receive(s, 4096, &closed);
    CU_ASSERT(g_str_has_prefix(got->str, "+$E.the OTP DEBUG_LOCK fuse is blown"));
    CU_ASSERT_TRUE(closed);
    g_object_unref(s);
    gdb_server_free(srv);
}

struct spec_case {
    const char *spec;
    const char *host; /* NULL: refused */
    uint16_t port;
};

static void test_address_specs(void)
{
    static const struct spec_case specs[] = {
        { "3333", "127.0.0.1", 3333 },
        { "0", "127.0.0.1", 0 },
        { "127.0.0.1:3333", "127.0.0.1", 3333 },
        { "0.0.0.0:1", "0.0.0.0", 1 },
        { "localhost:3333", "127.0.0.1", 3333 },
        { "[::1]:3333", "::1", 3333 },
        { "", NULL, 0 },
        { ":", NULL, 0 },
        { "65536", NULL, 0 },
        { "-1", NULL, 0 },
        { "12ab", NULL, 0 },
        { "host.example:3333", NULL, 0 },
        { "127.0.0.1:", NULL, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *host = NULL;
        uint16_t port = 0;
        bool ok = gdb_server_parse_address(specs[i].spec, &host, &port, &error);

        CU_ASSERT_EQUAL(ok, specs[i].host != NULL);
        if (ok && specs[i].host) {
            CU_ASSERT_STRING_EQUAL(host, specs[i].host);
            CU_ASSERT_EQUAL(port, specs[i].port);
        }
        if (!ok)
            CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "--gdb"));
    }
}

int main(void)
{
    CU_pSuite suite;

    ctx = g_main_context_new();
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("gdb_server", NULL, NULL);
    CU_add_test(suite, "framing_acks_resend_and_no_ack_mode", test_framing_and_acks);
    CU_add_test(suite, "continue_interrupt_and_slice_end_stops",
                test_continue_interrupt_and_stops);
    CU_add_test(suite, "second_debugger_refused", test_second_debugger_refused);
    CU_add_test(suite, "locked_port_refuses_with_reason", test_locked_port_refuses);
    CU_add_test(suite, "address_specs", test_address_specs);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    g_main_context_unref(ctx);
    return failed ? 1 : 0;
}
