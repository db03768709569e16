/* emu/net.c: NET, the WiFi module with socket offload
 * (docs/hardware.md#net).  The firmware joins a virtual access point
 * (net_env.c), resolves names and opens TCP sockets; each socket is a
 * non-blocking host socket watched by the GLib main loop, so any number of
 * lamps share one thread.  Bytes move between the host socket and two
 * bounded buffers per socket; the firmware moves them to and from its RAM
 * with SEND and RECV (DMA), and learns of changes by interrupt.  Faults
 * (latency, drops, refused connections, a stalled peer, link loss) are
 * injected from the host (machine_net_fault). */
#include "periph.h"
#include "net_env.h"

#include <gio/gio.h>
#include <string.h>

enum {
    NET_ID = 0x000, NET_CTRL = 0x004, NET_STATUS = 0x008, NET_EVENT = 0x00C,
    NET_CMD = 0x010, NET_RESULT = 0x014, NET_ARG0 = 0x018, NET_ARG1 = 0x01C,
    NET_ARG2 = 0x020, NET_BUF = 0x024, NET_LEN = 0x028, NET_JOINERR = 0x02C,
    NET_DNSADDR = 0x030, NET_DNSERR = 0x034,
    NET_SOCK0 = 0x100, NET_SOCK_STRIDE = 0x20,
    SOCK_STATE = 0x00, SOCK_EVENT = 0x04, SOCK_RXAVAIL = 0x08, SOCK_TXFREE = 0x0C,
    SOCK_ERR = 0x10,
};
#define NET_ID_VALUE 0x57494649u /* "IFIW" read as bytes: "WIFI" little-endian */
#define CTRL_EN 1u
#define CTRL_IE 2u
#define STATUS_LINK 1u
#define STATUS_JOINING 2u
#define STATUS_DNS_BUSY 4u
#define EV_JOINED 1u
#define EV_JOIN_FAILED 2u
#define EV_LINK_LOST 4u
#define EV_DNS_DONE 8u
#define EV_GLOBAL_MASK 0xFu
enum { CMD_JOIN = 1, CMD_LEAVE, CMD_RESOLVE, CMD_OPEN, CMD_SEND, CMD_RECV, CMD_CLOSE };
enum { E_ARG = -1, E_NOLINK = -2, E_STATE = -3, E_BUSY = -4, E_DISABLED = -5 };
enum { ST_CLOSED, ST_CONNECTING, ST_CONNECTED, ST_PEER_CLOSED, ST_ERROR };
#define SEV_CONNECTED 1u
#define SEV_RX 2u
#define SEV_TXSPACE 4u
#define SEV_PEER_CLOSED 8u
#define SEV_ERROR 16u
enum { SERR_REFUSED = 1, SERR_RESET, SERR_TIMEOUT, SERR_UNREACHABLE, SERR_LINK_LOST,
       SERR_OTHER };

#define NET_SOCKETS 8
#define RX_CAP (16 * 1024)
#define TX_CAP (16 * 1024)
#define JOIN_TIME_NS 300000000ull  /* association + WPA2 4-way handshake */
#define DNS_NAME_MAX 253

/* Bytes (or the peer's FIN/RST when data is NULL) held back by injected
 * latency until due. */
struct held {
    uint64_t due_ns;
    GBytes *data;
    int err;    /* with data NULL: 0 = FIN, else SERR_* */
};

struct net_sock {
    struct net *n;
    unsigned idx;
    uint32_t state, event, err;
    GSocket *sock;
    GSource *in_src, *out_src;
    GByteArray *rx, *tx;
    GQueue rx_held, tx_held;   /* struct held *, in order */
    size_t rx_held_bytes, tx_held_bytes;
    bool tx_was_full;          /* a SEND came up short: report TXSPACE */
    uint64_t connected_due_ns; /* latency on the SYN/ACK, 0 = none */
    bool connect_pending;
};

