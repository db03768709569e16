/* tools/lampcloud/https_listener.h: a TLS server socket for the cloud's
 * HTTPS services (image_server.c, commission_server.c): one thread per
 * connection, the TLS handshake done before the service sees it, and a
 * stop that closes every connection and waits for its thread. */
#ifndef LAMPCLOUD_HTTPS_LISTENER_H
#define LAMPCLOUD_HTTPS_LISTENER_H

#include "lampcloud.h"

#include <openssl/ssl.h>

/* Serves one connection after its handshake; the listener then shuts the
 * TLS session down and closes the socket. */
typedef void (*https_serve_fn)(SSL *ssl, const char *peer, void *user);

struct https_listener;
/* Listens on host:port (port 0: any free port) with ctx, which it takes
 * over; name prefixes its log lines ("https", "commission").  A port in
 * use is error LAMPCLOUD_ERROR_PORT_BUSY. */
struct https_listener *https_listener_start(const char *name, const char *host, int port,
                                            SSL_CTX *ctx, https_serve_fn serve, void *user,
                                            GError **error);
int https_listener_port(const struct https_listener *l);
void https_listener_stop(struct https_listener *l);

/* A server context with the cloud's server certificate (server.crt and
 * server.key in the state directory) and TLS 1.2 or later. */
SSL_CTX *https_server_ctx(const struct cloud_site *s, const char *what, GError **error);
bool https_send_all(SSL *ssl, const void *buf, size_t len);

#endif
