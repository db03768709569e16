/* tests/fuzz/firmware/seed_mqtt.c: the MQTT target's corpus: what a broker
 * sends a lamp through one session, each seed a file in DIR with the
 * target's piece-size byte in front.  PUBLISH packets are framed by the
 * lamp's own encoder (firmware/app/mqtt.c: a broker's PUBLISH has the same
 * layout, OASIS MQTT 3.1.1 section 3.3) with the topics and payloads of
 * docs/cloud.md#topics; CONNACK, SUBACK, PUBACK and PINGRESP, which the
 * lamp never encodes, are written from sections 3.2, 3.9, 3.4, 3.13.
 *   seed_mqtt DIR */
#include "mqtt.h"

#include <stdio.h>
#include <string.h>

static int write_seed(const char *dir, const char *name, uint8_t piece, const uint8_t *b,
                      size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "wb")) || fputc(piece, f) == EOF || fwrite(b, 1, n, f) != n ||
        fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

/* A broker's PUBLISH, framed by the lamp's encoder. */
static size_t publish(uint8_t *out, const char *topic, const char *payload, int qos, bool retain)
{
    static struct mqtt enc;
    struct mqtt_handlers none = { 0 };
    uint16_t id;

    mqtt_init(&enc, &none);
    enc.next_id = 0x1234;
    if (mqtt_publish(&enc, topic, payload, strlen(payload), qos, retain, &id) != 0)
        return 0;
    memcpy(out, enc.out, enc.out_len);
    return enc.out_len;
}

int main(int argc, char **argv)
{
    static const uint8_t connack[] = { 0x20, 2, 0, 0 }, connack_refused[] = { 0x20, 2, 0, 5 },
                         suback[] = { 0x90, 3, 0, 1, 1 }, puback[] = { 0x40, 2, 0, 2 },
                         pingresp[] = { 0xd0, 0 };
    uint8_t session[MQTT_OUT_MAX * 4], big[MQTT_OUT_MAX];
    size_t n = 0, m;
    int rc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    /* A session as the lamp sees it after connecting (docs/cloud.md). */
    memcpy(session + n, connack, sizeof(connack)), n += sizeof(connack);
    memcpy(session + n, suback, sizeof(suback)), n += sizeof(suback);
    n += publish(session + n, "lamp/FUZZ-0001/delta",
                 "{\"light\":{\"level\":42.5,\"cct\":3000,\"fade_ms\":500}}", 1, false);
    n += publish(session + n, "lamp/FUZZ-0001/ota",
                 "{\"url\":\"https://localhost:8443/images/app-1.2.0.img\",\"version\":\"1.2.0\"}",
                 1, false);
    n += publish(session + n, "lamp/FUZZ-0001/desired", "{\"telemetry_period_s\":60}", 0, true);
    memcpy(session + n, puback, sizeof(puback)), n += sizeof(puback);
    memcpy(session + n, pingresp, sizeof(pingresp)), n += sizeof(pingresp);
    rc |= write_seed(argv[1], "session", 0xff, session, n);
    rc |= write_seed(argv[1], "session-in-7-byte-pieces", 6, session, n);
    rc |= write_seed(argv[1], "connack-refused", 0xff, connack_refused, sizeof(connack_refused));
    /* The longest the lamp's encoder frames. */
    memset(big, 'x', sizeof(big) - 1), big[sizeof(big) - 1] = 0;
    m = publish(session, "lamp/FUZZ-0001/app/counter/in", (const char *)big + 200, 0, false);
    memcpy(session + m, pingresp, sizeof(pingresp));
    rc |= write_seed(argv[1], "publish-qos0-long", 0x40, session, m + sizeof(pingresp));
    /* A PUBLISH of 3000 bytes, more than MQTT_IN_MAX: the lamp skips it
     * whole and reads the PINGRESP after it (remaining length 3000 is the
     * variable byte integer 0xb8 0x17, section 2.2.3). */
    m = 0;
    session[m++] = 0x30, session[m++] = 0xb8, session[m++] = 0x17;
    session[m++] = 0, session[m++] = 5;
    memcpy(session + m, "a/b/c", 5), m += 5;
    memset(session + m, 'y', 3000 - 7), m += 3000 - 7;
    memcpy(session + m, pingresp, sizeof(pingresp)), m += sizeof(pingresp);
    rc |= write_seed(argv[1], "publish-oversize-skipped", 0xff, session, m);
    return rc ? 1 : 0;
}
