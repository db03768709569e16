/* emu/net.c: NET, the WiFi module with socket offload
 * (docs/hardware.md#net): its registers, commands and events.  The
 * firmware joins a virtual access point (net_env.c), resolves names and
 * opens TCP sockets; each socket is a non-blocking host socket in the
 * reactor of the lamp's main context (net_host.c), so any number of lamps
 * share one thread.  Bytes move between the host socket and two bounded
 * buffers per socket; the firmware moves them to and from its RAM through
 * DMA rings it attaches (net_ring.c, one doorbell per batch) or, older
 * firmware, with SEND and RECV, and learns of changes by interrupt.  Faults
 * (latency, drops, refused connections, a stalled peer, link loss) are
 * injected from the host (machine_net_fault). */
#include "net_internal.h"
#include "rr.h"

#include <gio/gio.h>
#include <string.h>

#define JOIN_TIME_NS 300000000ull  /* association + WPA2 4-way handshake */
#define DNS_NAME_MAX 253

void net_update_irq(struct net *n)
{
    bool any = (n->event & NET_EV_GLOBAL) != 0;

    for (unsigned i = 0; i < NET_SOCKETS && !any; i++)
        any = n->socks[i].event != 0;
    machine_irq_set(n->m, IRQ_NET, (n->ctrl & NET_CTRL_EN) && (n->ctrl & NET_CTRL_IE) && any);
}

void sock_event(struct net_sock *s, uint32_t ev)
{
    s->event |= ev;
    net_update_irq(s->n);
}

void sock_set_state(struct net_sock *s, uint32_t state, uint32_t err)
{
    s->state = state;
    s->err = err;
    ring_publish_state(s);
}

void sock_rx_added(struct net_sock *s)
{
    if (!s->ring.attached || ring_push_rx(s))
        sock_event(s, NET_SEV_RX);
}

void sock_tx_sent(struct net_sock *s)
{
    if (s->ring.attached) {
        /* Space taken from the ring while the firmware is not in a
         * DOORBELL write may be what it waits for. */
        if (ring_pull_tx(s) && !s->n->in_doorbell)
            sock_event(s, NET_SEV_TXSPACE);
    } else if (s->tx_was_full) {
        s->tx_was_full = false;
        sock_event(s, NET_SEV_TXSPACE);
    }
}

/* RX is a level: it stays set while bytes wait for the firmware. */
static bool sock_rx_waiting(struct net_sock *s)
{
    return s->ring.attached ? ring_rx_unread(s) : s->rx->len != 0;
}

/* The firmware acknowledges events (SOCKn EVENT, or NET_EVENT bit 8 + n). */
static void sock_ack(struct net_sock *s, uint32_t bits)
{
    if (s->ring.attached && s->rx->len)
        ring_push_rx(s); /* refill: the firmware may have taken bytes */
    s->event &= ~bits;
    if (sock_rx_waiting(s))
        s->event |= NET_SEV_RX;
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

    n->status &= ~NET_STATUS_JOINING;
    machine_note_change(n->m);
    if (n->joinerr == NET_JOIN_OK) {
        n->status |= NET_STATUS_LINK;
        n->event |= NET_EV_JOINED;
    } else {
        n->event |= NET_EV_JOIN_FAILED;
    }
    net_update_irq(n);
}

struct join_args {
    struct net *n;
    const char *ssid, *pass;
};

/* The access points in range are the host's (--ap): what joining gives
 * is a host answer. */
static uint64_t join_live(void *arg)
{
    const struct join_args *j = arg;

    return j->n->env ? net_env_join(j->n->env, j->ssid, j->pass) : NET_JOIN_NO_SSID;
}

