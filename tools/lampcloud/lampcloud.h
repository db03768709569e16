/* tools/lampcloud/lampcloud.h: the reference cloud (docs/cloud.md#the-reference-cloud):
 * Debian's mosquitto configured for the lamps' mutual TLS with the registry
 * plugin, an HTTPS image server, a follower of the lamps' topics, and the
 * installers' HTTPS commissioning service (docs/commissioning.md). */
#ifndef LAMPCLOUD_H
#define LAMPCLOUD_H

#include <glib.h>
#include <stdbool.h>

#define LAMPCLOUD_ERROR (lampcloud_error_quark())
GQuark lampcloud_error_quark(void);
/* INPUT: the caller's data is wrong (an HTTP 400, a usage error), not us;
 * PORT_BUSY: a port to listen on is taken. */
enum { LAMPCLOUD_ERROR_FAILED, LAMPCLOUD_ERROR_INPUT, LAMPCLOUD_ERROR_PORT_BUSY };

/* What `serve` writes into its state directory (lampcloud.ini) so that the
 * one-shot commands find the broker and the image server. */
struct cloud_site {
    char *state_dir, *fleet_dir, *images_dir;
    char *host;         /* the address everything listens on */
    char *server_name;  /* the name in the server certificate, used by lamps */
    int mqtt_port, https_port, commission_port;
};
bool cloud_site_save(const struct cloud_site *s, GError **error);
bool cloud_site_load(struct cloud_site *s, const char *state_dir, GError **error);
void cloud_site_clear(struct cloud_site *s);
char *cloud_site_path(const struct cloud_site *s, const char *name);

/* Output lines are shared by several threads. */
void cloud_say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* broker.c: writes mosquitto.conf, starts mosquitto, waits for its port. */
struct broker;
struct broker *broker_start(const struct cloud_site *s, const char *plugin, bool verbose,
                            GError **error);
/* Stops mosquitto (SIGTERM, then waits). */
void broker_stop(struct broker *b);
/* The child exited on its own (then lampcloud stops too). */
bool broker_exited(struct broker *b, char **why);

/* image_server.c: HTTPS with client certificates, GET/HEAD, Range.
 * Tests: a response without Range (cut_ranges: any response) ends after
 * cut_after bytes of body and its connection is closed; a response without
 * Range stops after hold_after bytes and is kept open (-1: neither). */
struct image_server;
struct image_server *image_server_start(const struct cloud_site *s, gint64 cut_after,
                                        bool cut_ranges, gint64 hold_after, GError **error);
void image_server_stop(struct image_server *srv);

/* commission_server.c: the installers' HTTPS API (POST /api/login,
 * /api/commission) on s->commission_port (0: any free port); the port it
 * got is written back into s.  any_port_if_busy: a taken port is not an
 * error, any free one is used instead. */
struct commission_server;
struct commission_server *commission_server_start(struct cloud_site *s, bool any_port_if_busy,
                                                  GError **error);
void commission_server_stop(struct commission_server *srv);

/* follower.c: subscribes to every lamp's topics, prints them, answers
 * desired state with delta, and moves a lamp's commissioning key forward
 * when it reports a new n on lamp/SERIAL/commissioned. */
struct follower;
struct follower *follower_start(const struct cloud_site *s, GError **error);
void follower_stop(struct follower *f);

/* cloud_client.c: the cloud's own MQTT clients, each with a certificate
 * `serve` issues (CN = the id; "cloud:" is never a valid serial). */
#define CLOUD_FOLLOWER_ID "cloud:follower"
#define CLOUD_CLI_ID "cloud:cli"
struct mosquitto;
/* mosquitto_new and mosquitto_connect as id, with its certificate.
 * durable: a persistent session (clean session off), so the broker keeps
 * the subscriptions and queues QoS 1 messages while the client is away. */
struct mosquitto *cloud_mqtt_connect(const struct cloud_site *s, const char *id, bool durable,
                                     void *user, GError **error);
/* One QoS 1 publish as the cloud's command-line client, acknowledged. */
bool cloud_publish(const struct cloud_site *s, const char *topic, const char *payload,
                   bool retain, GError **error);
/* n QoS 1 publishes over one connection, every one acknowledged. */
bool cloud_publish_all(const struct cloud_site *s, guint n, const char *const *topics,
                       const char *const *payloads, bool retain, GError **error);
/* The retained messages the broker holds under filter now: topic ->
 * payload (g_hash_table_unref it). */
GHashTable *cloud_read_retained(const struct cloud_site *s, const char *filter, GError **error);

#endif