struct net {
    struct machine *m;
    struct net_env *env;
    GMainContext *ctx;
    uint32_t ctrl, status, event, result, arg[3], buf, len, joinerr, dnsaddr, dnserr;
    struct machine_timer *join_timer, *held_timer;
    bool join_pending_ok;
    GCancellable *dns_cancel;
    struct net_sock socks[NET_SOCKETS];
    /* fault injection */
    uint32_t latency_ms;
    bool refuse, stall;
    struct machine_net_stats stats;
    bool warned_deterministic;
};

static void net_update_irq(struct net *n)
{
    bool any = (n->event & EV_GLOBAL_MASK) != 0;

    for (unsigned i = 0; i < NET_SOCKETS && !any; i++)
        any = n->socks[i].event != 0;
    machine_irq_set(n->m, IRQ_NET, (n->ctrl & CTRL_EN) && (n->ctrl & CTRL_IE) && any);
}

static void sock_event(struct net_sock *s, uint32_t ev)
{
    s->event |= ev;
    net_update_irq(s->n);
}

static void sock_unwatch(struct net_sock *s)
{
    if (s->in_src) {
        g_source_destroy(s->in_src);
        g_source_unref(s->in_src);
        s->in_src = NULL;
    }
    if (s->out_src) {
        g_source_destroy(s->out_src);
        g_source_unref(s->out_src);
        s->out_src = NULL;
    }
}

static void held_free(gpointer p)
{
    struct held *h = p;
    if (h->data)
        g_bytes_unref(h->data);
    g_free(h);
}

/* Drops the host socket and everything in flight; state as given. */
static void sock_teardown(struct net_sock *s, uint32_t state, uint32_t err)
{
    sock_unwatch(s);
    if (s->sock) {
        g_socket_close(s->sock, NULL);
        g_object_unref(s->sock);
        s->sock = NULL;
    }
    g_queue_clear_full(&s->rx_held, held_free);
    g_queue_clear_full(&s->tx_held, held_free);
    s->rx_held_bytes = s->tx_held_bytes = 0;
    g_byte_array_set_size(s->tx, 0);
    if (state == ST_CLOSED)
        g_byte_array_set_size(s->rx, 0);
    s->connect_pending = false;
    s->connected_due_ns = 0;
    s->tx_was_full = false;
    s->state = state;
    s->err = err;
}

static void sock_fail(struct net_sock *s, uint32_t err)
{
    sock_teardown(s, ST_ERROR, err);
    sock_event(s, SEV_ERROR);
}