static int32_t cmd_join(struct net *n)
{
    const char *b = guest_string(n, n->buf, n->len, 200);
    const char *ssid, *pass, *proxy = "";
    const char *end;

    if (n->status & (NET_STATUS_JOINING | NET_STATUS_LINK))
        return NET_E_BUSY;
    if (!b || b[n->len - 1] != 0) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR,
                    "net: JOIN buffer 0x%08x+%u is not NUL-terminated strings in SRAM",
                    n->buf, n->len);
        return NET_E_ARG;
    }
    end = b + n->len;
    ssid = b;
    pass = ssid + strlen(ssid) + 1;
    if (pass >= end)
        return NET_E_ARG;
    if (pass + strlen(pass) + 1 < end)
        proxy = pass + strlen(pass) + 1;
    if (*proxy)
        machine_log(n->m, MACHINE_LOG_UNIMP,
                    "net: proxy '%s' not modelled: connections go direct", proxy);
    n->joinerr = (uint32_t)rr_host_number(n->m, RR_NET_JOIN, 4, join_live,
                                          &(struct join_args){ n, ssid, pass });
    if ((!n->env || net_env_ap_count(n->env) == 0) && !rr_replaying(n->m))
        machine_log(n->m, MACHINE_LOG_INFO,
                    "net: no access points configured (lampsim --ap SSID:PASSPHRASE)");
    n->status |= NET_STATUS_JOINING;
    machine_timer_arm(n->join_timer, machine_now_ns(n->m) + JOIN_TIME_NS);
    return 0;
}

static void drop_all(struct net *n, uint32_t err)
{
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        struct net_sock *s = &n->socks[i];
        if (s->state == NET_SOCK_CONNECTING || s->state == NET_SOCK_CONNECTED || s->state == NET_SOCK_PEER_CLOSED)
            sock_fail(s, err);
    }
}

/* A name resolution finished: an input, recorded, and applied again by
 * replay (net_replay_input). */
static void dns_finish(struct net *n, uint32_t addr, uint32_t err)
{
    uint32_t rec[2] = { GUINT32_TO_LE(addr), GUINT32_TO_LE(err) };

    rr_note_input(n->m, RR_NET_DNS, rec, sizeof(rec));
    n->status &= ~NET_STATUS_DNS_BUSY;
    n->dnsaddr = addr;
    n->dnserr = err;
    n->event |= NET_EV_DNS_DONE;
    net_update_irq(n);
    machine_host_event(n->m);
}

static void dns_done(GObject *src, GAsyncResult *res, gpointer user)
{
    g_autoptr(GError) err = NULL;
    GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &err);
    struct net *n = user;
    uint32_t addr = 0, dnserr = 1;

    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* the model may be gone */
    g_clear_object(&n->dns_cancel);
    for (GList *l = addrs; l; l = l->next) {
        GInetAddress *a = l->data;
        if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4) {
            const guint8 *b = g_inet_address_to_bytes(a);
            addr = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            dnserr = 0;
            break;
        }
    }
    if (err && !g_error_matches(err, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
        dnserr = 2;
    g_resolver_free_addresses(addrs);
    dns_finish(n, addr, dnserr);
}

void net_replay_input(void *opaque, uint32_t kind, struct replay_cursor *c)
{
    struct net *n = opaque;
    uint32_t a = replay_get_u32(c), b = replay_get_u32(c);

    if (c->bad)
        return;
    if (kind == RR_NET_DNS) {
        dns_finish(n, a, b);
    } else if (a >= NET_SOCKETS || n->socks[a].fd < 0) {
        rr_diverged(n->m, "the recording has host socket %u ready, but the lamp has no such "
                    "socket open", a);
    } else {
        sock_ready(&n->socks[a], b);
    }
}

static int32_t cmd_resolve(struct net *n)
{
    const char *b = guest_string(n, n->buf, n->len, DNS_NAME_MAX);
    g_autofree char *name = NULL;
    g_autoptr(GResolver) resolver = NULL;

    if (!(n->status & NET_STATUS_LINK))
        return NET_E_NOLINK;
    if (n->status & NET_STATUS_DNS_BUSY)
        return NET_E_BUSY;
    if (!b) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: RESOLVE name 0x%08x+%u not in SRAM",
                    n->buf, n->len);
        return NET_E_ARG;
    }
    name = g_strndup(b, n->len);
    n->status |= NET_STATUS_DNS_BUSY;
    if (rr_replaying(n->m))
        return 0; /* the answer is a recorded input */
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

    if (!s)
        return NET_E_ARG;
    if (!(n->status & NET_STATUS_LINK))
        return NET_E_NOLINK;
    if (s->state != NET_SOCK_CLOSED)
        return NET_E_STATE;
    if (n->arg[2] == 0 || n->arg[2] > 65535)
        return NET_E_ARG;
    if (machine_config(n->m)->time_mode == MACHINE_TIME_DETERMINISTIC && !n->warned_deterministic) {
        n->warned_deterministic = true;
        machine_log(n->m, MACHINE_LOG_UNIMP,
                    "net: host sockets in deterministic time: the peer answers in host "
                    "time, so virtual time may skip past it (use realtime for networking)");
    }
    n->stats.connects++;
    sock_set_state(s, NET_SOCK_CONNECTING, 0);
    g_byte_array_set_size(s->rx, 0);
    if (n->refuse) {
        sock_fail(s, NET_SERR_REFUSED);
        return 0;
    }
    sock_connect(s, n->arg[1], (uint16_t)n->arg[2]);
    return 0;
}

