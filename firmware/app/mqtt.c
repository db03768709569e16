/* firmware/app/mqtt.c: MQTT 3.1.1 packets (OASIS MQTT 3.1.1, section 3). */
#include "mqtt.h"

#include <string.h>

enum {
    CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBSCRIBE = 8, SUBACK = 9,
    PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14,
};

void mqtt_init(struct mqtt *c, const struct mqtt_handlers *h)
{
    memset(c, 0, sizeof(*c));
    c->h = *h;
    c->next_id = 1;
}

static uint16_t new_id(struct mqtt *c)
{
    uint16_t id = c->next_id++;
    if (c->next_id == 0)
        c->next_id = 1;
    return id;
}

/* Fixed header + remaining length (variable byte integer, 2.2.3). */
static int begin(struct mqtt *c, uint8_t first, size_t remaining, uint8_t **p)
{
    uint8_t hdr[5];
    size_t n = 0;

    hdr[n++] = first;
    do {
        uint8_t b = remaining % 128;
        remaining /= 128;
        hdr[n++] = (uint8_t)(b | (remaining ? 0x80 : 0));
    } while (remaining && n < 5);
    if (remaining)
        return -1;
    *p = c->out + c->out_len;
    memcpy(*p, hdr, n);
    *p += n;
    return (int)n;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    *p++ = (uint8_t)(v >> 8);
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t n)
{
    p = put16(p, (uint16_t)n);
    memcpy(p, s, n);
    return p + n;
}

static int room(struct mqtt *c, size_t remaining)
{
    return c->out_len + remaining + 5 <= sizeof(c->out) ? 0 : -1;
}

int mqtt_connect(struct mqtt *c, const char *client_id, uint16_t keepalive_s, bool clean)
{
    size_t idl = strlen(client_id), rem = 10 + 2 + idl;
    uint8_t *p, *start;
    int h;

    if (room(c, rem) || (h = begin(c, CONNECT << 4, rem, &p)) < 0)
        return -1;
    start = p - h;
    p = put_str(p, "MQTT", 4);
    *p++ = 4;                       /* protocol level 3.1.1 */
    *p++ = clean ? 0x02 : 0x00;     /* no will, no username: the certificate says who */
    p = put16(p, keepalive_s);
    p = put_str(p, client_id, idl);
    c->out_len += (size_t)(p - start);
    c->ping_outstanding = false;
    return 0;
}

int mqtt_publish(struct mqtt *c, const char *topic, const void *payload, size_t len, int qos,
                 bool retain, uint16_t *packet_id)
{
    size_t tl = strlen(topic), rem = 2 + tl + (qos ? 2 : 0) + len;
    uint8_t *p, *start;
    uint16_t id = 0;
    int h;

    if (room(c, rem) || (h = begin(c, (uint8_t)(PUBLISH << 4 | (qos ? 2 : 0) | (retain ? 1 : 0)),
                                   rem, &p)) < 0)
        return -1;
    start = p - h;
    p = put_str(p, topic, tl);
    if (qos) {
        id = new_id(c);
        p = put16(p, id);
    }
    memcpy(p, payload, len);
    p += len;
    c->out_len += (size_t)(p - start);
    if (packet_id)
        *packet_id = id;
    return 0;
}

int mqtt_subscribe(struct mqtt *c, const char *topic, int qos, uint16_t *packet_id)
{
    size_t tl = strlen(topic), rem = 2 + 2 + tl + 1;
    uint8_t *p, *start;
    uint16_t id = new_id(c);
    int h;

    if (room(c, rem) || (h = begin(c, SUBSCRIBE << 4 | 2, rem, &p)) < 0)
        return -1;
    start = p - h;
    p = put16(p, id);
    p = put_str(p, topic, tl);
    *p++ = (uint8_t)qos;
    c->out_len += (size_t)(p - start);
    if (packet_id)
        *packet_id = id;
    return 0;
}

static int two_bytes(struct mqtt *c, uint8_t first)
{
    if (room(c, 0))
        return -1;
    c->out[c->out_len++] = first;
    c->out[c->out_len++] = 0;
    return 0;
}

