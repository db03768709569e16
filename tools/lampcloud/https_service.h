/* tools/lampcloud/https_service.h: the cloud's HTTPS services
 * (image_server.c, commission_server.c) on libsoup 3's SoupServer with
 * GIO's TLS (glib-networking): the cloud's server certificate, client
 * certificates from a CA required or not asked for, HTTP/1.1 with
 * kept-alive connections, a 30 s limit on every wait for the peer (an
 * idle kept-alive connection, a handshake, a reader that stopped), and a
 * thread and main context of its own for each service, so that neither
 * waits on the other nor on the rest of the cloud.  Stopping closes every
 * connection and waits for the work in flight. */
#ifndef LAMPCLOUD_HTTPS_SERVICE_H
#define LAMPCLOUD_HTTPS_SERVICE_H

#include "https_request.h" /* HTTPS_HEADER_MAX */
#include "lampcloud.h"

#include <libsoup/soup.h>


/* Once, before the process has threads: glib-networking's GnuTLS takes
 * its priorities from the environment (G_TLS_GNUTLS_PRIORITY) when the
 * first TLS connection is made; the cloud's services speak TLS 1.2 and 1.3
 * only (glib-networking's defaults would also take 1.0 and 1.1), with the
 * extended master secret (which its defaults turn off). */
void https_services_init(void);

struct https_service;
/* A server not yet listening, with the cloud's server certificate
 * (server.crt and server.key in the state directory).  client_ca: a PEM
 * file of the CAs a client certificate must chain to, which every client
 * then needs; NULL: none is asked for.  name prefixes the log lines
 * ("https", "commission").  Add handlers to https_service_server() before
 * https_service_listen(). */
struct https_service *https_service_new(const char *name, const struct cloud_site *s,
                                        const char *client_ca, GError **error);
SoupServer *https_service_server(struct https_service *svc);
/* A service's part in reading a request.  early: its headers are in, its
 * body not yet read (nor the 100 Continue a client may wait for sent): it
 * may refuse it (https_service_refuse), after the checks every service
 * makes (headers over HTTPS_HEADER_MAX: 431; a Content-Length that is not
 * one number: 400).  refuse:
 * how the service answers a refused request (its body, its log line);
 * NULL: a text/plain body "STATUS REASON" and the log line
 * "NAME: PEER: STATUS WHY". */
typedef void (*https_early_fn)(SoupServerMessage *msg, void *user);
typedef void (*https_refuse_fn)(SoupServerMessage *msg, int status, const char *why, void *user);
void https_service_set_request_hooks(struct https_service *svc, https_early_fn early,
                                     https_refuse_fn refuse, void *user);
/* Answers status at once and closes the connection: whatever body the
 * request has is not read (call it from the early hook only). */
void https_service_refuse(struct https_service *svc, SoupServerMessage *msg, int status,
                          const char *why);
/* Closes a connection taken with soup_server_message_steal_connection
 * (TLS close_notify, then the socket), and takes the stream. */
void https_service_close_stolen(struct https_service *svc, GIOStream *stream);
const char *https_service_name(const struct https_service *svc);
/* The client certificate verified at the handshake of msg's connection
 * (a new reference), or NULL.  libsoup 3.2 gives it only to the first
 * request of a connection (soup_server_message_get_tls_peer_certificate
 * is NULL on the next ones of a kept-alive connection). */
GTlsCertificate *https_service_peer_certificate(struct https_service *svc,
                                                SoupServerMessage *msg);
/* Listens on host:port (an IPv4 address; port 0: any free port) and starts
 * the service's thread.  A port in use is LAMPCLOUD_ERROR_PORT_BUSY, and
 * the service may then listen again on another. */
bool https_service_listen(struct https_service *svc, const char *host, int port,
                          GError **error);
int https_service_port(const struct https_service *svc);
/* Closes the listener and every connection, waits for the work in flight,
 * joins the thread and frees. */
void https_service_stop(struct https_service *svc);

/* Work too slow for the service's thread (a password hash, the registry):
 * msg is paused, work(job) runs on a worker thread, then, back on the
 * service's thread, finish(msg, job) sets the response unless the
 * connection is gone meanwhile (the service stopping), and msg goes on.
 * free_job(job) in every case. */
void https_service_offload(struct https_service *svc, SoupServerMessage *msg,
                           void (*work)(void *job),
                           void (*finish)(SoupServerMessage *msg, void *job),
                           void *job, GDestroyNotify free_job);

/* Whether the connection stays open after this response: HTTP/1.1 unless
 * the request says "Connection: close", HTTP/1.0 only if it says
 * "Connection: keep-alive". */
bool https_keep_alive(SoupServerMessage *msg);
/* Sets the status with the reason phrase the cloud has always sent, and
 * "Connection: keep-alive" or "close" (close also makes libsoup close). */
void https_set_status(SoupServerMessage *msg, int status, bool keep_alive);
/* The response's body, in place of any set before (takes body). */
void https_set_body(SoupServerMessage *msg, const char *content_type, char *body);

#endif