/* SEND and RECV move the bytes of sockets without rings. */
static struct net_sock *arg_register_sock(struct net *n, const char *cmd)
{
    struct net_sock *s = arg_sock(n);

    if (s && s->ring.attached) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR,
                    "net: %s on socket %u, which moves its bytes through DMA rings", cmd, s->idx);
        return NULL;
    }
    return s;
}

static int32_t cmd_send(struct net *n)
{
    struct net_sock *s = arg_register_sock(n, "SEND");
    const uint8_t *p;
    size_t take;

    if (!s)
        return n->arg[0] < NET_SOCKETS ? NET_E_STATE : NET_E_ARG;
    if (s->state != NET_SOCK_CONNECTED)
        return NET_E_STATE;
    p = machine_sram_range(n->m, n->buf, n->len);
    if (!p) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: SEND buffer 0x%08x+%u not in SRAM",
                    n->buf, n->len);
        return NET_E_ARG;
    }
    take = MIN(sock_tx_room(s), n->len);
    if (take < n->len)
        s->tx_was_full = true;
    if (take == 0)
        return 0;
    /* Sent from the reactor after the slice, so the SENDs of one slice
     * leave in one host send. */
    sock_queue_tx(s, p, take);
    sock_update_interest(s);
    return (int32_t)take;
}

static int32_t cmd_recv(struct net *n)
{
    struct net_sock *s = arg_register_sock(n, "RECV");
    uint8_t *p;
    size_t take;

    if (!s)
        return n->arg[0] < NET_SOCKETS ? NET_E_STATE : NET_E_ARG;
    if (s->state != NET_SOCK_CONNECTED && s->state != NET_SOCK_PEER_CLOSED && s->state != NET_SOCK_ERROR)
        return NET_E_STATE;
    p = machine_sram_range_rw(n->m, n->buf, n->len);
    if (!p) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: RECV buffer 0x%08x+%u not in SRAM",
                    n->buf, n->len);
        return NET_E_ARG;
    }
    take = MIN(n->len, s->rx->len);
    if (take) { /* an empty GByteArray may have no storage at all */
        memcpy(p, s->rx->data, take);
        g_byte_array_remove_range(s->rx, 0, (guint)take);
    }
    if (s->rx->len == 0)
        s->event &= ~NET_SEV_RX;
    sock_update_interest(s);
    return (int32_t)take;
}

static int32_t cmd_close(struct net *n)
{
    struct net_sock *s = arg_sock(n);

    if (!s)
        return NET_E_ARG;
    /* What the firmware sent last (a TLS close_notify) leaves if the host
     * takes it at once; after CLOSE the rings are the firmware's again. */
    if (s->state == NET_SOCK_CONNECTED) {
        if (s->ring.attached)
            ring_pull_tx(s);
        sock_send_now(s);
    }
    ring_detach(s);
    sock_teardown(s, NET_SOCK_CLOSED, 0);
    s->event = 0;
    return 0;
}

static int32_t cmd_ring_attach(struct net *n)
{
    struct net_sock *s = arg_sock(n);

    if (!s)
        return NET_E_ARG;
    if (s->state != NET_SOCK_CLOSED) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR,
                    "net: RING_ATTACH on socket %u, which is not closed", s->idx);
        return NET_E_STATE;
    }
    return ring_attach(s, n->buf, n->len);
}

/* DOORBELL: the firmware put bytes into, or took bytes from, the rings of
 * the sockets whose bits are set.  All the work is done before the write
 * returns, so the firmware sees the indices move at once. */
