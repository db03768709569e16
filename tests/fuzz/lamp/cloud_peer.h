/* tests/fuzz/lamp/cloud_peer.h: a hostile cloud inside the fuzzer's
 * process: the broker the lamp dials, reached through the NET model's
 * connector (machine_net_set_connector) over a socketpair, speaking TLS 1.2
 * with the fleet's trust (a server certificate from the cloud CA, the
 * lamp's own certificate checked against the device CA) and enough MQTT
 * 3.1.1 to take the lamp online (CONNACK, SUBACK, PUBACK, PINGRESP).  Once
 * it is online the fuzzer speaks through it: MQTT packets inside the TLS
 * stream, or raw bytes as TLS records; and an image server's answers to
 * the downloads a hostile offer starts.  Everything is in memory that
 * fork() copies, but for the two socket buffers: cloud_peer_drain empties
 * them after each child. */
#ifndef LAMPSIM_FUZZ_CLOUD_PEER_H
#define LAMPSIM_FUZZ_CLOUD_PEER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The broker's endpoint the lamp is provisioned for. */
#define CLOUD_PEER_HOST "localhost"
#define CLOUD_PEER_PORT 8883
/* The image server's port (https://localhost:8443/... in an offer). */
#define CLOUD_PEER_IMAGE_PORT 8443

struct cloud_peer;

/* The server certificate is cert_base.crt (key cert_base.key), issued
 * by the fleet's cloud CA, valid from not_before (Unix s), when they do
 * not exist yet; the lamp's certificate must chain to the fleet's device CA. */
struct cloud_peer *cloud_peer_new(const char *fleet_dir, const char *cert_base,
                                  int64_t not_before, GError **error);
void cloud_peer_free(struct cloud_peer *p);

/* The connector (machine_net_connect_fn): the broker's port and the
 * image server's each get a new connection (dropping any earlier one on
 * that port), any other port is refused. */
int cloud_peer_connect(void *peer, uint32_t ipv4, uint16_t port);
/* Moves the handshake on and answers what the lamp sent. */
void cloud_peer_step(struct cloud_peer *p);
/* The lamp's CONNECT was answered and its SUBSCRIBEs too. */
bool cloud_peer_online(const struct cloud_peer *p);
/* The lamp has sent the image server a request (since the peer was made). */
bool cloud_peer_image_asked(const struct cloud_peer *p);
/* The lamp holds a connection to the image server (a download). */
bool cloud_peer_downloading(const struct cloud_peer *p);
/* Topics the lamp subscribed to, in order, a wildcard level named "fuzz"
 * (the peer's own strings). */
guint cloud_peer_topics(const struct cloud_peer *p, const char *const **out);

/* Bytes into the TLS stream (one or more MQTT packets, or none). */
void cloud_peer_send_mqtt(struct cloud_peer *p, const uint8_t *data, size_t len);
/* A PUBLISH (QoS 0 or 1) of payload on topic, framed correctly. */
void cloud_peer_publish(struct cloud_peer *p, const char *topic, int qos, uint16_t id,
                        const uint8_t *payload, size_t len);
/* Bytes straight onto the connection: TLS records of the fuzzer's making. */
void cloud_peer_send_raw(struct cloud_peer *p, const uint8_t *data, size_t len);
/* Bytes into the image server's TLS stream: the HTTP response an OTA or
 * app download gets (status, headers, Range answers, a body cut short). */
void cloud_peer_send_https(struct cloud_peer *p, const uint8_t *data, size_t len);
/* In the parent after a child: the broker connection's socket buffers,
 * which parent and child share (an image connection is the child's own). */
void cloud_peer_drain(struct cloud_peer *p);

#endif