static uint32_t map_gio_error(const GError *e)
{
    if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        return SERR_REFUSED;
    if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return SERR_TIMEOUT;
    if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
        g_error_matches(e, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
        return SERR_UNREACHABLE;
    if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
        g_error_matches(e, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return SERR_RESET;
    return SERR_OTHER;
}

static void held_timer_rearm(struct net *n)
{
    uint64_t next = UINT64_MAX;

    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        struct net_sock *s = &n->socks[i];
        struct held *h;
        if ((h = g_queue_peek_head(&s->rx_held)) && h->due_ns < next)
            next = h->due_ns;
        if ((h = g_queue_peek_head(&s->tx_held)) && h->due_ns < next)
            next = h->due_ns;
        if (s->connected_due_ns && s->connected_due_ns < next)
            next = s->connected_due_ns;
    }
    if (next == UINT64_MAX)
        machine_timer_cancel(n->held_timer);
    else
        machine_timer_arm(n->held_timer, next);
}

static void sock_watch(struct net_sock *s);

/* ---- host socket I/O ---- */

static void deliver_rx(struct net_sock *s, GBytes *data, int eof_err)
{
    if (data) {
        gsize len;
        const uint8_t *p = g_bytes_get_data(data, &len);
        g_byte_array_append(s->rx, p, (guint)len);
        s->n->stats.bytes_in += len;
        sock_event(s, SEV_RX);
    } else if (eof_err) {
        sock_fail(s, (uint32_t)eof_err);
    } else {
        s->state = ST_PEER_CLOSED;
        sock_unwatch(s);
        sock_event(s, SEV_PEER_CLOSED);
    }
}

/* From the host, through the latency queue when one is set. */
static void arrive_rx(struct net_sock *s, GBytes *data, int eof_err)
{
    struct net *n = s->n;

    if (n->latency_ms == 0 && g_queue_is_empty(&s->rx_held)) {
        deliver_rx(s, data, eof_err);
        return;
    }
    struct held *h = g_new0(struct held, 1);
    h->due_ns = machine_now_ns(n->m) + (uint64_t)n->latency_ms * 1000000ull;
    h->data = data ? g_bytes_ref(data) : NULL;
    h->err = eof_err;
    s->rx_held_bytes += data ? g_bytes_get_size(data) : 0;
    g_queue_push_tail(&s->rx_held, h);
    held_timer_rearm(n);
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer user)
{
    struct net_sock *s = user;
    uint8_t buf[4096];
    size_t room = RX_CAP - MIN(RX_CAP, s->rx->len + s->rx_held_bytes);
    g_autoptr(GError) err = NULL;
    gssize got;

    if (s->n->stall || room == 0) {
        /* Stop watching; RECV (room) or the end of the stall resumes. */
        g_source_unref(s->in_src);
        s->in_src = NULL;
        return G_SOURCE_REMOVE;
    }
    got = g_socket_receive(sock, (gchar *)buf, MIN(room, sizeof(buf)), NULL, &err);
    if (got < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
    g_source_unref(s->in_src);
    s->in_src = NULL;
    if (got < 0)
        arrive_rx(s, NULL, (int)map_gio_error(err));
    else if (got == 0)
        arrive_rx(s, NULL, 0);
    else {
        g_autoptr(GBytes) b = g_bytes_new(buf, (gsize)got);
        arrive_rx(s, b, 0);
        sock_watch(s);
    }
    machine_host_event(s->n->m);
    return G_SOURCE_REMOVE;
}

static void finish_connect(struct net_sock *s)
{
    s->connect_pending = false;
    if (s->n->latency_ms) {
        s->connected_due_ns = machine_now_ns(s->n->m) + (uint64_t)s->n->latency_ms * 1000000ull;
        held_timer_rearm(s->n);
        return;
    }
    s->state = ST_CONNECTED;
    sock_event(s, SEV_CONNECTED | SEV_TXSPACE);
    sock_watch(s);
}

static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer user)
{
    struct net_sock *s = user;
    g_autoptr(GError) err = NULL;

    g_source_unref(s->out_src);
    s->out_src = NULL;
    if (s->connect_pending) {
        if (!g_socket_check_connect_result(sock, &err)) {
            machine_log(s->n->m, MACHINE_LOG_INFO, "net: socket %u: connect failed: %s",
                        s->idx, err->message);
            sock_fail(s, map_gio_error(err));
        } else {
            finish_connect(s);
        }
        machine_host_event(s->n->m);
        return G_SOURCE_REMOVE;
    }
    if (s->n->stall || s->tx->len == 0)
        return G_SOURCE_REMOVE;
    gssize sent = g_socket_send(sock, (const gchar *)s->tx->data, s->tx->len, NULL, &err);
    if (sent < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        sock_watch(s);
        return G_SOURCE_REMOVE;
    }
    if (sent < 0) {
        sock_fail(s, map_gio_error(err));
    } else {
        g_byte_array_remove_range(s->tx, 0, (guint)sent);
        s->n->stats.bytes_out += (uint64_t)sent;
        if (s->tx_was_full) {
            s->tx_was_full = false;
            sock_event(s, SEV_TXSPACE);
        }
        sock_watch(s);
    }
    machine_host_event(s->n->m);
    return G_SOURCE_REMOVE;
}

/* Watches what the socket needs now: connect completion, room to read,
 * bytes to write.  Nothing while the peer is stalled. */
static void sock_watch(struct net_sock *s)
{
    bool want_in, want_out;

    if (!s->sock || s->n->stall)
        return;
    want_in = s->state == ST_CONNECTED && s->rx->len + s->rx_held_bytes < RX_CAP;
    want_out = s->connect_pending || (s->state == ST_CONNECTED && s->tx->len > 0);
    if (want_in && !s->in_src) {
        s->in_src = g_socket_create_source(s->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
        g_source_set_callback(s->in_src, (GSourceFunc)(void (*)(void))on_readable, s, NULL);
        g_source_attach(s->in_src, s->n->ctx);
    }
    if (want_out && !s->out_src) {
        s->out_src = g_socket_create_source(s->sock, G_IO_OUT | G_IO_HUP | G_IO_ERR, NULL);
        g_source_set_callback(s->out_src, (GSourceFunc)(void (*)(void))on_writable, s, NULL);
        g_source_attach(s->out_src, s->n->ctx);
    }
}

/* Latency: what falls due now moves on. */
static void held_fire(void *opaque)
{
    struct net *n = opaque;
    uint64_t now = machine_now_ns(n->m);

    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        struct net_sock *s = &n->socks[i];
        struct held *h;

        if (s->connected_due_ns && s->connected_due_ns <= now) {
            s->connected_due_ns = 0;
            s->state = ST_CONNECTED;
            sock_event(s, SEV_CONNECTED | SEV_TXSPACE);
        }
        while ((h = g_queue_peek_head(&s->rx_held)) && h->due_ns <= now) {
            g_queue_pop_head(&s->rx_held);
            s->rx_held_bytes -= h->data ? g_bytes_get_size(h->data) : 0;
            deliver_rx(s, h->data, h->err);
            held_free(h);
            if (s->state == ST_ERROR)
                break;
        }
        while ((h = g_queue_peek_head(&s->tx_held)) && h->due_ns <= now) {
            gsize len;
            const uint8_t *p = g_bytes_get_data(h->data, &len);
            g_queue_pop_head(&s->tx_held);
            s->tx_held_bytes -= len;
            g_byte_array_append(s->tx, p, (guint)len);
            held_free(h);
        }
        sock_watch(s);
    }
    held_timer_rearm(n);
}

/* ---- commands ---- */

static const char *guest_string(struct net *n, uint32_t addr, uint32_t len, uint32_t max)
{
    const uint8_t *p = machine_sram_range(n->m, addr, len);

    if (!p || len == 0 || len > max)
        return NULL;
    return (const char *)p;
}

static void join_done(void *opaque)
{
    struct net *n = opaque;

    n->status &= ~STATUS_JOINING;
    if (n->joinerr == NET_JOIN_OK) {
        n->status |= STATUS_LINK;
        n->event |= EV_JOINED;
    } else {
        n->event |= EV_JOIN_FAILED;
    }
    net_update_irq(n);
}

static int32_t cmd_join(struct net *n)
{
    const char *b = guest_string(n, n->buf, n->len, 200);
    const char *ssid, *pass, *proxy = "";
    const char *end;

    if (n->status & (STATUS_JOINING | STATUS_LINK))
        return E_BUSY;
    if (!b || b[n->len - 1] != 0) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR,
                    "net: JOIN buffer 0x%08x+%u is not NUL-terminated strings in SRAM",
                    n->buf, n->len);
        return E_ARG;
    }
    end = b + n->len;
    ssid = b;
    pass = ssid + strlen(ssid) + 1;
    if (pass >= end)
        return E_ARG;
    if (pass + strlen(pass) + 1 < end)
        proxy = pass + strlen(pass) + 1;
    if (*proxy)
        machine_log(n->m, MACHINE_LOG_UNIMP,
                    "net: proxy '%s' not modelled: connections go direct", proxy);
    n->joinerr = n->env ? net_env_join(n->env, ssid, pass) : NET_JOIN_NO_SSID;
    if (!n->env || net_env_ap_count(n->env) == 0)
        machine_log(n->m, MACHINE_LOG_INFO,
                    "net: no access points configured (lampsim --ap SSID:PASSPHRASE)");
    n->status |= STATUS_JOINING;
    machine_timer_arm(n->join_timer, machine_now_ns(n->m) + JOIN_TIME_NS);
    return 0;
}

