/* emu/net_internal.h: the NET model's state (docs/hardware.md#net), shared
 * by its files: net.c (registers, commands, events), net_host.c (the host
 * sockets behind the model's sockets: connect, flow control, injected
 * latency) and net_ring.c (the DMA rings in SRAM).  Not for other models. */
#ifndef LAMPSIM_EMU_NET_INTERNAL_H
#define LAMPSIM_EMU_NET_INTERNAL_H

#include "periph.h"
#include "host_io.h"
#include "net_env.h"
#include "net_module.h"

#include <gio/gio.h> /* GCancellable for DNS */

#define NET_RX_CAP (16 * 1024) /* the module's own buffer, per direction per socket */
#define NET_TX_CAP (16 * 1024)

/* Bytes (or the peer's FIN/RST when data is NULL) held back by injected
 * latency until due. */
struct held {
    uint64_t due_ns;
    GBytes *data;
    int err;    /* with data NULL: 0 = FIN, else NET_SERR_* */
};

/* A socket's DMA rings, as attached: the module's own copy. */
struct net_ring {
    bool attached;
    uint32_t desc;               /* SRAM address of the struct net_ring_desc */
    uint32_t rx_base, rx_size, tx_base, tx_size;
    uint32_t rx_head, tx_tail;   /* the indices the module writes */
};

struct net_sock {
    struct net *n;
    unsigned idx;
    uint32_t state, event, err;
    int fd;                      /* host socket, -1 when none */
    struct host_io_watch *watch; /* on fd, in the context's reactor */
    GByteArray *rx, *tx;
    GQueue rx_held, tx_held;     /* struct held *, in order */
    size_t rx_held_bytes, tx_held_bytes;
    bool tx_was_full;            /* a SEND came up short: report TXSPACE */
    uint64_t connected_due_ns;   /* latency on the SYN/ACK, 0 = none */
    bool connect_pending;
    struct net_ring ring;
};

struct net {
    struct machine *m;
    struct net_env *env;
    GMainContext *ctx;           /* where the lamp's host I/O is dispatched */
    struct host_io *io;          /* that context's reactor */
    uint32_t ctrl, status, event, result, arg[3], buf, len, joinerr, dnsaddr, dnserr;
    struct machine_timer *join_timer, *held_timer;
    GCancellable *dns_cancel;
    struct net_sock socks[NET_SOCKETS];
    bool in_doorbell;            /* the firmware is waiting on a DOORBELL write */
    /* machine_net_set_connector: where connects go instead of host sockets */
    machine_net_connect_fn connector;
    void *connector_user;
    /* fault injection */
    uint32_t latency_ms;
    bool refuse, stall;
    struct machine_net_stats stats;
    bool warned_deterministic;
};

/* net.c */
void net_update_irq(struct net *n);
void sock_event(struct net_sock *s, uint32_t ev);
/* Every change of a socket's STATE and ERR goes through here (the rings'
 * descriptor mirrors them). */
void sock_set_state(struct net_sock *s, uint32_t state, uint32_t err);
/* Bytes were added to s->rx. */
void sock_rx_added(struct net_sock *s);
/* Bytes left s->tx for the host: there is room again. */
void sock_tx_sent(struct net_sock *s);

/* net_host.c */
/* Starts a non-blocking connect to ipv4:port (host byte order); the
 * outcome comes as CONNECTED or ERROR. */
void sock_connect(struct net_sock *s, uint32_t ipv4, uint16_t port);
/* Drops the host socket and everything in flight; state as given. */
void sock_teardown(struct net_sock *s, uint32_t state, uint32_t err);
void sock_fail(struct net_sock *s, uint32_t err);
/* Room left for bytes to send (the module's buffer and what latency holds). */
size_t sock_tx_room(const struct net_sock *s);
/* Takes up to sock_tx_room bytes to send, through the latency queue. */
void sock_queue_tx(struct net_sock *s, const uint8_t *p, size_t len);
/* Sends what the module holds, as far as the host socket takes it now. */
void sock_send_now(struct net_sock *s);
/* Watches what the socket needs now: connect completion, room to read,
 * bytes to write; nothing while the peer is stalled. */
void sock_update_interest(struct net_sock *s);
/* The host socket is ready for what ready (G_IO_* bits) says: an input,
 * recorded, and applied again by replay (net_replay_input). */
void sock_ready(struct net_sock *s, unsigned ready);
/* Latency: what falls due now moves on (the held timer's callback). */
void net_held_fire(void *opaque);

/* net_ring.c */
/* RING_ATTACH: 0, or NET_E_ARG (logged) for a descriptor or rings not
 * wholly in SRAM, sizes that are not powers of two in range, overlaps. */
int32_t ring_attach(struct net_sock *s, uint32_t desc, uint32_t len);
void ring_detach(struct net_sock *s);
void ring_publish_state(struct net_sock *s);
/* Moves what s->rx holds into the receive ring, as far as it has room;
 * returns the bytes moved and publishes NET_RING_RX_WAITING. */
size_t ring_push_rx(struct net_sock *s);
bool ring_rx_unread(struct net_sock *s);
/* Takes bytes put into the transmit ring, as far as the module has room;
 * returns how many. */
size_t ring_pull_tx(struct net_sock *s);

#endif
