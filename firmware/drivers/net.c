/* firmware/drivers/net.c: NET driver.  Socket bytes go through each
 * socket's two rings in SRAM (docs/hardware.md#net-dma-rings): writing
 * and reading them touches no register; the doorbell is rung once per
 * main-loop pass for what was written (or at once when a ring fills), and
 * after reading when the module says it holds more.  The interrupt line
 * stays high while any event is unacknowledged, so the handler only masks
 * it and notes it; the main loop takes the events and unmasks at the end
 * of its pass. */
#include "net.h"

#include "hw.h"

#include <string.h>

#define RX_RING_SIZE 8192u /* a quarter of the largest TLS record: refilled at once when read */
#define TX_RING_SIZE 4096u /* a whole TLS record out (mbedTLS writes at most 4 KiB) */

static volatile struct net_ring_desc desc[NET_RING_SOCKETS];
static uint8_t rx_ring[NET_RING_SOCKETS][RX_RING_SIZE];
static uint8_t tx_ring[NET_RING_SOCKETS][TX_RING_SIZE];
static uint32_t tx_unrung;       /* sockets with bytes written since their last doorbell */
static uint32_t taken;           /* events of the current pass */
static int unmask_due;           /* this pass took the interrupt its handler masked */
static volatile int irq_seen;

/* The module reads and writes SRAM between instructions: the bytes must
 * be in the ring before the index that hands them over, and read only
 * after the index that says they are there. */
static inline void ordered(void) { __asm volatile("" ::: "memory"); }

void NET_IRQHandler(void)
{
    NVIC_ICER0 = 1u << IRQ_NET;
    irq_seen = 1;
}

int net_init(void)
{
    if (NET_ID != NET_ID_VALUE || !(NET_FEATURES & NET_FEATURE_RINGS))
        return -1;
    NET_CTRL = NET_CTRL_EN | NET_CTRL_IE;
    NVIC_ISER0 = 1u << IRQ_NET;
    return 0;
}

static int command(uint32_t cmd)
{
    NET_CMD = cmd;
    return (int)NET_RESULT;
}

int net_join(const char *ssid, const char *passphrase)
{
    /* The module takes "ssid\0passphrase\0" by DMA. */
    static char buf[32 + 1 + 63 + 1];
    size_t a = 0, b = 0;

    while (ssid[a])
        a++;
    while (passphrase[b])
        b++;
    if (a == 0 || a > 32 || b > 63)
        return NET_E_ARG;
    for (size_t i = 0; i <= a; i++)
        buf[i] = ssid[i];
    for (size_t i = 0; i <= b; i++)
        buf[a + 1 + i] = passphrase[i];
    NET_BUF = (uint32_t)buf;
    NET_LEN = (uint32_t)(a + b + 2);
    return command(NET_CMD_JOIN);
}

int net_leave(void)
{
    return command(NET_CMD_LEAVE);
}

int net_resolve(const char *name)
{
    size_t n = 0;

    while (name[n])
        n++;
    NET_BUF = (uint32_t)name;
    NET_LEN = (uint32_t)n;
    return command(NET_CMD_RESOLVE);
}

int net_dns_answer(uint32_t *ipv4)
{
    if (NET_DNSERR != 0)
        return -1;
    *ipv4 = NET_DNSADDR;
    return 0;
}

int net_open(unsigned sock, uint32_t ipv4, uint16_t port)
{
    volatile struct net_ring_desc *d;
    int r;

    if (sock >= NET_RING_SOCKETS)
        return NET_E_ARG;
    d = &desc[sock];
    /* The module starts both rings empty at the indices it finds. */
    d->rx_base = (uint32_t)rx_ring[sock];
    d->rx_size = RX_RING_SIZE;
    d->tx_base = (uint32_t)tx_ring[sock];
    d->tx_size = TX_RING_SIZE;
    tx_unrung &= ~(1u << sock);
    NET_ARG0 = sock;
    NET_BUF = (uint32_t)d;
    NET_LEN = sizeof(*d);
    if ((r = command(NET_CMD_RING_ATTACH)) != 0)
        return r;
    NET_ARG1 = ipv4;
    NET_ARG2 = port;
    return command(NET_CMD_OPEN);
}

void net_close(unsigned sock)
{
    /* CLOSE takes what the ring still holds (a close_notify) itself. */
    tx_unrung &= ~(1u << sock);
    NET_ARG0 = sock;
    (void)command(NET_CMD_CLOSE);
    /* Detached: the descriptor is ours, and says what the socket is. */
    if (sock < NET_RING_SOCKETS)
        desc[sock].state = NET_SOCK_CLOSED;
}

/* Copies n bytes between a ring and a buffer, across the ring's end. */
static void ring_copy_in(uint8_t *ring, uint32_t size, uint32_t at, const uint8_t *src, size_t n)
{
    size_t off = at & (size - 1), first = n < size - off ? n : size - off;

    memcpy(ring + off, src, first);
    memcpy(ring, src + first, n - first);
}

