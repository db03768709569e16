/* firmware/app/tls_dial.h: the way to a TLS server, one for the cloud
 * connection (netmgr) and the OTA download alike: resolve the host name
 * (unless its address is known already), open the TCP socket, then the TLS
 * handshake offering the slot's saved session (tls_link.h), each step with
 * its timeout.  Non-blocking: tls_dial_step runs on every main-loop pass.
 * It prints nothing: each caller tells the console, in its own words,
 * what became of a dial (docs/cloud.md#connection-life). */
#ifndef LAMP_TLS_DIAL_H
#define LAMP_TLS_DIAL_H

#include "tls_link.h"

#include <stdint.h>

enum tls_dial_state {
    DIAL_IDLE,
    DIAL_RESOLVING,
    DIAL_RESOLVED,   /* the address is known: the caller calls tls_dial_connect */
    DIAL_CONNECTING,
    DIAL_HANDSHAKE,
    DIAL_UP,         /* the TLS link is the caller's */
    DIAL_FAILED,     /* failure and why say what; the caller closes the dial */
};

enum tls_dial_failure {
    DIAL_E_MODULE,     /* the WiFi module refused to resolve or open; why: its result */
    DIAL_E_NO_ADDRESS, /* the DNS answer had no address */
    DIAL_E_CONNECT,    /* why: the socket's error */
    DIAL_E_TLS_SETUP,  /* why: the TLS link's */
    DIAL_E_HANDSHAKE,  /* why: the TLS link's */
    DIAL_E_TIMEOUT,    /* in the step timed_out names (resolving, connecting, handshake) */
};

struct tls_dial {
    struct tls_link tls;
    unsigned sock;
    enum tls_slot slot;
    const char *host;  /* the caller's, kept as long as the dial */
    uint16_t port;
    uint32_t ip;       /* the server's address, once resolved */
    enum tls_dial_state state;
    enum tls_dial_failure failure;
    enum tls_dial_state timed_out;
    const char *why;
    uint32_t deadline; /* ms (clock_ms) of the current step's timeout */
};

/* Once: the NET socket and the TLS session slot this dial uses. */
void tls_dial_init(struct tls_dial *d, unsigned sock, enum tls_slot slot);
/* Starts a dial: resolving host, or DIAL_RESOLVED at once when ip (not 0)
 * is its address; DIAL_FAILED if the module refuses. */
enum tls_dial_state tls_dial_start(struct tls_dial *d, const char *host, uint16_t port,
                                   uint32_t ip);
/* From DIAL_RESOLVED: opens the socket (DIAL_CONNECTING or DIAL_FAILED). */
enum tls_dial_state tls_dial_connect(struct tls_dial *d);
/* Takes this pass's NET events (NET_EV_*), the socket's state and the
 * clock: the state the dial is in now. */
enum tls_dial_state tls_dial_step(struct tls_dial *d, uint32_t net_events);
/* ms until tls_dial_step must run even if nothing happens (UINT32_MAX
 * when the dial waits for no timeout). */
uint32_t tls_dial_ms_left(const struct tls_dial *d);
/* Closes the TLS link (close_notify first if notify) and the socket; the
 * saved session stays for the next dial. */
void tls_dial_close(struct tls_dial *d, bool notify);
/* Closes, and gives the TLS record buffers back: a link not needed soon. */
void tls_dial_release(struct tls_dial *d);
/* "resolving", "connecting", "TLS handshake", ... (the `net` command). */
const char *tls_dial_state_name(enum tls_dial_state s);

#endif
