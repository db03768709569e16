/* tools/lampcloud/cloud_client.c: the cloud's own MQTT connections
 * (libmosquitto, mutual TLS with a "cloud:" certificate that `serve`
 * issued from the fleet's device CA): the follower's, and the one-shot
 * commands' publishes and reads of retained state. */
#include "lampcloud.h"

#include <mosquitto.h>
#include <string.h>

#define KEEPALIVE_S 30
/* How long a one-shot command waits for the broker's answers. */
#define ONESHOT_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* Where a one-shot reader marks the end of the retained messages: under
 * no lamp's prefix, so neither lamps nor the follower see it. */
#define SYNC_TOPIC_PREFIX "cloud/sync/"

struct mosquitto *cloud_mqtt_connect(const struct cloud_site *s, const char *id, bool durable,
                                     void *user, GError **error)
{
    g_autofree char *ca = g_build_filename(s->fleet_dir, "cloud-ca.crt", NULL);
    g_autofree char *crt = NULL, *key = NULL, *base = g_strdelimit(g_strdup(id), ":", '-');
    struct mosquitto *m = mosquitto_new(id, !durable, user);
    int rc;

    crt = g_strdup_printf("%s/%s.crt", s->state_dir, base);
    key = g_strdup_printf("%s/%s.key", s->state_dir, base);
    if (!m) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "mosquitto_new failed");
        return NULL;
    }
    rc = mosquitto_tls_set(m, ca, NULL, crt, key, NULL);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_tls_opts_set(m, 1, "tlsv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256");
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_connect(m, s->server_name, s->mqtt_port, KEEPALIVE_S);
    if (rc != MOSQ_ERR_SUCCESS) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "connecting to the broker %s:%d as %s: %s",
                    s->server_name, s->mqtt_port, id,
                    rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
        mosquitto_destroy(m);
        return NULL;
    }
    return m;
}

/* ---- one-shot publishes --------------------------------------------------- */

static void closed(struct mosquitto *m, void *user, int rc)
{
    *(bool *)mosquitto_userdata(m) = true;
}

/* DISCONNECT, and the broker's close read, so that no answer of the broker
 * is left unread (the kernel would reset the connection, and the broker
 * would log a protocol error); then m is destroyed. */
static void oneshot_close(struct mosquitto *m)
{
    gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;
    bool done = false;

    /* the callbacks of the caller's user data go with it */
    mosquitto_connect_callback_set(m, NULL);
    mosquitto_publish_callback_set(m, NULL);
    mosquitto_subscribe_callback_set(m, NULL);
    mosquitto_message_callback_set(m, NULL);
    mosquitto_user_data_set(m, &done);
    mosquitto_disconnect_callback_set(m, closed);
    if (mosquitto_disconnect(m) == MOSQ_ERR_SUCCESS)
        while (!done && g_get_monotonic_time() < deadline &&
               mosquitto_loop(m, 100, 1) == MOSQ_ERR_SUCCESS)
            ;
    mosquitto_destroy(m);
}

struct oneshot {
    GHashTable *pending; /* mids not yet acknowledged */
    bool refused;
};

static void oneshot_publish(struct mosquitto *m, void *user, int mid)
{
    g_hash_table_remove(((struct oneshot *)user)->pending, GINT_TO_POINTER(mid));
}

static void oneshot_connect(struct mosquitto *m, void *user, int rc)
{
    if (rc != 0)
        ((struct oneshot *)user)->refused = true;
}