static void drop_all(struct net *n, uint32_t err)
{
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        struct net_sock *s = &n->socks[i];
        if (s->state == ST_CONNECTING || s->state == ST_CONNECTED || s->state == ST_PEER_CLOSED)
            sock_fail(s, err);
    }
}

static void dns_done(GObject *src, GAsyncResult *res, gpointer user)
{
    g_autoptr(GError) err = NULL;
    GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &err);
    struct net *n = user;

    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* the model may be gone */
    g_clear_object(&n->dns_cancel);
    n->status &= ~STATUS_DNS_BUSY;
    n->dnserr = 1;
    n->dnsaddr = 0;
    for (GList *l = addrs; l; l = l->next) {
        GInetAddress *a = l->data;
        if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4) {
            const guint8 *b = g_inet_address_to_bytes(a);
            n->dnsaddr = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            n->dnserr = 0;
            break;
        }
    }
    if (err && !g_error_matches(err, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
        n->dnserr = 2;
    g_resolver_free_addresses(addrs);
    n->event |= EV_DNS_DONE;
    net_update_irq(n);
    machine_host_event(n->m);
}

static int32_t cmd_resolve(struct net *n)
{
    const char *b = guest_string(n, n->buf, n->len, DNS_NAME_MAX);
    g_autofree char *name = NULL;
    g_autoptr(GResolver) resolver = NULL;

    if (!(n->status & STATUS_LINK))
        return E_NOLINK;
    if (n->status & STATUS_DNS_BUSY)
        return E_BUSY;
    if (!b) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: RESOLVE name 0x%08x+%u not in SRAM",
                    n->buf, n->len);
        return E_ARG;
    }
    name = g_strndup(b, n->len);
    n->status |= STATUS_DNS_BUSY;
    n->dns_cancel = g_cancellable_new();
    resolver = g_resolver_get_default();
    g_main_context_push_thread_default(n->ctx);
    g_resolver_lookup_by_name_async(resolver, name, n->dns_cancel, dns_done, n);
    g_main_context_pop_thread_default(n->ctx);
    return 0;
}

