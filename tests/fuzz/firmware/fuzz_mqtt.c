/* Fuzz target: the lamp's MQTT 3.1.1 decoder (firmware/app/mqtt.c) fed
 * what a broker, or anyone between it and the lamp's TLS, could send, in
 * pieces whose sizes the input picks, as TLS records deliver it.  Beyond
 * crashes, it checks what netmgr relies on: a topic handed to the publish
 * handler is NUL-terminated, shorter than the decoder's buffer and the
 * whole topic of the packet (one with a NUL inside is a protocol error,
 * MQTT 3.1.1 section 1.5.3: netmgr dispatches by the text), a
 * payload lies inside the packet buffer and within MQTT_IN_MAX, the
 * encoder's output (PUBACKs) never passes MQTT_OUT_MAX, and every PUBLISH
 * decoded, encoded again by the lamp's own encoder, decodes to itself. */
#include "mqtt.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    const struct mqtt *client;
    char topic[128];
    uint8_t payload[MQTT_IN_MAX];
    size_t len;
    unsigned publishes;
};

static void on_publish(void *user, const char *topic, const uint8_t *payload, size_t len)
{
    struct seen *s = user;
    size_t tl = strnlen(topic, sizeof(s->topic));
    const uint8_t *in = s->client->in, *in_end = in + sizeof(s->client->in);

    if (tl >= sizeof(s->topic) || len > MQTT_IN_MAX || payload < in || payload > in_end ||
        len > (size_t)(in_end - payload))
        abort();
    /* The packet being handled starts the buffer: fixed header, remaining
     * length (1-4 bytes), topic length, topic.  The text handed over must
     * be all of the topic. */
    size_t hdr = 1;
    while (in[hdr] & 0x80)
        hdr++;
    hdr++;
    if (tl != (size_t)(in[hdr] << 8 | in[hdr + 1]))
        abort();
    memcpy(s->topic, topic, tl + 1);
    memcpy(s->payload, payload, len);
    s->len = len;
    s->publishes++;
}

/* The lamp's encoder frames the same PUBLISH a broker would send; the
 * decoder must give back exactly the topic and payload. */
static void check_round_trip(const struct seen *got)
{
    static struct mqtt enc, dec;
    struct seen again = { .client = &dec };
    struct mqtt_handlers h = { .publish = on_publish, .user = &again };
    uint16_t id;

    mqtt_init(&enc, &h);
    if (mqtt_publish(&enc, got->topic, got->payload, got->len, 1, false, &id) != 0)
        return; /* larger than the lamp sends (MQTT_OUT_MAX): refused, fine */
    mqtt_init(&dec, &h);
    if (mqtt_input(&dec, enc.out, enc.out_len) != 0 || again.publishes != 1 ||
        strcmp(again.topic, got->topic) != 0 || again.len != got->len ||
        memcmp(again.payload, got->payload, got->len) != 0)
        abort();
    /* QoS 1: the decoder answered with a PUBACK of that id. */
    if (dec.out_len != 4 || dec.out[0] != 0x40 || dec.out[2] != (uint8_t)(id >> 8) ||
        dec.out[3] != (uint8_t)id)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mqtt client;
    static struct seen seen;

    if (size < 1)
        return 0;
    size_t piece = (size_t)data[0] + 1;
    data++, size--;
    memset(&seen, 0, sizeof(seen));
    seen.client = &client;
    struct mqtt_handlers h = { .publish = on_publish, .user = &seen };
    mqtt_init(&client, &h);
    for (size_t off = 0; off < size; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        unsigned before = seen.publishes;
        int rc = mqtt_input(&client, data + off, n);
        if (client.out_len > MQTT_OUT_MAX || client.in_len > sizeof(client.in))
            abort();
        if (seen.publishes != before)
            check_round_trip(&seen);
        /* The transport takes what the lamp answered, as tls_link does. */
        mqtt_consumed(&client, client.out_len);
        if (rc != 0)
            break; /* a protocol error: netmgr drops the connection */
    }
    return 0;
}
