/* firmware/app/tls_link.h: one TLS 1.2 client connection over a NET
 * socket (docs/cloud.md#tls): the lamp's certificate and key from the
 * keystore, the server verified against the keystore's cloud CA and the
 * host name, validity against the RTC.  Non-blocking: every call returns
 * at once and is called again when the socket has news. */
#ifndef LAMP_TLS_LINK_H
#define LAMP_TLS_LINK_H

#include "mbedtls/ssl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_AGAIN 1  /* would block: call again after a socket event */

/* Each server has its own saved session: offering the broker's session to
 * the image server would only get it refused (and forgotten). */
enum tls_slot { TLS_SLOT_CLOUD, TLS_SLOT_OTA, TLS_SLOTS };

struct tls_link {
    mbedtls_ssl_context ssl;
    unsigned sock;
    enum tls_slot slot;
    bool open;
    bool set_up;        /* ssl holds its record buffers across connections */
    bool resumed;       /* the last handshake was abbreviated */
    bool fatal;         /* the connection ended on a fatal error (not the transport's):
                         * an alert was sent or received, the session is forgotten */
    bool intermediate_not_ca; /* the verify callback's finding (tls_link.c) */
    uint8_t alert_sent; /* the fatal alert the lamp sent (0: none, or one mbedTLS sent encrypted) */
    char why[160];      /* the last failure, for the console */
};

/* Loads keys and certificates once; NULL or why not. */
const char *tls_init(void);
/* Starts a handshake on a connected socket; offers the saved session (if
 * any) for resumption. */
int tls_open(struct tls_link *t, unsigned sock, const char *host, enum tls_slot slot);
/* 0 when the handshake is done, TLS_AGAIN, or < 0 (t->why says why). */
int tls_handshake(struct tls_link *t);
/* Bytes written (all or part), TLS_AGAIN as 0, or < 0. */
int tls_write(struct tls_link *t, const void *buf, size_t len);
/* Bytes read (> 0), 0 when nothing yet, or < 0 (closed or failed; after
 * a fatal error, t->fatal: the alert is sent, the session forgotten). */
int tls_read(struct tls_link *t, void *buf, size_t len);
/* Sends close_notify (best effort) and resets the connection: keys and
 * records are wiped, the record buffers are kept for the next connection
 * of this link; the saved session stays for the next handshake. */
void tls_close(struct tls_link *t, bool notify);
/* Closes (as tls_close) and gives the record buffers back to the heap:
 * for a link not needed again soon (the OTA link after a download). */
void tls_release(struct tls_link *t);
/* Drops a saved session (the next handshake is a full one). */
void tls_forget_session(enum tls_slot slot);

struct tls_counters {
    uint32_t full, resumed, failed;
};
const struct tls_counters *tls_counters(void);

#endif
