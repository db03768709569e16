/* sim/gdb_server.c: the socket side of the GDB server (see gdb_server.h):
 * framing and acknowledgements (GDB manual E.1, E.11 "Packet
 * Acknowledgment"), Ctrl-C, one session at a time, and the stop replies a
 * running lamp owes its debugger, noticed at the end of the lamp's slices
 * (no per-instruction cost while the lamp runs). */
#include "gdb_server.h"

#include "debug_port.h"
#include "gdb_commands.h"
#include "gdb_packet.h"
#include "sim_error.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

/* A debugger that stops reading its socket cannot hold the lamp forever. */
#define SEND_TIMEOUT_S 10

struct session {
    struct gdb_server *srv;
    GSocket *sock;
    GSource *source;
    struct gdb_decoder *dec;
    struct gdb_commands *cmds; /* NULL: a refused debugger */
    GString *last;             /* the last reply, framed, for a '-' */
    bool no_ack;
    bool waiting_stop;         /* c/s/vCont sent: the stop reply is owed */
};

struct gdb_server {
    struct lamp *lamp;
    struct machine *m;
    struct scheduler *sched;
    GMainContext *ctx;
    GSocket *listener;
    GSource *accept_source;
    uint16_t port;
    char *refusal;             /* the port's refusal, or NULL */
    bool attached;             /* the server holds the lamp's port */
    struct session *active;    /* the debugger on the port */
    GPtrArray *refused;        /* struct session *, being told why */
};