static struct net_sock *arg_sock(struct net *n)
{
    if (n->arg[0] >= NET_SOCKETS) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: no socket %u", n->arg[0]);
        return NULL;
    }
    return &n->socks[n->arg[0]];
}

static int32_t cmd_open(struct net *n)
{
    struct net_sock *s = arg_sock(n);
    g_autoptr(GError) err = NULL;
    g_autoptr(GInetAddress) ia = NULL;
    g_autoptr(GSocketAddress) sa = NULL;
    uint8_t ip[4];

    if (!s)
        return E_ARG;
    if (!(n->status & STATUS_LINK))
        return E_NOLINK;
    if (s->state != ST_CLOSED)
        return E_STATE;
    if (n->arg[2] == 0 || n->arg[2] > 65535)
        return E_ARG;
    if (machine_config(n->m)->time_mode == MACHINE_TIME_DETERMINISTIC && !n->warned_deterministic) {
        n->warned_deterministic = true;
        machine_log(n->m, MACHINE_LOG_UNIMP,
                    "net: host sockets in deterministic time: the peer answers in host "
                    "time, so virtual time may skip past it (use realtime for networking)");
    }
    n->stats.connects++;
    s->state = ST_CONNECTING;
    s->err = 0;
    g_byte_array_set_size(s->rx, 0);
    if (n->refuse) {
        sock_fail(s, SERR_REFUSED);
        return 0;
    }
    ip[0] = (uint8_t)(n->arg[1] >> 24); ip[1] = (uint8_t)(n->arg[1] >> 16);
    ip[2] = (uint8_t)(n->arg[1] >> 8); ip[3] = (uint8_t)n->arg[1];
    ia = g_inet_address_new_from_bytes(ip, G_SOCKET_FAMILY_IPV4);
    sa = g_inet_socket_address_new(ia, (guint16)n->arg[2]);
    s->sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
    if (!s->sock) {
        machine_log(n->m, MACHINE_LOG_INFO, "net: host socket: %s", err->message);
        sock_fail(s, SERR_OTHER);
        return 0;
    }
    g_socket_set_blocking(s->sock, FALSE);
    if (g_socket_connect(s->sock, sa, NULL, &err)) {
        finish_connect(s);
    } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PENDING)) {
        s->connect_pending = true;
        sock_watch(s);
    } else {
        sock_fail(s, map_gio_error(err));
    }
    return 0;
}

