/* emu/net_ring.c: NET's DMA rings (docs/hardware.md#net-dma-rings): a
 * socket's bytes move between the module's buffers and two byte rings the
 * firmware keeps in SRAM, described by a struct net_ring_desc
 * (firmware/include/net_module.h).  The module keeps its own copy of
 * everything it owns (bases, sizes, rx_head, tx_tail) and only publishes
 * it: a firmware that scribbles over the descriptor can make the module
 * refuse its indices, never reach outside the rings it attached. */
#include "net_internal.h"

#include <stddef.h>
#include <string.h>

#define DESC(field) ((uint32_t)offsetof(struct net_ring_desc, field))

_Static_assert(sizeof(struct net_ring_desc) == 44, "the descriptor is 11 words on both sides");

static uint32_t desc_get(struct net_sock *s, uint32_t off)
{
    uint32_t v;

    /* In SRAM for as long as the ring is attached (checked at attach). */
    memcpy(&v, machine_sram_range(s->n->m, s->ring.desc + off, 4), 4);
    return v;
}

static void desc_put(struct net_sock *s, uint32_t off, uint32_t v)
{
    memcpy(machine_sram_range_rw(s->n->m, s->ring.desc + off, 4), &v, 4);
}

static bool size_ok(uint32_t size)
{
    return size >= NET_RING_SIZE_MIN && size <= NET_RING_SIZE_MAX && (size & (size - 1)) == 0;
}

static bool overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return (uint64_t)a < (uint64_t)b + blen && (uint64_t)b < (uint64_t)a + alen;
}

int32_t ring_attach(struct net_sock *s, uint32_t addr, uint32_t len)
{
    struct machine *m = s->n->m;
    const uint8_t *p = machine_sram_range(m, addr, sizeof(struct net_ring_desc));
    struct net_ring_desc d;

    if (!p || (addr & 3) || len < sizeof(d)) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "net: socket %u: RING_ATTACH descriptor 0x%08x+%u is not a word-aligned "
                    "%zu-byte descriptor in SRAM", s->idx, addr, len, sizeof(d));
        return NET_E_ARG;
    }
    memcpy(&d, p, sizeof(d));
    if (!size_ok(d.rx_size) || !size_ok(d.tx_size)) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "net: socket %u: ring sizes %u (receive) and %u (transmit): each must be a "
                    "power of two from %u to %u", s->idx, d.rx_size, d.tx_size,
                    NET_RING_SIZE_MIN, NET_RING_SIZE_MAX);
        return NET_E_ARG;
    }
    if (!machine_sram_range(m, d.rx_base, d.rx_size) || !machine_sram_range(m, d.tx_base, d.tx_size)) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "net: socket %u: receive ring 0x%08x+%u or transmit ring 0x%08x+%u is not "
                    "wholly in SRAM", s->idx, d.rx_base, d.rx_size, d.tx_base, d.tx_size);
        return NET_E_ARG;
    }
    if (overlap(d.rx_base, d.rx_size, d.tx_base, d.tx_size) ||
        overlap(addr, sizeof(d), d.rx_base, d.rx_size) ||
        overlap(addr, sizeof(d), d.tx_base, d.tx_size)) {
        machine_log(m, MACHINE_LOG_GUEST_ERROR,
                    "net: socket %u: the descriptor at 0x%08x and its rings overlap", s->idx,
                    addr);
        return NET_E_ARG;
    }
    /* Both rings start empty at the firmware's own indices. */
    s->ring = (struct net_ring){
        .attached = true, .desc = addr,
        .rx_base = d.rx_base, .rx_size = d.rx_size, .tx_base = d.tx_base, .tx_size = d.tx_size,
        .rx_head = d.rx_tail, .tx_tail = d.tx_head,
    };
    desc_put(s, DESC(rx_head), s->ring.rx_head);
    desc_put(s, DESC(tx_tail), s->ring.tx_tail);
    desc_put(s, DESC(flags), 0);
    ring_publish_state(s);
    return 0;
}

void ring_detach(struct net_sock *s)
{
    s->ring.attached = false;
}

void ring_publish_state(struct net_sock *s)
{
    if (!s->ring.attached)
        return;
    desc_put(s, DESC(state), s->state);
    desc_put(s, DESC(err), s->err);
}

/* Bytes [tail, head) of the receive ring as the firmware left them, or
 * UINT32_MAX (logged) when its tail is not within the ring. */
static uint32_t rx_used(struct net_sock *s)
{
    uint32_t tail = desc_get(s, DESC(rx_tail)), used = s->ring.rx_head - tail;

    if (used > s->ring.rx_size) {
        machine_log(s->n->m, MACHINE_LOG_GUEST_ERROR,
                    "net: socket %u: receive ring tail 0x%08x is not within the ring (head "
                    "0x%08x, size %u)", s->idx, tail, s->ring.rx_head, s->ring.rx_size);
        return UINT32_MAX;
    }
    return used;
}

size_t ring_push_rx(struct net_sock *s)
{
    struct net_ring *r = &s->ring;
    uint32_t used = rx_used(s), off, first;
    uint8_t *ring;
    size_t take;

    if (used == UINT32_MAX)
        return 0;
    take = MIN(r->rx_size - used, s->rx->len);
    if (take) {
        ring = machine_sram_range_rw(s->n->m, r->rx_base, r->rx_size);
        off = r->rx_head & (r->rx_size - 1);
        first = (uint32_t)MIN(take, r->rx_size - off);
        memcpy(ring + off, s->rx->data, first);
        memcpy(ring, s->rx->data + first, take - first);
        g_byte_array_remove_range(s->rx, 0, (guint)take);
        r->rx_head += (uint32_t)take;
        desc_put(s, DESC(rx_head), r->rx_head);
    }
    desc_put(s, DESC(flags), s->rx->len ? NET_RING_RX_WAITING : 0);
    return take;
}

bool ring_rx_unread(struct net_sock *s)
{
    uint32_t used = rx_used(s);

    return used != 0 && used != UINT32_MAX;
}

size_t ring_pull_tx(struct net_sock *s)
{
    struct net_ring *r = &s->ring;
    uint32_t head = desc_get(s, DESC(tx_head)), pending = head - r->tx_tail, off, first;
    const uint8_t *ring;
    size_t take;

    if (pending > r->tx_size) {
        machine_log(s->n->m, MACHINE_LOG_GUEST_ERROR,
                    "net: socket %u: transmit ring head 0x%08x is not within the ring (tail "
                    "0x%08x, size %u)", s->idx, head, r->tx_tail, r->tx_size);
        return 0;
    }
    take = MIN(pending, sock_tx_room(s));
    if (take == 0)
        return 0;
    ring = machine_sram_range(s->n->m, r->tx_base, r->tx_size);
    off = r->tx_tail & (r->tx_size - 1);
    first = (uint32_t)MIN(take, r->tx_size - off);
    sock_queue_tx(s, ring + off, first);
    if (take > first)
        sock_queue_tx(s, ring, take - first);
    r->tx_tail += (uint32_t)take;
    desc_put(s, DESC(tx_tail), r->tx_tail);
    return take;
}
