/* tests/fuzz/lamp/cloud_peer.c: the hostile broker inside the fuzzer
 * (cloud_peer.h). */
#include "cloud_peer.h"
#include "factory.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The lamp's TLS (docs/cloud.md#tls): TLS 1.2, this suite, P-256. */
#define PEER_SUITE "ECDHE-ECDSA-AES128-GCM-SHA256"
#define PEER_GROUPS "P-256"
#define PEER_SAN "DNS:" CLOUD_PEER_HOST ",IP:127.0.0.1"
#define PEER_CERT_DAYS 365
#define PEER_WILDCARD_NAME "fuzz"
#define PEER_SESSION_CONTEXT "lamp-fuzz"
/* MQTT 3.1.1 control packet types (the high nibble of the first byte). */
enum { MQTT_CONNECT = 1, MQTT_PUBLISH = 3, MQTT_PUBREL = 6, MQTT_SUBSCRIBE = 8, MQTT_PINGREQ = 12 };

/* One TLS connection from the lamp. */
struct peer_conn {
    SSL *ssl;          /* NULL when none */
    int fd, lamp_fd;   /* the socketpair's ends: ours, the lamp's (-1: none) */
    bool failed;       /* TLS ended (an alert, the lamp's garbage): no more steps */
    GByteArray *in;    /* decrypted bytes from the lamp, not yet used */
};

struct cloud_peer {
    SSL_CTX *ctx;
    struct peer_conn broker, image;
    bool image_asked;  /* the lamp sent the image server a request */
    bool connack_sent;
    unsigned subacks;
    GPtrArray *topics; /* char *, subscribed */
};

static bool ssl_failed(GError **error, const char *what)
{
    char buf[256];

    ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cloud peer: %s: %s", what, buf);
    return false;
}

/* A server certificate for CLOUD_PEER_HOST from the fleet's cloud CA,
 * valid from not_before (the lamp checks validity against its RTC, which
 * starts where the harness sets it): issued once into base.key and
 * base.crt and used from there, so that every run shows the lamp the same
 * certificate (its length shows in the lamp's heap). */
static bool use_server_cert(SSL_CTX *ctx, const char *fleet_dir, const char *base,
                            int64_t not_before, GError **error)
{
    g_autofree char *key = g_strconcat(base, ".key", NULL);
    g_autofree char *crt = g_strconcat(base, ".crt", NULL);

    if ((!g_file_test(key, G_FILE_TEST_EXISTS) || !g_file_test(crt, G_FILE_TEST_EXISTS)) &&
        !factory_issue_pem_at(fleet_dir, true, CLOUD_PEER_HOST, PEER_SAN, not_before,
                              PEER_CERT_DAYS, key, crt, error))
        return false;
    if (!SSL_CTX_use_certificate_file(ctx, crt, SSL_FILETYPE_PEM) ||
        !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM))
        return ssl_failed(error, "loading the server certificate");
    return true;
}

struct cloud_peer *cloud_peer_new(const char *fleet_dir, const char *cert_base,
                                  int64_t not_before, GError **error)
{
    struct cloud_peer *p = g_new0(struct cloud_peer, 1);
    g_autofree char *device_ca = g_build_filename(fleet_dir, "device-ca.crt", NULL);

    p->broker.fd = p->broker.lamp_fd = p->image.fd = p->image.lamp_fd = -1;
    p->broker.in = g_byte_array_new();
    p->image.in = g_byte_array_new();
    p->topics = g_ptr_array_new_with_free_func(g_free);
    p->ctx = SSL_CTX_new(TLS_server_method());
    if (!p->ctx || !SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(p->ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(p->ctx, PEER_SUITE) ||
        !SSL_CTX_set1_groups_list(p->ctx, PEER_GROUPS) ||
        !SSL_CTX_load_verify_locations(p->ctx, device_ca, NULL)) {
        ssl_failed(error, "the TLS server context");
        cloud_peer_free(p);
        return NULL;
    }
    SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    /* The lamp offers its last session when it reconnects; with client
     * certificates OpenSSL refuses to resume without a context id (it
     * failed every reconnection: "session id context uninitialized"). */
    if (!SSL_CTX_set_session_id_context(p->ctx, (const unsigned char *)PEER_SESSION_CONTEXT,
                                        sizeof(PEER_SESSION_CONTEXT) - 1)) {
        ssl_failed(error, "the session id context");
        cloud_peer_free(p);
        return NULL;
    }
    if (!use_server_cert(p->ctx, fleet_dir, cert_base, not_before, error)) {
        cloud_peer_free(p);
        return NULL;
    }
    return p;
}

static void drop_connection(struct peer_conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0)
        close(c->fd);
    /* the lamp's end is the NET model's, closed by it */
    c->fd = c->lamp_fd = -1;
    c->failed = false;
    g_byte_array_set_size(c->in, 0);
}

