/* emu/net_host.c: the host side of NET's sockets (docs/hardware.md#net).
 * Each lamp socket is a non-blocking host TCP socket in the reactor of the
 * lamp's GMainContext (host_io.h), watched only for what it needs now:
 * connect completion, input while the module's 16 KiB receive buffer has
 * room (so TCP flow control reaches the peer), output while bytes wait.
 * Injected latency holds bytes, connects and the peer's FIN/RST in queues
 * until due; a stall watches nothing. */
#include "net_internal.h"
#include "rr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint32_t map_errno(int e)
{
    switch (e) {
    case ECONNREFUSED: return NET_SERR_REFUSED;
    case ETIMEDOUT: return NET_SERR_TIMEOUT;
    case EHOSTUNREACH:
    case ENETUNREACH: return NET_SERR_UNREACHABLE;
    case ECONNRESET:
    case EPIPE: return NET_SERR_RESET;
    default: return NET_SERR_OTHER;
    }
}

/* ---- the host calls, recorded and replayed ----
 * Each socket call's result is a host answer (RR_NET_CALL): recording
 * notes it, replay takes it back and makes no call.  A replayed socket
 * has no host descriptor, only this stand-in for one. */
#define REPLAY_FD INT_MAX

enum net_call { NET_CALL_CONNECT = 1, NET_CALL_CONNECT_DONE, NET_CALL_SEND, NET_CALL_RECV };
static const char *const net_call_names[] = {
    [NET_CALL_CONNECT] = "connect", [NET_CALL_CONNECT_DONE] = "connect outcome",
    [NET_CALL_SEND] = "send", [NET_CALL_RECV] = "recv",
};

/* Recording: the call's result (bytes, or -errno) and the bytes received. */
static void call_note(struct net_sock *s, enum net_call op, ssize_t r, const uint8_t *data)
{
    g_autoptr(GByteArray) b = NULL;

    if (!rr_recording(s->n->m))
        return;
    b = g_byte_array_new();
    replay_put_u32(b, op);
    replay_put_u32(b, s->idx);
    replay_put_u32(b, (uint32_t)(int32_t)r);
    replay_put_bytes(b, data, op == NET_CALL_RECV && r > 0 ? (size_t)r : 0);
    rr_note_answer(s->n->m, RR_NET_CALL, b->data, b->len);
}

/* Replaying: the recorded result of this call (received bytes into buf,
 * at most cap); -EIO when the recording has another call there. */
static ssize_t call_replayed(struct net_sock *s, enum net_call op, uint8_t *buf, size_t cap)
{
    size_t len, dlen;
    const uint8_t *p = rr_take_answer(s->n->m, RR_NET_CALL, &len), *data;
    struct replay_cursor c = { p, len, p == NULL };
    uint32_t rop = replay_get_u32(&c), ridx = replay_get_u32(&c);
    int32_t r = (int32_t)replay_get_u32(&c);

    data = replay_get_bytes(&c, &dlen);
    if (!p)
        return -EIO;
    if (c.bad || rop != op || ridx != s->idx || dlen > cap || (op == NET_CALL_RECV && r > 0 && (size_t)r != dlen)) {
        rr_diverged(s->n->m, "socket %u asked the host for %s; the recording has %s on socket %u",
                    s->idx, net_call_names[op],
                    rop < G_N_ELEMENTS(net_call_names) && net_call_names[rop] ? net_call_names[rop]
                                                                              : "another call",
                    ridx);
        return -EIO;
    }
    if (dlen)
        memcpy(buf, data, dlen);
    return r;
}

static uint64_t latency_due(struct net *n)
{
    return machine_now_ns(n->m) + (uint64_t)n->latency_ms * 1000000ull;
}

