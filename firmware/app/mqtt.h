/* firmware/app/mqtt.h: MQTT 3.1.1 client (OASIS spec, docs/cloud.md#mqtt):
 * packets encoded into and parsed from byte streams; the transport (TLS)
 * is the caller's.  QoS 0 and 1, retained publishes, subscriptions,
 * keepalive pings. */
#ifndef LAMP_MQTT_H
#define LAMP_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MQTT_IN_MAX 2048    /* largest packet the lamp accepts */
#define MQTT_OUT_MAX 1536   /* largest packet the lamp sends */

struct mqtt_handlers {
    void (*connack)(void *user, uint8_t return_code, bool session_present);
    void (*publish)(void *user, const char *topic, const uint8_t *payload, size_t len);
    void (*puback)(void *user, uint16_t packet_id);
    void (*suback)(void *user, uint16_t packet_id, uint8_t granted);
    void *user;
};

struct mqtt {
    struct mqtt_handlers h;
    uint8_t in[MQTT_IN_MAX + 8];
    size_t in_len;
    bool skipping;          /* discarding a packet larger than MQTT_IN_MAX */
    size_t skip_left;
    uint8_t out[MQTT_OUT_MAX];
    size_t out_len;         /* encoded, not yet handed to the transport */
    uint16_t next_id;
    bool ping_outstanding;
};

void mqtt_init(struct mqtt *c, const struct mqtt_handlers *h);
/* Each encoder appends a packet to c->out; -1 if it does not fit. */
int mqtt_connect(struct mqtt *c, const char *client_id, uint16_t keepalive_s, bool clean);
/* *packet_id receives the id of a QoS 1 publish (0 for QoS 0). */
int mqtt_publish(struct mqtt *c, const char *topic, const void *payload, size_t len, int qos,
                 bool retain, uint16_t *packet_id);
int mqtt_subscribe(struct mqtt *c, const char *topic, int qos, uint16_t *packet_id);
int mqtt_ping(struct mqtt *c);
int mqtt_disconnect(struct mqtt *c);
/* Bytes from the transport; handlers run for each whole packet.  -1 on a
 * protocol error (the connection must be dropped). */
int mqtt_input(struct mqtt *c, const uint8_t *data, size_t len);
/* The transport took n bytes of c->out. */
void mqtt_consumed(struct mqtt *c, size_t n);

#endif