void cloud_peer_free(struct cloud_peer *p)
{
    if (!p)
        return;
    drop_connection(&p->broker);
    drop_connection(&p->image);
    SSL_CTX_free(p->ctx);
    g_byte_array_unref(p->broker.in);
    g_byte_array_unref(p->image.in);
    g_ptr_array_unref(p->topics);
    g_free(p);
}

int cloud_peer_connect(void *peer, uint32_t ipv4, uint16_t port)
{
    struct cloud_peer *p = peer;
    struct peer_conn *c = port == CLOUD_PEER_PORT         ? &p->broker
                          : port == CLOUD_PEER_IMAGE_PORT ? &p->image
                                                          : NULL;
    int sv[2];

    (void)ipv4;
    if (!c)
        return -ECONNREFUSED;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        return -errno;
    drop_connection(c);
    if (c == &p->broker) {
        p->connack_sent = false;
        p->subacks = 0;
    }
    c->fd = sv[0];
    c->lamp_fd = sv[1];
    c->ssl = SSL_new(p->ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
        drop_connection(c);
        close(sv[1]);
        return -ENOMEM;
    }
    SSL_set_accept_state(c->ssl);
    return sv[1];
}

static void put_on(struct peer_conn *c, const uint8_t *data, size_t len)
{
    if (c->ssl && !c->failed && len && SSL_write(c->ssl, data, (int)len) <= 0)
        c->failed = true;
}

static void put(struct cloud_peer *p, const uint8_t *data, size_t len)
{
    put_on(&p->broker, data, len);
}

static uint16_t be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* A topic the lamp hears, from its filter: a one-level wildcard becomes
 * the name of PEER_WILDCARD_NAME (lamp/SERIAL/appctl/+: an app's offer). */
static void note_topic(struct cloud_peer *p, const uint8_t *t, size_t len)
{
    g_autofree char *filter = g_strndup((const char *)t, len);
    g_auto(GStrv) levels = g_strsplit(filter, "/", -1);
    for (char **l = levels; *l; l++) {
        if (strcmp(*l, "+") == 0 || strcmp(*l, "#") == 0) {
            g_free(*l);
            *l = g_strdup(PEER_WILDCARD_NAME);
        }
    }
    g_autofree char *topic = g_strjoinv("/", levels);

    for (guint i = 0; i < p->topics->len; i++)
        if (strcmp(g_ptr_array_index(p->topics, i), topic) == 0)
            return;
    g_ptr_array_add(p->topics, g_steal_pointer(&topic));
}

/* What a broker answers; anything else the lamp sends is taken silently. */
static void answer(struct cloud_peer *p, uint8_t first, const uint8_t *body, size_t len)
{
    uint8_t out[2 + 2 + 64];

    switch (first >> 4) {
    case MQTT_CONNECT:
        put(p, (const uint8_t[]){ 0x20, 2, 0, 0 }, 4);
        p->connack_sent = true;
        break;
    case MQTT_SUBSCRIBE: {
        size_t n = 0, at = 2;
        if (len < 2)
            break;
        out[2] = body[0], out[3] = body[1];
        while (at + 2 <= len && n < 64) {
            size_t tl = be16(body + at);
            if (at + 2 + tl + 1 > len)
                break;
            note_topic(p, body + at + 2, tl);
            out[4 + n++] = body[at + 2 + tl] ? 1 : 0;
            at += 2 + tl + 1;
        }
        out[0] = 0x90, out[1] = (uint8_t)(2 + n);
        put(p, out, 4 + n);
        p->subacks++;
        break;
    }
    case MQTT_PUBLISH: {
        unsigned qos = (first >> 1) & 3;
        size_t tl = len >= 2 ? be16(body) : 0;
        if (qos == 0 || len < 2 + tl + 2)
            break;
        out[0] = qos == 1 ? 0x40 : 0x50, out[1] = 2; /* PUBACK, PUBREC */
        out[2] = body[2 + tl], out[3] = body[3 + tl];
        put(p, out, 4);
        break;
    }
    case MQTT_PUBREL:
        if (len >= 2)
            put(p, (const uint8_t[]){ 0x70, 2, body[0], body[1] }, 4);
        break;
    case MQTT_PINGREQ:
        put(p, (const uint8_t[]){ 0xd0, 0 }, 2);
        break;
    }
}

static void answer_packets(struct cloud_peer *p)
{
    GByteArray *in = p->broker.in;

    while (in->len >= 2) {
        size_t rem = 0, at = 1, mult = 1;
        bool whole = false;
        while (at < in->len && at <= 4) {
            rem += (in->data[at] & 127u) * mult;
            mult *= 128;
            if (!(in->data[at++] & 128)) {
                whole = true;
                break;
            }
        }
        if (!whole) {
            if (at > 4) /* not MQTT: the lamp is not a broker's client any more */
                g_byte_array_set_size(in, 0);
            return;
        }
        if (in->len < at + rem)
            return;
        answer(p, in->data[0], in->data + at, rem);
        g_byte_array_remove_range(in, 0, (guint)(at + rem));
    }
}

/* Moves a connection's handshake on and reads what the lamp sent. */
static void step_conn(struct peer_conn *c)
{
    uint8_t buf[4096];
    int n;

    if (!c->ssl || c->failed)
        return;
    if (!SSL_is_init_finished(c->ssl)) {
        n = SSL_do_handshake(c->ssl);
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                c->failed = true;
            ERR_clear_error();
            return;
        }
    }
    while ((n = SSL_read(c->ssl, buf, sizeof(buf))) > 0)
        g_byte_array_append(c->in, buf, (guint)n);
    if (SSL_get_error(c->ssl, n) != SSL_ERROR_WANT_READ)
        c->failed = true;
    ERR_clear_error();
}

