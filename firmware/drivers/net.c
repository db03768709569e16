/* firmware/drivers/net.c: NET driver.  The module's interrupt line stays
 * high while any event is unacknowledged, so the handler only masks it and
 * notes it; the main loop takes the events and unmasks. */
#include "net.h"

#include "hw.h"

static volatile int irq_seen;

void NET_IRQHandler(void)
{
    NVIC_ICER0 = 1u << IRQ_NET;
    irq_seen = 1;
}

int net_irq_seen(void)
{
    int seen = irq_seen;
    irq_seen = 0;
    return seen;
}

int net_init(void)
{
    if (NET_ID != NET_ID_VALUE)
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
        return -1;
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
    NET_ARG0 = sock;
    NET_ARG1 = ipv4;
    NET_ARG2 = port;
    return command(NET_CMD_OPEN);
}

void net_close(unsigned sock)
{
    NET_ARG0 = sock;
    (void)command(NET_CMD_CLOSE);
}

int net_send(unsigned sock, const void *buf, size_t len)
{
    NET_ARG0 = sock;
    NET_BUF = (uint32_t)buf;
    NET_LEN = (uint32_t)len;
    return command(NET_CMD_SEND);
}

int net_recv(unsigned sock, void *buf, size_t len)
{
    NET_ARG0 = sock;
    NET_BUF = (uint32_t)buf;
    NET_LEN = (uint32_t)len;
    return command(NET_CMD_RECV);
}

uint32_t net_take_events(void)
{
    uint32_t ev = NET_EVENT;

    NET_EVENT = ev & NET_EV_GLOBAL;
    NVIC_ISER0 = 1u << IRQ_NET;
    return ev;
}

uint32_t net_sock_take_events(unsigned sock)
{
    uint32_t ev = NET_SOCK_EVENT(sock);

    NET_SOCK_EVENT(sock) = ev;
    return ev;
}

uint32_t net_sock_state(unsigned sock) { return NET_SOCK_STATE(sock); }
uint32_t net_sock_rx_avail(unsigned sock) { return NET_SOCK_RXAVAIL(sock); }
int net_link_up(void) { return (NET_STATUS & NET_STATUS_LINK) != 0; }

const char *net_sock_error_name(unsigned sock)
{
    switch (NET_SOCK_ERR(sock)) {
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