static void drop_source(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

static void session_free(struct session *s)
{
    if (!s)
        return;
    drop_source(&s->source);
    if (s->sock) {
        g_socket_close(s->sock, NULL);
        g_object_unref(s->sock);
    }
    gdb_decoder_free(s->dec);
    gdb_commands_free(s->cmds);
    g_string_free(s->last, TRUE);
    g_free(s);
}

bool gdb_server_parse_address(const char *spec, char **host, uint16_t *port, GError **error)
{
    const char *colon = strrchr(spec, ':');
    const char *digits = colon ? colon + 1 : spec;
    g_autofree char *h = colon ? g_strndup(spec, (gsize)(colon - spec)) : NULL;
    g_autoptr(GInetAddress) addr = NULL;
    guint64 n;

    if (!*digits || !g_ascii_string_to_unsigned(digits, 10, 0, 65535, &n, NULL))
        return sim_error_args(error, "--gdb %s: the port must be a number from 0 to 65535 "
                              "(0: any free port), as in --gdb 3333 or --gdb 127.0.0.1:3333",
                              spec);
    if (h && h[0] == '[' && h[strlen(h) - 1] == ']') {
        memmove(h, h + 1, strlen(h) - 2);
        h[strlen(h) - 2] = 0;
    }
    if (h && !strcmp(h, "localhost"))
        g_free(g_steal_pointer(&h)), h = g_strdup(GDB_SERVER_DEFAULT_HOST);
    if (h && !(addr = g_inet_address_new_from_string(h)))
        return sim_error_args(error, "--gdb %s: '%s' is not a numeric IP address (the server "
                              "listens on loopback by default: --gdb %s)", spec, h, digits);
    *host = h ? g_steal_pointer(&h) : g_strdup(GDB_SERVER_DEFAULT_HOST);
    *port = (uint16_t)n;
    return true;
}

/* Sends bytes whole (false: hang up).  The timeout is for sending only:
 * a debugger may stay silent for as long as the lamp runs. */
static bool session_send(struct session *s, const char *data, size_t len)
{
    g_autoptr(GError) error = NULL;
    bool ok = true;

    g_socket_set_timeout(s->sock, SEND_TIMEOUT_S);
    while (len > 0) {
        gssize n = g_socket_send_with_blocking(s->sock, data, len, TRUE, NULL, &error);
        if (n <= 0) {
            g_printerr("lampsim: gdb: sending to the debugger failed (%s); hanging up\n",
                       error ? error->message : "closed");
            ok = false;
            break;
        }
        data += n;
        len -= (size_t)n;
    }
    g_socket_set_timeout(s->sock, 0);
    return ok;
}

static bool session_reply(struct session *s, const GString *payload)
{
    g_string_truncate(s->last, 0);
    gdb_packet_append(s->last, (const uint8_t *)payload->str, payload->len);
    return session_send(s, s->last->str, s->last->len);
}

static void server_end_session(struct gdb_server *srv, struct session *s);

/* Whoever runs the lamp looks at it again: its scheduler, or (none: a
 * replay) the lamp's wake callback, which the port's resume and step
 * have called already. */
static void wake_runner(struct gdb_server *srv)
{
    if (srv->sched)
        scheduler_wake(srv->sched);
}

/* The port is the server's for its life; a session only borrows it, and
 * leaves it as a lamp with no debugger wants it: no breakpoint, running,
 * and a fault taken by the firmware's own handlers. */
static void release_port(struct gdb_server *srv)
{
    g_autoptr(GError) error = NULL;

    debug_port_detach(srv->m);
    srv->attached = debug_port_attach(srv->m, &error);
    if (!srv->attached) {
        g_printerr("lampsim: gdb: the lamp's debug port did not re-open after the debugger "
                   "left: %s\n", error->message);
        return;
    }
    debug_port_set_halt_on_fault(srv->m, false);
    wake_runner(srv);
}

static bool send_stop_if_halted(struct session *s)
{
    g_autoptr(GString) reply = g_string_new(NULL);

    if (!gdb_commands_stop_reply(s->cmds, reply))
        return true;
    s->waiting_stop = false;
    return session_reply(s, reply);
}

/* One decoded event of an active session; false: hang up. */
static bool session_event(struct session *s, const struct gdb_packet_event *ev)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    enum gdb_command_result res;

    switch (ev->kind) {
    case GDB_PACKET_NONE:
    case GDB_PACKET_ACK:
        return true;
    case GDB_PACKET_NAK:
        return s->no_ack || s->last->len == 0 || session_send(s, s->last->str, s->last->len);
    case GDB_PACKET_BAD_CHECKSUM:
        return s->no_ack || session_send(s, "-", 1);
    case GDB_PACKET_INTERRUPT:
        if (!s->cmds || !s->waiting_stop)
            return true; /* halted already: nothing to interrupt */
        gdb_commands_interrupt(s->cmds);
        return send_stop_if_halted(s);
    case GDB_PACKET_OVERLONG:
    case GDB_PACKET_MALFORMED:
        /* a resend would be the same: acknowledged, and refused */
        g_string_assign(reply, "E01");
        return (s->no_ack || session_send(s, "+", 1)) && session_reply(s, reply);
    case GDB_PACKET_COMMAND:
        break;
    }
    if (!s->no_ack && !session_send(s, "+", 1))
        return false;
    if (!s->cmds) {
        /* refused: GDB shows an E.text reply to qSupported as a warning */
        g_string_printf(reply, "E.%s", s->srv->refusal ? s->srv->refusal
                                                       : "another debugger is attached to "
                                                         "this lamp");
        session_reply(s, reply);
        return false;
    }
    res = gdb_commands_dispatch(s->cmds, ev->payload, ev->len, reply);
    switch (res) {
    case GDB_CMD_REPLY:
        return session_reply(s, reply);
    case GDB_CMD_REPLY_NO_ACK:
        if (!session_reply(s, reply))
            return false;
        s->no_ack = true;
        return true;
    case GDB_CMD_RESUMED:
        s->waiting_stop = true;
        wake_runner(s->srv);
        /* a step of a lamp that is not running may be done at once */
        return send_stop_if_halted(s);
    case GDB_CMD_REPLY_AND_END:
        session_reply(s, reply);
        return false;
    case GDB_CMD_END:
        return false;
    }
    return false;
}