static void ring_doorbell(struct net *n, uint32_t bits)
{
    if (bits >> NET_SOCKETS)
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: DOORBELL bits 0x%08x name no socket",
                    bits & ~((1u << NET_SOCKETS) - 1));
    n->in_doorbell = true;
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        struct net_sock *s = &n->socks[i];

        if (!(bits & (1u << i)))
            continue;
        if (!s->ring.attached) {
            machine_log(n->m, MACHINE_LOG_GUEST_ERROR,
                        "net: DOORBELL for socket %u, which has no rings attached", i);
            continue;
        }
        if (s->state == NET_SOCK_CONNECTED && ring_pull_tx(s))
            sock_send_now(s);
        if (s->rx->len && ring_push_rx(s))
            s->event |= NET_SEV_RX;
        sock_update_interest(s);
    }
    n->in_doorbell = false;
    net_update_irq(n);
}

static void run_command(struct net *n, uint32_t cmd)
{
    int32_t r;

    if (!(n->ctrl & NET_CTRL_EN)) {
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: command %u while the module is off", cmd);
        n->result = (uint32_t)NET_E_OFF;
        return;
    }
    switch (cmd) {
    case NET_CMD_JOIN: r = cmd_join(n); break;
    case NET_CMD_LEAVE:
        machine_timer_cancel(n->join_timer);
        drop_all(n, NET_SERR_LINK_LOST);
        n->status &= ~(NET_STATUS_LINK | NET_STATUS_JOINING);
        machine_note_change(n->m);
        r = 0;
        break;
    case NET_CMD_RESOLVE: r = cmd_resolve(n); break;
    case NET_CMD_OPEN: r = cmd_open(n); break;
    case NET_CMD_SEND: r = cmd_send(n); break;
    case NET_CMD_RECV: r = cmd_recv(n); break;
    case NET_CMD_CLOSE: r = cmd_close(n); break;
    case NET_CMD_RING_ATTACH: r = cmd_ring_attach(n); break;
    default:
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: unknown command %u", cmd);
        r = NET_E_ARG;
    }
    n->result = (uint32_t)r;
    net_update_irq(n);
}

/* ---- registers ---- */

static uint32_t sock_read(struct net *n, struct net_sock *s, uint32_t off)
{
    switch (off) {
    case NET_SOCK_REG_STATE: return s->state;
    case NET_SOCK_REG_EVENT: return s->event;
    /* With rings: what waits in the module, outside the rings. */
    case NET_SOCK_REG_RXAVAIL: return s->rx->len;
    case NET_SOCK_REG_TXFREE:
        return s->state == NET_SOCK_CONNECTED ? (uint32_t)sock_tx_room(s) : 0;
    case NET_SOCK_REG_ERR: return s->err;
    }
    machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: read of socket %u offset 0x%02x", s->idx, off);
    return 0;
}

static uint32_t net_read(void *opaque, uint32_t offset, unsigned size)
{
    struct net *n = opaque;

    if (offset >= NET_REG_SOCK0 && offset < NET_REG_SOCK0 + NET_SOCKETS * NET_REG_SOCK_STRIDE)
        return sock_read(n, &n->socks[(offset - NET_REG_SOCK0) / NET_REG_SOCK_STRIDE],
                         (offset - NET_REG_SOCK0) % NET_REG_SOCK_STRIDE);
    switch (offset) {
    case NET_REG_ID: return NET_ID_VALUE;
    case NET_REG_CTRL: return n->ctrl;
    case NET_REG_STATUS: return n->status;
    case NET_REG_EVENT: {
        uint32_t v = n->event & NET_EV_GLOBAL;
        for (unsigned i = 0; i < NET_SOCKETS; i++)
            if (n->socks[i].event)
                v |= NET_EV_SOCK(i);
        return v;
    }
    case NET_REG_RESULT: return n->result;
    case NET_REG_ARG0: return n->arg[0];
    case NET_REG_ARG1: return n->arg[1];
    case NET_REG_ARG2: return n->arg[2];
    case NET_REG_BUF: return n->buf;
    case NET_REG_LEN: return n->len;
    case NET_REG_JOINERR: return n->joinerr;
    case NET_REG_DNSADDR: return n->dnsaddr;
    case NET_REG_DNSERR: return n->dnserr;
    case NET_REG_FEATURES: return NET_FEATURE_RINGS;
    }
    machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: read of 0x%03x", offset);
    return 0;
}