static int32_t cmd_send(struct net *n)
{
    struct net_sock *s = arg_sock(n);
    const uint8_t *p;
    size_t room, take;

    if (!s)
        return E_ARG;
    if (s->state != ST_CONNECTED)
        return E_STATE;
    p = machine_sram_range(n->m, n->buf, n->len);
    if (!p) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: SEND buffer 0x%08x+%u not in SRAM",
                    n->buf, n->len);
        return E_ARG;
    }
    room = TX_CAP - MIN(TX_CAP, s->tx->len + s->tx_held_bytes);
    take = MIN(room, n->len);
    if (take < n->len)
        s->tx_was_full = true;
    if (take == 0)
        return 0;
    if (n->latency_ms) {
        struct held *h = g_new0(struct held, 1);
        h->due_ns = machine_now_ns(n->m) + (uint64_t)n->latency_ms * 1000000ull;
        h->data = g_bytes_new(p, take);
        s->tx_held_bytes += take;
        g_queue_push_tail(&s->tx_held, h);
        held_timer_rearm(n);
    } else {
        g_byte_array_append(s->tx, p, (guint)take);
        sock_watch(s);
    }
    return (int32_t)take;
}

static int32_t cmd_recv(struct net *n)
{
    struct net_sock *s = arg_sock(n);
    uint8_t *p;
    size_t take;

    if (!s)
        return E_ARG;
    if (s->state != ST_CONNECTED && s->state != ST_PEER_CLOSED && s->state != ST_ERROR)
        return E_STATE;
    p = machine_sram_range_rw(n->m, n->buf, n->len);
    if (!p) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: RECV buffer 0x%08x+%u not in SRAM",
                    n->buf, n->len);
        return E_ARG;
    }
    take = MIN(n->len, s->rx->len);
    if (take) { /* an empty GByteArray may have no storage at all */
        memcpy(p, s->rx->data, take);
        g_byte_array_remove_range(s->rx, 0, (guint)take);
    }
    if (s->rx->len == 0)
        s->event &= ~SEV_RX;
    sock_watch(s);
    return (int32_t)take;
}

static int32_t cmd_close(struct net *n)
{
    struct net_sock *s = arg_sock(n);

    if (!s)
        return E_ARG;
    sock_teardown(s, ST_CLOSED, 0);
    s->event = 0;
    return 0;
}