static gboolean on_session_io(GSocket *sock, GIOCondition cond, gpointer user_data)
{
    struct session *s = user_data;
    uint8_t buf[4096];
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_receive_with_blocking(sock, (char *)buf, sizeof(buf), FALSE, NULL,
                                              &error);

    if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
    if (n > 0) {
        size_t done = 0;
        while (done < (size_t)n) {
            struct gdb_packet_event ev;
            done += gdb_decoder_feed(s->dec, buf + done, (size_t)n - done, &ev);
            if (!session_event(s, &ev)) {
                server_end_session(s->srv, s);
                return G_SOURCE_REMOVE;
            }
        }
        return G_SOURCE_CONTINUE;
    }
    if (n < 0)
        g_printerr("lampsim: gdb: reading from the debugger: %s\n", error->message);
    server_end_session(s->srv, s);
    return G_SOURCE_REMOVE;
}

static struct session *session_new(struct gdb_server *srv, GSocket *sock)
{
    struct session *s = g_new0(struct session, 1);

    s->srv = srv;
    s->sock = sock;
    s->dec = gdb_decoder_new();
    s->last = g_string_new(NULL);
    s->source = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(s->source, G_SOURCE_FUNC(on_session_io), s, NULL);
    g_source_attach(s->source, srv->ctx);
    return s;
}

static void server_end_session(struct gdb_server *srv, struct session *s)
{
    /* the source may be the one being dispatched: its callback then
     * returns REMOVE */
    drop_source(&s->source);
    if (s == srv->active) {
        srv->active = NULL;
        g_printerr("lampsim: gdb: debugger detached; the lamp runs on\n");
        release_port(srv);
    } else {
        g_ptr_array_remove(srv->refused, s);
        return; /* freed by the array */
    }
    session_free(s);
}

static gboolean on_accept(GSocket *listener, GIOCondition cond, gpointer user_data)
{
    struct gdb_server *srv = user_data;
    g_autoptr(GError) error = NULL;
    GSocket *sock = g_socket_accept(listener, NULL, &error);
    struct session *s;

    if (!sock) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_printerr("lampsim: gdb: accepting a debugger: %s\n", error->message);
        return G_SOURCE_CONTINUE;
    }
    s = session_new(srv, sock);
    if (srv->refusal || srv->active || !srv->attached) {
        g_printerr("lampsim: gdb: debugger connection refused: %s\n",
                   srv->refusal ? srv->refusal : "another debugger is attached");
        g_ptr_array_add(srv->refused, s);
        return G_SOURCE_CONTINUE;
    }
    /* GDB expects a stopped target when it attaches */
    s->cmds = gdb_commands_new(srv->m);
    /* --gdb-wait held the lamp for this debugger: later resets (monitor
     * reset, the firmware's own) run on unless it asks otherwise */
    debug_port_set_halt_on_reset(srv->m, false);
    debug_port_set_halt_on_fault(srv->m, true);
    debug_port_halt(srv->m);
    srv->active = s;
    g_printerr("lampsim: gdb: debugger attached; the lamp is halted\n");
    return G_SOURCE_CONTINUE;
}

/* After each slice: a running lamp may have hit a breakpoint, a
 * watchpoint, a fault or finished a step. */
static void on_slice_end(struct lamp *lamp, gpointer user_data)
{
    struct gdb_server *srv = user_data;
    struct session *s = srv->active;

    if (s && s->waiting_stop && !send_stop_if_halted(s))
        server_end_session(srv, s);
}