bool cloud_publish_all(const struct cloud_site *s, guint n, const char *const *topics,
                       const char *const *payloads, bool retain, GError **error)
{
    g_autoptr(GHashTable) pending = g_hash_table_new(NULL, NULL);
    struct oneshot o = { pending, false };
    struct mosquitto *m = cloud_mqtt_connect(s, CLOUD_CLI_ID, false, &o, error);
    /* a fleet's worth of offers gets a millisecond more each */
    gint64 deadline = g_get_monotonic_time() + ONESHOT_TIMEOUT_US + (gint64)n * 1000;
    int rc = MOSQ_ERR_SUCCESS;
    guint acked;

    if (!m)
        return false;
    mosquitto_publish_callback_set(m, oneshot_publish);
    mosquitto_connect_callback_set(m, oneshot_connect);
    for (guint i = 0; i < n && rc == MOSQ_ERR_SUCCESS; i++) {
        int mid;
        rc = mosquitto_publish(m, &mid, topics[i], (int)strlen(payloads[i]), payloads[i], 1,
                               retain);
        if (rc == MOSQ_ERR_SUCCESS)
            g_hash_table_add(pending, GINT_TO_POINTER(mid));
    }
    while (rc == MOSQ_ERR_SUCCESS && g_hash_table_size(pending) && !o.refused &&
           g_get_monotonic_time() < deadline)
        rc = mosquitto_loop(m, 100, 1);
    oneshot_close(m);
    acked = n - g_hash_table_size(pending);
    if (acked < n || o.refused) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "publishing to %s%s: %s (%u of %u acknowledged)",
                    topics[0], n > 1 ? " and the others" : "",
                    o.refused ? "the broker refused the cloud client"
                    : rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc)
                                             : "not acknowledged in time",
                    acked, n);
        return false;
    }
    return true;
}

bool cloud_publish(const struct cloud_site *s, const char *topic, const char *payload,
                   bool retain, GError **error)
{
    return cloud_publish_all(s, 1, &topic, &payload, retain, error);
}

/* ---- reading retained state ----------------------------------------------- */

struct reader {
    GHashTable *retained; /* topic -> payload */
    char *sync_topic;
    int sub_mid, sync_mid;
    bool subscribed, sync_acked, synced, refused;
};

static void reader_connect(struct mosquitto *m, void *user, int rc)
{
    if (rc != 0)
        ((struct reader *)user)->refused = true;
}

/* The broker queues the retained messages of a subscription when it
 * answers it: a message of ours published after the SUBACK comes back
 * behind every one of them. */
static void reader_subscribed(struct mosquitto *m, void *user, int mid, int n, const int *qos)
{
    struct reader *r = user;

    if (mid != r->sub_mid)
        return;
    r->subscribed = true;
    mosquitto_publish(m, &r->sync_mid, r->sync_topic, 4, "sync", 1, false);
}

static void reader_published(struct mosquitto *m, void *user, int mid)
{
    struct reader *r = user;

    if (mid == r->sync_mid)
        r->sync_acked = true;
}

static void reader_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg)
{
    struct reader *r = user;

    if (!strcmp(msg->topic, r->sync_topic))
        r->synced = true;
    else if (msg->retain)
        g_hash_table_replace(r->retained, g_strdup(msg->topic),
                             g_strndup(msg->payload, (gsize)msg->payloadlen));
}

GHashTable *cloud_read_retained(const struct cloud_site *s, const char *filter, GError **error)
{
    g_autofree char *nonce = g_uuid_string_random();
    struct reader r = { 0 };
    struct mosquitto *m;
    gint64 deadline = g_get_monotonic_time() + ONESHOT_TIMEOUT_US;
    int rc;

    r.retained = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r.sync_topic = g_strconcat(SYNC_TOPIC_PREFIX, nonce, NULL);
    char *const subs[] = { (char *)filter, r.sync_topic };
    if (!(m = cloud_mqtt_connect(s, CLOUD_CLI_ID, false, &r, error)))
        goto fail;
    mosquitto_connect_callback_set(m, reader_connect);
    mosquitto_subscribe_callback_set(m, reader_subscribed);
    mosquitto_message_callback_set(m, reader_message);
    mosquitto_publish_callback_set(m, reader_published);
    rc = mosquitto_subscribe_multiple(m, &r.sub_mid, 2, subs, 1, 0, NULL);
    while (rc == MOSQ_ERR_SUCCESS && !(r.synced && r.sync_acked) && !r.refused &&
           g_get_monotonic_time() < deadline)
        rc = mosquitto_loop(m, 100, 1);
    oneshot_close(m);
    if (!r.synced) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "reading %s from the broker: %s", filter,
                    r.refused ? "the broker refused the cloud client"
                    : rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc)
                    : r.subscribed ? "the retained messages did not end within 10 s"
                                   : "no answer to the subscription within 10 s");
        goto fail;
    }
    g_free(r.sync_topic);
    return r.retained;
fail:
    g_hash_table_destroy(r.retained);
    g_free(r.sync_topic);
    return NULL;
}