static void run_command(struct net *n, uint32_t cmd)
{
    int32_t r;

    if (!(n->ctrl & CTRL_EN)) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: command %u while the module is off", cmd);
        n->result = (uint32_t)E_DISABLED;
        return;
    }
    switch (cmd) {
    case CMD_JOIN: r = cmd_join(n); break;
    case CMD_LEAVE:
        machine_timer_cancel(n->join_timer);
        drop_all(n, SERR_LINK_LOST);
        n->status &= ~(STATUS_LINK | STATUS_JOINING);
        r = 0;
        break;
    case CMD_RESOLVE: r = cmd_resolve(n); break;
    case CMD_OPEN: r = cmd_open(n); break;
    case CMD_SEND: r = cmd_send(n); break;
    case CMD_RECV: r = cmd_recv(n); break;
    case CMD_CLOSE: r = cmd_close(n); break;
    default:
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: unknown command %u", cmd);
        r = E_ARG;
    }
    n->result = (uint32_t)r;
    net_update_irq(n);
}

/* ---- registers ---- */

static uint32_t sock_read(struct net *n, struct net_sock *s, uint32_t off)
{
    switch (off) {
    case SOCK_STATE: return s->state;
    case SOCK_EVENT: return s->event;
    case SOCK_RXAVAIL: return s->rx->len;
    case SOCK_TXFREE:
        return s->state == ST_CONNECTED ? (uint32_t)(TX_CAP - MIN(TX_CAP, s->tx->len + s->tx_held_bytes)) : 0;
    case SOCK_ERR: return s->err;
    }
    machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: read of socket %u offset 0x%02x", s->idx, off);
    return 0;
}

static uint32_t net_read(void *opaque, uint32_t offset, unsigned size)
{
    struct net *n = opaque;

    if (offset >= NET_SOCK0 && offset < NET_SOCK0 + NET_SOCKETS * NET_SOCK_STRIDE)
        return sock_read(n, &n->socks[(offset - NET_SOCK0) / NET_SOCK_STRIDE],
                         (offset - NET_SOCK0) % NET_SOCK_STRIDE);
    switch (offset) {
    case NET_ID: return NET_ID_VALUE;
    case NET_CTRL: return n->ctrl;
    case NET_STATUS: return n->status;
    case NET_EVENT: {
        uint32_t v = n->event & EV_GLOBAL_MASK;
        for (unsigned i = 0; i < NET_SOCKETS; i++)
            if (n->socks[i].event)
                v |= 1u << (8 + i);
        return v;
    }
    case NET_RESULT: return n->result;
    case NET_ARG0: return n->arg[0];
    case NET_ARG1: return n->arg[1];
    case NET_ARG2: return n->arg[2];
    case NET_BUF: return n->buf;
    case NET_LEN: return n->len;
    case NET_JOINERR: return n->joinerr;
    case NET_DNSADDR: return n->dnsaddr;
    case NET_DNSERR: return n->dnserr;
    }
    machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: read of 0x%03x", offset);
    return 0;
}

static void net_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct net *n = opaque;

    if (offset >= NET_SOCK0 && offset < NET_SOCK0 + NET_SOCKETS * NET_SOCK_STRIDE) {
        struct net_sock *s = &n->socks[(offset - NET_SOCK0) / NET_SOCK_STRIDE];
        if ((offset - NET_SOCK0) % NET_SOCK_STRIDE == SOCK_EVENT) {
            /* RX stays set while bytes are waiting: it is a level. */
            s->event &= ~value;
            if (s->rx->len)
                s->event |= SEV_RX;
            net_update_irq(n);
            return;
        }
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: write to read-only socket register 0x%03x",
                    offset);
        return;
    }
    switch (offset) {
    case NET_CTRL:
        if ((n->ctrl & CTRL_EN) && !(value & CTRL_EN)) {
            /* Module powered down: the link and every connection go. */
            machine_timer_cancel(n->join_timer);
            drop_all(n, SERR_LINK_LOST);
            n->status = 0;
        }
        n->ctrl = value & (CTRL_EN | CTRL_IE);
        net_update_irq(n);
        return;
    case NET_EVENT:
        n->event &= ~(value & EV_GLOBAL_MASK);
        net_update_irq(n);
        return;
    case NET_CMD: run_command(n, value); return;
    case NET_ARG0: n->arg[0] = value; return;
    case NET_ARG1: n->arg[1] = value; return;
    case NET_ARG2: n->arg[2] = value; return;
    case NET_BUF: n->buf = value; return;
    case NET_LEN: n->len = value; return;
    }
    machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: write to 0x%03x", offset);
}