void cloud_peer_step(struct cloud_peer *p)
{
    step_conn(&p->broker);
    answer_packets(p);
    /* The image server's answers are the fuzzer's: the lamp's requests
     * are only taken off the connection. */
    step_conn(&p->image);
    p->image_asked |= p->image.in->len > 0;
    g_byte_array_set_size(p->image.in, 0);
}

bool cloud_peer_image_asked(const struct cloud_peer *p)
{
    return p->image_asked;
}

bool cloud_peer_downloading(const struct cloud_peer *p)
{
    return p->image.ssl && !p->image.failed;
}

bool cloud_peer_online(const struct cloud_peer *p)
{
    return p->broker.ssl && !p->broker.failed && p->connack_sent && p->subacks > 0;
}

guint cloud_peer_topics(const struct cloud_peer *p, const char *const **out)
{
    *out = (const char *const *)p->topics->pdata;
    return p->topics->len;
}

void cloud_peer_send_mqtt(struct cloud_peer *p, const uint8_t *data, size_t len)
{
    put(p, data, len);
}

void cloud_peer_publish(struct cloud_peer *p, const char *topic, int qos, uint16_t id,
                        const uint8_t *payload, size_t len)
{
    size_t tl = strlen(topic), rem = 2 + tl + (qos ? 2 : 0) + len, at = 0;
    g_autofree uint8_t *pkt = g_malloc(5 + rem);

    pkt[at++] = (uint8_t)(0x30 | (qos ? 2 : 0));
    do {
        pkt[at] = rem & 127;
        rem >>= 7;
        pkt[at++] |= rem ? 128 : 0;
    } while (rem);
    pkt[at++] = (uint8_t)(tl >> 8), pkt[at++] = (uint8_t)tl;
    memcpy(pkt + at, topic, tl), at += tl;
    if (qos)
        pkt[at++] = (uint8_t)(id >> 8), pkt[at++] = (uint8_t)id;
    memcpy(pkt + at, payload, len), at += len;
    put(p, pkt, at);
}

void cloud_peer_send_raw(struct cloud_peer *p, const uint8_t *data, size_t len)
{
    if (p->broker.fd >= 0 && len && send(p->broker.fd, data, len, MSG_NOSIGNAL) < 0)
        p->broker.failed = true;
}

void cloud_peer_send_https(struct cloud_peer *p, const uint8_t *data, size_t len)
{
    put_on(&p->image, data, len);
}

static void drain_fd(int fd)
{
    uint8_t buf[4096];

    while (fd >= 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
}

void cloud_peer_drain(struct cloud_peer *p)
{
    drain_fd(p->broker.fd);
    drain_fd(p->broker.lamp_fd);
}
