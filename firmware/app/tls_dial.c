/* firmware/app/tls_dial.c: resolve, connect, TLS handshake; each step
 * waits for its NET event or socket state, or for its timeout. */
#include "tls_dial.h"

#include "clock.h"
#include "link_failures.h"
#include "net.h"

#define DNS_TIMEOUT_MS 10000u
#define CONNECT_TIMEOUT_MS 10000u
#define HANDSHAKE_TIMEOUT_MS 30000u

static const char *const state_names[] = {
    "idle", "resolving", "resolved", "connecting", "TLS handshake", "up", "failed",
};

void tls_dial_init(struct tls_dial *d, unsigned sock, enum tls_slot slot)
{
    d->sock = sock;
    d->slot = slot;
    d->state = DIAL_IDLE;
}

static enum tls_dial_state enter(struct tls_dial *d, enum tls_dial_state s, uint32_t timeout_ms)
{
    d->state = s;
    d->deadline = clock_ms() + timeout_ms;
    return s;
}

static enum tls_dial_state fail(struct tls_dial *d, enum tls_dial_failure f, const char *why)
{
    d->failure = f;
    d->why = why;
    d->state = DIAL_FAILED;
    return DIAL_FAILED;
}

enum tls_dial_state tls_dial_start(struct tls_dial *d, const char *host, uint16_t port,
                                   uint32_t ip)
{
    int r;

    d->host = host;
    d->port = port;
    d->ip = ip;
    if (ip) {
        d->state = DIAL_RESOLVED;
        return DIAL_RESOLVED;
    }
    if ((r = net_resolve(host)) != 0)
        return fail(d, DIAL_E_MODULE, net_result_name(r));
    return enter(d, DIAL_RESOLVING, DNS_TIMEOUT_MS);
}

enum tls_dial_state tls_dial_connect(struct tls_dial *d)
{
    int r;

    net_close(d->sock); /* whatever the last connection left */
    if ((r = net_open(d->sock, d->ip, d->port)) != 0)
        return fail(d, DIAL_E_MODULE, net_result_name(r));
    return enter(d, DIAL_CONNECTING, CONNECT_TIMEOUT_MS);
}

static void step(struct tls_dial *d, uint32_t ev)
{
    uint32_t st;
    int r;

    switch (d->state) {
    case DIAL_RESOLVING:
        if (!(ev & NET_EV_DNS_DONE))
            return;
        if (net_dns_answer(&d->ip) != 0) {
            d->ip = 0;
            fail(d, DIAL_E_NO_ADDRESS, "DNS failed");
            return;
        }
        d->state = DIAL_RESOLVED;
        return;
    case DIAL_CONNECTING:
        st = net_sock_state(d->sock);
        if (st == NET_SOCK_ERROR) {
            fail(d, DIAL_E_CONNECT, net_sock_error_name(d->sock));
            return;
        }
        if (st != NET_SOCK_CONNECTED)
            return;
        if (tls_open(&d->tls, d->sock, d->host, d->slot) != 0) {
            fail(d, DIAL_E_TLS_SETUP, d->tls.why);
            return;
        }
        enter(d, DIAL_HANDSHAKE, HANDSHAKE_TIMEOUT_MS);
        /* the first flight goes at once */
        __attribute__((fallthrough));
    case DIAL_HANDSHAKE:
        r = tls_handshake(&d->tls);
        if (r == TLS_AGAIN)
            return;
        if (r < 0) {
            fail(d, DIAL_E_HANDSHAKE, d->tls.why);
            return;
        }
        d->state = DIAL_UP;
        return;
    default:
        return;
    }
}

enum tls_dial_state tls_dial_step(struct tls_dial *d, uint32_t ev)
{
    static const char *const timed_out[] = {
        [DIAL_RESOLVING] = "DNS timed out",
        [DIAL_CONNECTING] = "connect timed out",
        [DIAL_HANDSHAKE] = "TLS handshake timed out",
    };
    static const enum link_failure counted_as[] = {
        [DIAL_RESOLVING] = LF_DNS_TIMEOUT,
        [DIAL_CONNECTING] = LF_CONNECT_TIMEOUT,
        [DIAL_HANDSHAKE] = LF_HANDSHAKE_TIMEOUT,
    };
    enum tls_dial_state was;

    step(d, ev);
    was = d->state;
    if ((was == DIAL_RESOLVING || was == DIAL_CONNECTING || was == DIAL_HANDSHAKE) &&
        (int32_t)(clock_ms() - d->deadline) >= 0) {
        d->timed_out = was;
        link_failure_count(counted_as[was]);
        fail(d, DIAL_E_TIMEOUT, timed_out[was]);
    }
    return d->state;
}

uint32_t tls_dial_ms_left(const struct tls_dial *d)
{
    int32_t left;

    if (d->state != DIAL_RESOLVING && d->state != DIAL_CONNECTING &&
        d->state != DIAL_HANDSHAKE)
        return UINT32_MAX;
    left = (int32_t)(d->deadline - clock_ms());
    return left > 0 ? (uint32_t)left : 0;
}

void tls_dial_close(struct tls_dial *d, bool notify)
{
    tls_close(&d->tls, notify);
    net_close(d->sock);
    d->state = DIAL_IDLE;
}

void tls_dial_release(struct tls_dial *d)
{
    tls_dial_close(d, false);
    tls_release(&d->tls);
}

const char *tls_dial_state_name(enum tls_dial_state s)
{
    return state_names[s];
}