static void net_reset(void *opaque, uint32_t cause)
{
    struct net *n = opaque;

    /* The module shares the lamp's reset line: link and sockets go. */
    machine_timer_cancel(n->join_timer);
    machine_timer_cancel(n->held_timer);
    if (n->dns_cancel) {
        g_cancellable_cancel(n->dns_cancel);
        g_clear_object(&n->dns_cancel);
    }
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        sock_teardown(&n->socks[i], ST_CLOSED, 0);
        n->socks[i].event = 0;
    }
    n->ctrl = n->status = n->event = n->result = 0;
    n->joinerr = n->dnsaddr = n->dnserr = 0;
    memset(n->arg, 0, sizeof(n->arg));
    n->buf = n->len = 0;
    net_update_irq(n);
}

static void net_free(void *opaque)
{
    struct net *n = opaque;

    net_reset(n, MACHINE_RESET_POR);
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        g_byte_array_unref(n->socks[i].rx);
        g_byte_array_unref(n->socks[i].tx);
    }
    if (n->env)
        net_env_unref(n->env);
    g_main_context_unref(n->ctx);
    g_free(n);
}

void *net_new(struct machine *m, GError **error)
{
    struct net *n = g_new0(struct net, 1);
    const struct machine_config *cfg = machine_config(m);

    n->m = m;
    n->env = cfg->net_env ? net_env_ref(cfg->net_env) : NULL;
    n->ctx = g_main_context_ref_thread_default();
    n->join_timer = machine_timer_new(m, join_done, n);
    n->held_timer = machine_timer_new(m, held_fire, n);
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        n->socks[i].n = n;
        n->socks[i].idx = i;
        n->socks[i].rx = g_byte_array_new();
        n->socks[i].tx = g_byte_array_new();
    }
    return n;
}

void net_fault(void *opaque, enum machine_net_fault f, uint32_t arg)
{
    struct net *n = opaque;

    switch (f) {
    case MACHINE_NET_LATENCY_MS:
        n->latency_ms = arg;
        break;
    case MACHINE_NET_DROP:
        drop_all(n, SERR_RESET);
        break;
    case MACHINE_NET_REFUSE:
        n->refuse = arg != 0;
        break;
    case MACHINE_NET_STALL:
        n->stall = arg != 0;
        if (!n->stall)
            for (unsigned i = 0; i < NET_SOCKETS; i++)
                sock_watch(&n->socks[i]);
        break;
    case MACHINE_NET_LINK_LOSS:
        if (n->status & STATUS_LINK) {
            drop_all(n, SERR_LINK_LOST);
            n->status &= ~STATUS_LINK;
            n->event |= EV_LINK_LOST;
            net_update_irq(n);
        }
        break;
    }
    machine_log(n->m, MACHINE_LOG_INFO, "net: fault injected: %s %u",
                f == MACHINE_NET_LATENCY_MS ? "latency ms" : f == MACHINE_NET_DROP ? "drop" :
                f == MACHINE_NET_REFUSE ? "refuse" : f == MACHINE_NET_STALL ? "stall" : "link loss",
                arg);
    machine_host_event(n->m);
}

void net_get_stats(void *opaque, struct machine_net_stats *out)
{
    struct net *n = opaque;

    *out = n->stats;
    out->link_up = (n->status & STATUS_LINK) != 0;
    out->open_sockets = 0;
    for (unsigned i = 0; i < NET_SOCKETS; i++)
        if (n->socks[i].state == ST_CONNECTED)
            out->open_sockets++;
}

const struct periph_ops net_ops = {
    .name = "net", .read = net_read, .write = net_write,
    .reset = net_reset, .free = net_free,
};