int mqtt_ping(struct mqtt *c)
{
    if (two_bytes(c, PINGREQ << 4))
        return -1;
    c->ping_outstanding = true;
    return 0;
}

int mqtt_disconnect(struct mqtt *c)
{
    return two_bytes(c, DISCONNECT << 4);
}

static int puback(struct mqtt *c, uint16_t id)
{
    if (room(c, 2))
        return -1;
    c->out[c->out_len++] = PUBACK << 4;
    c->out[c->out_len++] = 2;
    c->out[c->out_len++] = (uint8_t)(id >> 8);
    c->out[c->out_len++] = (uint8_t)id;
    return 0;
}

void mqtt_consumed(struct mqtt *c, size_t n)
{
    memmove(c->out, c->out + n, c->out_len - n);
    c->out_len -= n;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int handle(struct mqtt *c, uint8_t first, const uint8_t *b, size_t n)
{
    switch (first >> 4) {
    case CONNACK:
        if (n != 2)
            return -1;
        if (c->h.connack)
            c->h.connack(c->h.user, b[1], b[0] & 1);
        return 0;
    case PUBLISH: {
        int qos = (first >> 1) & 3;
        size_t tl, off;
        uint16_t id = 0;
        char topic[128];

        if (n < 2 || qos > 1)   /* the lamp subscribes at QoS <= 1 */
            return -1;
        tl = get16(b);
        off = 2 + tl;
        if (off + (qos ? 2 : 0) > n)
            return -1;
        /* A topic is text without U+0000 (section 1.5.3: the receiver
         * closes the connection); cut at a NUL, it would name another. */
        if (memchr(b + 2, 0, tl))
            return -1;
        if (qos) {
            id = get16(b + off);
            off += 2;
        }
        if (tl < sizeof(topic)) {
            memcpy(topic, b + 2, tl);
            topic[tl] = 0;
            if (c->h.publish)
                c->h.publish(c->h.user, topic, b + off, n - off);
        }
        return qos ? puback(c, id) : 0;
    }
    case PUBACK:
        if (n != 2)
            return -1;
        if (c->h.puback)
            c->h.puback(c->h.user, get16(b));
        return 0;
    case SUBACK:
        if (n < 3)
            return -1;
        if (c->h.suback)
            c->h.suback(c->h.user, get16(b), b[2]);
        return 0;
    case PINGRESP:
        c->ping_outstanding = false;
        return 0;
    default:
        return -1; /* nothing else may come from a broker to a client */
    }
}

int mqtt_input(struct mqtt *c, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t take, rem = 0, hdr;
        unsigned shift = 0;

        if (c->skipping) {
            take = len < c->skip_left ? len : c->skip_left;
            c->skip_left -= take;
            data += take;
            len -= take;
            if (c->skip_left == 0)
                c->skipping = false;
            continue;
        }
        take = sizeof(c->in) - c->in_len;
        if (take > len)
            take = len;
        memcpy(c->in + c->in_len, data, take);
        c->in_len += take;
        data += take;
        len -= take;
        /* As many whole packets as the buffer holds. */
        for (;;) {
            size_t i;
            rem = 0;
            shift = 0;
            if (c->in_len < 2)
                break;
            for (i = 1; i < 5 && i < c->in_len; i++) {
                rem |= (size_t)(c->in[i] & 0x7F) << shift;
                shift += 7;
                if (!(c->in[i] & 0x80))
                    break;
            }
            if (i == 5)
                return -1;
            if (i >= c->in_len)
                break;
            hdr = i + 1;
            if (hdr + rem > MQTT_IN_MAX) {
                /* Too big for the lamp: drop it whole, keep the session. */
                size_t have = c->in_len - hdr;
                if (have >= rem) {
                    memmove(c->in, c->in + hdr + rem, c->in_len - hdr - rem);
                    c->in_len -= hdr + rem;
                    continue;
                }
                c->skipping = true;
                c->skip_left = rem - have;
                c->in_len = 0;
                break;
            }
            if (c->in_len < hdr + rem)
                break;
            if (handle(c, c->in[0], c->in + hdr, rem))
                return -1;
            memmove(c->in, c->in + hdr + rem, c->in_len - hdr - rem);
            c->in_len -= hdr + rem;
        }
    }
    return 0;
}