static void held_free(gpointer p)
{
    struct held *h = p;
    if (h->data)
        g_bytes_unref(h->data);
    g_free(h);
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

void sock_teardown(struct net_sock *s, uint32_t state, uint32_t err)
{
    host_io_unwatch(s->watch);
    s->watch = NULL;
    if (s->fd >= 0 && s->fd != REPLAY_FD)
        close(s->fd);
    s->fd = -1;
    g_queue_clear_full(&s->rx_held, held_free);
    g_queue_clear_full(&s->tx_held, held_free);
    s->rx_held_bytes = s->tx_held_bytes = 0;
    g_byte_array_set_size(s->tx, 0);
    if (state == NET_SOCK_CLOSED)
        g_byte_array_set_size(s->rx, 0);
    s->connect_pending = false;
    s->connected_due_ns = 0;
    s->tx_was_full = false;
    sock_set_state(s, state, err);
}

void sock_fail(struct net_sock *s, uint32_t err)
{
    sock_teardown(s, NET_SOCK_ERROR, err);
    sock_event(s, NET_SEV_ERROR);
}

void sock_update_interest(struct net_sock *s)
{
    g_autoptr(GError) error = NULL;
    GIOCondition want = 0;

    if (!s->watch)
        return;
    if (!s->n->stall) {
        if (s->state == NET_SOCK_CONNECTED && s->rx->len + s->rx_held_bytes < NET_RX_CAP)
            want |= G_IO_IN;
        if (s->connect_pending || (s->state == NET_SOCK_CONNECTED && s->tx->len > 0))
            want |= G_IO_OUT;
    }
    if (!host_io_watch_set_events(s->watch, want, &error)) {
        machine_log(s->n->m, MACHINE_LOG_INFO, "net: socket %u: %s", s->idx, error->message);
        sock_fail(s, NET_SERR_OTHER);
    }
}

/* ---- receiving ---- */

static void deliver_rx(struct net_sock *s, const uint8_t *p, size_t len, int eof_err)
{
    if (len) {
        g_byte_array_append(s->rx, p, (guint)len);
        s->n->stats.bytes_in += len;
        sock_rx_added(s);
    } else if (eof_err) {
        sock_fail(s, (uint32_t)eof_err);
    } else {
        sock_set_state(s, NET_SOCK_PEER_CLOSED, 0);
        sock_update_interest(s);
        sock_event(s, NET_SEV_PEER_CLOSED);
    }
}

/* From the host, through the latency queue when one is set. */
static void arrive_rx(struct net_sock *s, const uint8_t *p, size_t len, int eof_err)
{
    struct net *n = s->n;
    struct held *h;

    if (n->latency_ms == 0 && g_queue_is_empty(&s->rx_held)) {
        deliver_rx(s, p, len, eof_err);
        return;
    }
    h = g_new0(struct held, 1);
    h->due_ns = latency_due(n);
    h->data = len ? g_bytes_new(p, len) : NULL;
    h->err = eof_err;
    s->rx_held_bytes += len;
    g_queue_push_tail(&s->rx_held, h);
    held_timer_rearm(n);
}

static void sock_read(struct net_sock *s)
{
    uint8_t buf[NET_RX_CAP];
    size_t room = NET_RX_CAP - MIN(NET_RX_CAP, s->rx->len + s->rx_held_bytes);
    ssize_t got;

    if (s->n->stall || room == 0)
        return; /* the interest update stops watching until RECV makes room */
    if (rr_replaying(s->n->m)) {
        got = call_replayed(s, NET_CALL_RECV, buf, room);
    } else {
        got = recv(s->fd, buf, room, 0);
        if (got < 0)
            got = -errno;
        call_note(s, NET_CALL_RECV, got, buf);
    }
    if (got == -EAGAIN || got == -EWOULDBLOCK || got == -EINTR || got == -EIO)
        return;
    if (got < 0)
        arrive_rx(s, NULL, 0, (int)map_errno((int)-got));
    else
        arrive_rx(s, buf, (size_t)got, 0);
}

/* ---- sending ---- */

size_t sock_tx_room(const struct net_sock *s)
{
    return NET_TX_CAP - MIN(NET_TX_CAP, s->tx->len + s->tx_held_bytes);
}

void sock_queue_tx(struct net_sock *s, const uint8_t *p, size_t len)
{
    struct held *h;

    if (s->n->latency_ms == 0) {
        g_byte_array_append(s->tx, p, (guint)len);
        return;
    }
    h = g_new0(struct held, 1);
    h->due_ns = latency_due(s->n);
    h->data = g_bytes_new(p, len);
    s->tx_held_bytes += len;
    g_queue_push_tail(&s->tx_held, h);
    held_timer_rearm(s->n);
}

void sock_send_now(struct net_sock *s)
{
    ssize_t sent;

    if (s->n->stall || s->state != NET_SOCK_CONNECTED || s->tx->len == 0)
        return;
    if (rr_replaying(s->n->m)) {
        sent = call_replayed(s, NET_CALL_SEND, NULL, 0);
    } else {
        sent = send(s->fd, s->tx->data, s->tx->len, MSG_NOSIGNAL);
        if (sent < 0)
            sent = -errno;
        call_note(s, NET_CALL_SEND, sent, NULL);
    }
    if (sent == -EAGAIN || sent == -EWOULDBLOCK || sent == -EINTR || sent == -EIO)
        return;
    if (sent < 0) {
        sock_fail(s, map_errno((int)-sent));
        return;
    }
    sent = MIN((size_t)sent, s->tx->len);
    g_byte_array_remove_range(s->tx, 0, (guint)sent);
    s->n->stats.bytes_out += (uint64_t)sent;
    sock_tx_sent(s);
}

/* ---- connecting ---- */

static void finish_connect(struct net_sock *s)
{
    s->connect_pending = false;
    if (s->n->latency_ms) {
        s->connected_due_ns = latency_due(s->n);
        held_timer_rearm(s->n);
        sock_update_interest(s);
        return;
    }
    sock_set_state(s, NET_SOCK_CONNECTED, 0);
    sock_event(s, NET_SEV_CONNECTED | NET_SEV_TXSPACE);
    sock_update_interest(s);
}

static void check_connect(struct net_sock *s)
{
    int e = 0;
    socklen_t len = sizeof(e);

    if (rr_replaying(s->n->m)) {
        e = (int)-call_replayed(s, NET_CALL_CONNECT_DONE, NULL, 0);
    } else {
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
            e = errno;
        call_note(s, NET_CALL_CONNECT_DONE, -e, NULL);
    }
    if (e) {
        machine_log(s->n->m, MACHINE_LOG_INFO, "net: socket %u: connect failed: %s", s->idx,
                    g_strerror(e));
        sock_fail(s, map_errno(e));
        return;
    }
    finish_connect(s);
}

static void on_sock_io(int fd, GIOCondition ready, gpointer user_data)
{
    struct net_sock *s = user_data;

    if (rr_recording(s->n->m)) {
        uint32_t rec[2] = { GUINT32_TO_LE(s->idx), GUINT32_TO_LE((uint32_t)ready) };
        rr_note_input(s->n->m, RR_NET_IO, rec, sizeof(rec));
    }
    sock_ready(s, ready);
}

void sock_ready(struct net_sock *s, unsigned ready)
{
    if (s->connect_pending) {
        check_connect(s);
    } else {
        if (ready & (G_IO_OUT | G_IO_ERR))
            sock_send_now(s);
        /* A failed write tears the socket down (fd -1). */
        if (s->fd >= 0 && (ready & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
            sock_read(s);
        sock_update_interest(s);
    }
    machine_host_event(s->n->m);
}

/* The host side of a connect: 0 (connected), EINPROGRESS, an errno, or -1
 * when no host socket could be made (error says why). */
static int connect_live(struct net_sock *s, const struct sockaddr_in *sa, GError **error)
{
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "host socket: %s",
                    g_strerror(errno));
        return -1;
    }
    s->watch = host_io_watch(s->n->io, s->fd, 0, on_sock_io, s, NULL, error);
    if (!s->watch)
        return -1;
    if (connect(s->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
        return 0;
    return errno;
}

/* The same through machine_net_set_connector: its socket is connected
 * already, or the connector refused. */
static int connect_given(struct net_sock *s, uint32_t ipv4, uint16_t port, GError **error)
{
    int fd = s->n->connector(s->n->connector_user, ipv4, port);

    if (fd < 0)
        return -fd;
    s->fd = fd;
    s->watch = host_io_watch(s->n->io, s->fd, 0, on_sock_io, s, NULL, error);
    return s->watch ? 0 : -1;
}

void net_set_connector(void *net, machine_net_connect_fn fn, void *user)
{
    struct net *n = net;

    n->connector = fn;
    n->connector_user = user;
}

static void connect_outcome(struct net_sock *s, int e)
{
    if (e == 0) {
        finish_connect(s);
    } else if (e == EINPROGRESS) {
        s->connect_pending = true;
        sock_update_interest(s);
    } else {
        sock_fail(s, map_errno(e));
    }
}

void sock_connect(struct net_sock *s, uint32_t ipv4, uint16_t port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(ipv4) };
    g_autoptr(GError) error = NULL;
    int e;

    if (rr_replaying(s->n->m)) {
        s->fd = REPLAY_FD;
        connect_outcome(s, (int)-call_replayed(s, NET_CALL_CONNECT, NULL, 0));
        return;
    }
    e = s->n->connector ? connect_given(s, ipv4, port, &error) : connect_live(s, &sa, &error);
    if (e == -1) {
        machine_log(s->n->m, MACHINE_LOG_INFO, "net: socket %u: %s", s->idx, error->message);
        e = ENOTSOCK; /* NET_SERR_OTHER */
    }
    call_note(s, NET_CALL_CONNECT, -e, NULL);
    connect_outcome(s, e);
}

/* ---- latency ---- */

void net_held_fire(void *opaque)
{
    struct net *n = opaque;
    uint64_t now = machine_now_ns(n->m);

    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        struct net_sock *s = &n->socks[i];
        struct held *h;

        if (s->connected_due_ns && s->connected_due_ns <= now) {
            s->connected_due_ns = 0;
            sock_set_state(s, NET_SOCK_CONNECTED, 0);
            sock_event(s, NET_SEV_CONNECTED | NET_SEV_TXSPACE);
        }
        while ((h = g_queue_peek_head(&s->rx_held)) && h->due_ns <= now) {
            gsize len = 0;
            const uint8_t *p = h->data ? g_bytes_get_data(h->data, &len) : NULL;
            g_queue_pop_head(&s->rx_held);
            s->rx_held_bytes -= len;
            deliver_rx(s, p, len, h->err);
            held_free(h);
            if (s->state == NET_SOCK_ERROR)
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
        sock_update_interest(s);
    }
    held_timer_rearm(n);
}