static void net_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct net *n = opaque;

    if (offset >= NET_REG_SOCK0 && offset < NET_REG_SOCK0 + NET_SOCKETS * NET_REG_SOCK_STRIDE) {
        struct net_sock *s = &n->socks[(offset - NET_REG_SOCK0) / NET_REG_SOCK_STRIDE];
        if ((offset - NET_REG_SOCK0) % NET_REG_SOCK_STRIDE == NET_SOCK_REG_EVENT) {
            sock_ack(s, value);
            net_update_irq(n);
            return;
        }
        machine_log(n->m, MACHINE_LOG_GUEST_ERROR, "net: write to read-only socket register 0x%03x",
                    offset);
        return;
    }
    switch (offset) {
    case NET_REG_CTRL:
        if ((n->ctrl & NET_CTRL_EN) && !(value & NET_CTRL_EN)) {
            /* Module powered down: the link and every connection go. */
            machine_timer_cancel(n->join_timer);
            drop_all(n, NET_SERR_LINK_LOST);
            n->status = 0;
        }
        n->ctrl = value & (NET_CTRL_EN | NET_CTRL_IE);
        net_update_irq(n);
        return;
    case NET_REG_EVENT:
        /* Bits 8 + n acknowledge all of socket n's events in the same
         * write (firmware that only writes the global bits sees no
         * change). */
        n->event &= ~(value & NET_EV_GLOBAL);
        for (unsigned i = 0; i < NET_SOCKETS; i++)
            if (value & NET_EV_SOCK(i))
                sock_ack(&n->socks[i], ~0u);
        net_update_irq(n);
        return;
    case NET_REG_DOORBELL: ring_doorbell(n, value); return;
    case NET_REG_CMD: run_command(n, value); return;
    case NET_REG_ARG0: n->arg[0] = value; return;
    case NET_REG_ARG1: n->arg[1] = value; return;
    case NET_REG_ARG2: n->arg[2] = value; return;
    case NET_REG_BUF: n->buf = value; return;
    case NET_REG_LEN: n->len = value; return;
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
        ring_detach(&n->socks[i]); /* SRAM is the reset firmware's again */
        sock_teardown(&n->socks[i], NET_SOCK_CLOSED, 0);
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
    machine_timer_free(n->join_timer);
    machine_timer_free(n->held_timer);
    host_io_unref(n->io);
    if (n->env)
        net_env_unref(n->env);
    g_main_context_unref(n->ctx);
    g_free(n);
}

static void *net_new(struct machine *m, GError **error)
{
    struct net *n = g_new0(struct net, 1);
    const struct machine_config *cfg = machine_config(m);

    n->m = m;
    /* The lamp's sockets are dispatched where it was made: the thread
     * default context of its worker. */
    n->ctx = g_main_context_ref_thread_default();
    n->io = host_io_get(n->ctx, error);
    if (!n->io) {
        g_main_context_unref(n->ctx);
        g_free(n);
        return NULL;
    }
    n->env = cfg->net_env ? net_env_ref(cfg->net_env) : NULL;
    n->join_timer = machine_timer_new(m, join_done, n);
    n->held_timer = machine_timer_new(m, net_held_fire, n);
    for (unsigned i = 0; i < NET_SOCKETS; i++) {
        n->socks[i].n = n;
        n->socks[i].idx = i;
        n->socks[i].fd = -1;
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
        drop_all(n, NET_SERR_RESET);
        break;
    case MACHINE_NET_REFUSE:
        n->refuse = arg != 0;
        break;
    case MACHINE_NET_STALL:
        n->stall = arg != 0;
        for (unsigned i = 0; i < NET_SOCKETS; i++)
            sock_update_interest(&n->socks[i]);
        break;
    case MACHINE_NET_LINK_LOSS:
        if (n->status & NET_STATUS_LINK) {
            drop_all(n, NET_SERR_LINK_LOST);
            n->status &= ~NET_STATUS_LINK;
            machine_note_change(n->m);
            n->event |= NET_EV_LINK_LOST;
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
    out->link_up = (n->status & NET_STATUS_LINK) != 0;
    out->open_sockets = 0;
    for (unsigned i = 0; i < NET_SOCKETS; i++)
        if (n->socks[i].state == NET_SOCK_CONNECTED)
            out->open_sockets++;
}

const struct periph_ops net_ops = {
    .create = net_new,
    .name = "net", .read = net_read, .write = net_write,
    .reset = net_reset, .free = net_free,
};