static void ring_copy_out(uint8_t *dst, const uint8_t *ring, uint32_t size, uint32_t at, size_t n)
{
    size_t off = at & (size - 1), first = n < size - off ? n : size - off;

    memcpy(dst, ring + off, first);
    memcpy(dst + first, ring, n - first);
}

/* Copies as much of buf as the transmit ring has room for. */
static size_t ring_put(unsigned sock, const uint8_t *buf, size_t len)
{
    volatile struct net_ring_desc *d = &desc[sock];
    uint32_t head = d->tx_head, room = TX_RING_SIZE - (head - d->tx_tail);
    size_t n = len < room ? len : room;

    ring_copy_in(tx_ring[sock], TX_RING_SIZE, head, buf, n);
    ordered();
    d->tx_head = head + (uint32_t)n;
    if (n)
        tx_unrung |= 1u << sock;
    return n;
}

int net_send(unsigned sock, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t n;

    if (sock >= NET_RING_SOCKETS)
        return NET_E_ARG;
    if (desc[sock].state != NET_SOCK_CONNECTED)
        return NET_E_STATE;
    n = ring_put(sock, p, len);
    if (n < len) {
        /* Full: the module empties it into its own buffer before the
         * doorbell write returns. */
        NET_DOORBELL = 1u << sock;
        tx_unrung &= ~(1u << sock);
        n += ring_put(sock, p + n, len - n);
    }
    return (int)n;
}

int net_recv(unsigned sock, void *buf, size_t len)
{
    volatile struct net_ring_desc *d = &desc[sock];
    uint8_t *p = buf;
    uint32_t tail, avail;
    size_t n;

    if (sock >= NET_RING_SOCKETS)
        return NET_E_ARG;
    tail = d->rx_tail;
    avail = d->rx_head - tail;
    ordered();
    n = len < avail ? len : avail;
    ring_copy_out(p, rx_ring[sock], RX_RING_SIZE, tail, n);
    ordered();
    d->rx_tail = tail + (uint32_t)n;
    /* Tail first, then the flag: the module sets it only when it finds
     * the ring full, which it no longer is. */
    if (n && (d->flags & NET_RING_RX_WAITING))
        NET_DOORBELL = 1u << sock;
    return (int)n;
}

uint32_t net_take_events(void)
{
    uint32_t ev;

    if (!irq_seen)
        return 0;
    irq_seen = 0;
    unmask_due = 1;
    ev = NET_EVENT;
    if (ev)
        NET_EVENT = ev;
    taken = ev;
    return ev;
}

void net_end_pass(void)
{
    if (tx_unrung) {
        NET_DOORBELL = tx_unrung;
        tx_unrung = 0;
    }
    if (!unmask_due)
        return;
    /* RX stays set while bytes were unread at the acknowledgement; now
     * that the users have read, look again, or the unmask would take an
     * interrupt for bytes already gone. */
    for (unsigned n = 0; n < NET_RING_SOCKETS; n++)
        if (taken & NET_EV_SOCK(n))
            NET_SOCK_EVENT(n) = NET_SEV_RX;
    taken = 0;
    unmask_due = 0;
    /* The handler's return re-pended the interrupt, its line still high
     * then (a level-sensitive interrupt, docs/emulator.md): clear that, or
     * the unmask takes it again for events already acknowledged; the NVIC
     * keeps it pending if the line is still high. */
    NVIC_ICPR0 = 1u << IRQ_NET;
    NVIC_ISER0 = 1u << IRQ_NET;
}

int net_events_pending(void)
{
    return irq_seen;
}

uint32_t net_sock_state(unsigned sock)
{
    return sock < NET_RING_SOCKETS ? desc[sock].state : NET_SOCK_CLOSED;
}

int net_link_up(void) { return (NET_STATUS & NET_STATUS_LINK) != 0; }

const char *net_sock_error_name(unsigned sock)
{
    switch (sock < NET_RING_SOCKETS ? desc[sock].err : 0) {
    case NET_SERR_REFUSED: return "connection refused";
    case NET_SERR_RESET: return "connection reset";
    case NET_SERR_TIMEOUT: return "timed out";
    case NET_SERR_UNREACHABLE: return "host unreachable";
    case NET_SERR_LINK_LOST: return "WiFi link lost";
    default: return "socket error";
    }
}

const char *net_join_error_name(void)
{
    switch (NET_JOINERR) {
    case NET_JOINERR_NO_SSID: return "no access point with that SSID";
    case NET_JOINERR_AUTH: return "authentication failed (wrong passphrase?)";
    default: return "join failed";
    }
}

const char *net_result_name(int result)
{
    switch (result) {
    case NET_E_ARG: return "bad argument";
    case NET_E_NOLINK: return "no WiFi link";
    case NET_E_STATE: return "socket in the wrong state";
    case NET_E_BUSY: return "module busy";
    case NET_E_OFF: return "module off";
    default: return "ok";
    }
}