static bool server_listen(struct gdb_server *srv, const char *host, uint16_t port,
                          GError **error)
{
    g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(host);
    g_autoptr(GSocketAddress) sa = NULL;
    g_autoptr(GSocketAddress) bound = NULL;

    if (!ia)
        return sim_error_args(error, "--gdb: '%s' is not a numeric IP address", host);
    sa = g_inet_socket_address_new(ia, port);
    srv->listener = g_socket_new(g_inet_address_get_family(ia), G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, error);
    if (!srv->listener)
        return false;
    if (!g_socket_bind(srv->listener, sa, TRUE, error) || !g_socket_listen(srv->listener, error)) {
        g_prefix_error(error, "GDB server on %s:%u: ", host, port);
        return false;
    }
    bound = g_socket_get_local_address(srv->listener, error);
    if (!bound)
        return false;
    srv->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    srv->accept_source = g_socket_create_source(srv->listener, G_IO_IN, NULL);
    g_source_set_callback(srv->accept_source, G_SOURCE_FUNC(on_accept), srv, NULL);
    g_source_attach(srv->accept_source, srv->ctx);
    return true;
}

struct gdb_server *gdb_server_new(struct lamp *lamp, struct scheduler *sched, GMainContext *ctx,
                                  const char *host, uint16_t port, bool halt_at_reset,
                                  GError **error)
{
    g_autoptr(gdb_server) srv = g_new0(struct gdb_server, 1);
    g_autoptr(GError) refused = NULL;

    srv->lamp = lamp;
    srv->m = lamp_machine(lamp);
    srv->sched = sched;
    srv->ctx = ctx ? g_main_context_ref(ctx) : NULL;
    srv->refused = g_ptr_array_new_with_free_func((GDestroyNotify)session_free);
    if (!server_listen(srv, host, port, error))
        return NULL;
    srv->attached = debug_port_attach(srv->m, &refused);
    if (!srv->attached) {
        srv->refusal = g_strdup(refused->message);
    } else {
        /* no debugger yet: faults go to the firmware's handlers */
        debug_port_set_halt_on_fault(srv->m, false);
        debug_port_set_halt_on_reset(srv->m, halt_at_reset);
    }
    lamp_on_slice_end(lamp, on_slice_end, srv);
    return g_steal_pointer(&srv);
}

struct gdb_server *gdb_server_new_announced(struct lamp *lamp, struct scheduler *sched,
                                            const char *host, uint16_t port, bool halt_at_reset,
                                            GError **error)
{
    struct gdb_server *srv = gdb_server_new(lamp, sched, NULL, host, port, halt_at_reset, error);

    if (!srv)
        return NULL;
    if (srv->refusal)
        fprintf(stderr, "lampsim: --gdb: the lamp's debug port refuses: %s; a debugger "
                        "that connects to %s:%u is told so and disconnected\n",
                srv->refusal, host, (unsigned)srv->port);
    else
        fprintf(stderr, "lampsim: GDB server on %s:%u%s (target remote %s:%u)\n", host,
                (unsigned)srv->port,
                halt_at_reset ? ", the lamp halted at reset until GDB continues" : "", host,
                (unsigned)srv->port);
    return srv;
}

void gdb_server_exited(struct gdb_server *srv, unsigned status)
{
    struct session *s = srv->active;
    g_autoptr(GString) reply = NULL;

    if (!s || !s->waiting_stop)
        return;
    reply = g_string_new(NULL);
    g_string_printf(reply, "W%02x", status & 0xFFu);
    s->waiting_stop = false;
    (void)session_reply(s, reply); /* a debugger gone already is no matter */
}

void gdb_server_free(struct gdb_server *srv)
{
    if (!srv)
        return;
    if (srv->lamp)
        lamp_remove_slice_end(srv->lamp, on_slice_end, srv);
    if (srv->active) {
        session_free(srv->active);
        srv->active = NULL;
    }
    if (srv->attached)
        debug_port_detach(srv->m);
    g_ptr_array_unref(srv->refused);
    drop_source(&srv->accept_source);
    if (srv->listener) {
        g_socket_close(srv->listener, NULL);
        g_object_unref(srv->listener);
    }
    if (srv->ctx)
        g_main_context_unref(srv->ctx);
    g_free(srv->refusal);
    g_free(srv);
}

uint16_t gdb_server_port(const struct gdb_server *srv) { return srv->port; }
const char *gdb_server_refusal(const struct gdb_server *srv) { return srv->refusal; }
