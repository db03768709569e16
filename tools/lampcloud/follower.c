/* tools/lampcloud/follower.c: the cloud's follower of the lamps (libmosquitto,
 * connected as CLOUD_FOLLOWER_ID by cloud_client.c).  It
 * follows every lamp's reported state, faults, OTA status and telemetry,
 * prints them, and computes the shadow delta: when a lamp's desired state
 * (retained on lamp/SERIAL/shadow/desired, set by `lampcloud desired`)
 * differs from what it reported, the differing keys go to
 * lamp/SERIAL/shadow/delta at QoS 1, once per change.  A lamp's
 * {"n":N} on lamp/SERIAL/commissioned moves its commissioning key in the
 * registry forward (docs/commissioning.md#key-advance). */
#include "lamp_keys.h"
#include "lampcloud.h"

#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <string.h>

struct shadow {
    cJSON *desired, *reported;
    char *last_delta;
};

struct follower {
    struct mosquitto *mosq;
    char *registry;
    GHashTable *shadows; /* serial -> struct shadow; only the mosquitto thread */
};

static void shadow_free(gpointer p)
{
    struct shadow *s = p;
    cJSON_Delete(s->desired);
    cJSON_Delete(s->reported);
    g_free(s->last_delta);
    g_free(s);
}

/* {key: desired value} for each desired key whose reported value differs. */
static char *delta_of(const struct shadow *sh)
{
    cJSON *delta = cJSON_CreateObject(), *it;
    char *out = NULL;

    cJSON_ArrayForEach(it, sh->desired) {
        cJSON *rep = sh->reported ? cJSON_GetObjectItemCaseSensitive(sh->reported, it->string)
                                  : NULL;
        if (!rep || !cJSON_Compare(rep, it, true))
            cJSON_AddItemToObject(delta, it->string, cJSON_Duplicate(it, true));
    }
    if (cJSON_GetArraySize(delta) > 0)
        out = cJSON_PrintUnformatted(delta);
    cJSON_Delete(delta);
    return out;
}

static void update_shadow(struct follower *f, const char *serial, bool desired, const char *json)
{
    struct shadow *sh = g_hash_table_lookup(f->shadows, serial);
    cJSON *doc = cJSON_Parse(json);
    g_autofree char *delta = NULL;

    if (!doc || !cJSON_IsObject(doc)) {
        cloud_say("%s: %s is not a JSON object: ignored", serial, desired ? "desired" : "reported");
        cJSON_Delete(doc);
        return;
    }
    if (!sh) {
        sh = g_new0(struct shadow, 1);
        g_hash_table_insert(f->shadows, g_strdup(serial), sh);
    }
    if (desired) {
        cJSON_Delete(sh->desired);
        sh->desired = doc;
        g_clear_pointer(&sh->last_delta, g_free); /* a new wish is sent even if equal */
    } else {
        cJSON_Delete(sh->reported);
        sh->reported = doc;
    }
    if (!sh->desired)
        return;
    delta = delta_of(sh);
    if (!delta || (sh->last_delta && !strcmp(delta, sh->last_delta)))
        return;
    g_autofree char *topic = g_strdup_printf("lamp/%s/shadow/delta", serial);
    int rc = mosquitto_publish(f->mosq, NULL, topic, (int)strlen(delta), delta, 1, false);
    cloud_say("%s: delta %s%s", serial, delta,
              rc == MOSQ_ERR_SUCCESS ? "" : " (publish failed)");
    g_free(sh->last_delta);
    sh->last_delta = g_steal_pointer(&delta);
}

/* {"n":N} from a lamp that used a blob: the registry follows it up to
 * COMMISSION_AHEAD_MAX keys ahead; anything else is logged and left. */
static void key_advance(struct follower *f, const char *serial, const char *json)
{
    cJSON *doc = cJSON_Parse(json);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "n");
    g_autoptr(GError) error = NULL;
    uint32_t to, from = 0;

    if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > G_MAXUINT32 ||
        n->valuedouble != (double)(uint32_t)n->valuedouble) {
        cloud_say("commissioned %s: not {\"n\":N}: ignored", serial);
        cJSON_Delete(doc);
        return;
    }
    to = (uint32_t)n->valuedouble;
    cJSON_Delete(doc);
    switch (lamp_key_advance(f->registry, serial, to, &from, &error)) {
    case LAMP_KEY_ADVANCED:
        cloud_say("commissioned %s n=%u (key advanced)", serial, to);
        break;
    case LAMP_KEY_ALREADY:
        cloud_say("commissioned %s n=%u (the registry is there already)", serial, to);
        break;
    case LAMP_KEY_BEHIND:
        cloud_say("commissioned %s n=%u ignored: the registry is at n=%u already", serial, to,
                  from);
        break;
    case LAMP_KEY_TOO_FAR:
        cloud_say("commissioned %s n=%u ignored: more than %d ahead of the registry's n=%u",
                  serial, to, COMMISSION_AHEAD_MAX, from);
        break;
    case LAMP_KEY_UNKNOWN:
        cloud_say("commissioned %s n=%u ignored: not in the registry", serial, to);
        break;
    default:
        cloud_say("commissioned %s n=%u: %s", serial, to, error ? error->message : "failed");
        break;
    }
}

static void on_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg)
{
    struct follower *f = user;
    g_auto(GStrv) parts = g_strsplit(msg->topic, "/", 4);
    g_autofree char *payload = g_strndup(msg->payload, (gsize)msg->payloadlen);
    const char *serial, *what;

    if (g_strv_length(parts) < 3)
        return;
    serial = parts[1];
    what = msg->topic + strlen(parts[0]) + strlen(parts[1]) + 2;
    if (!strcmp(what, "shadow/delta"))
        return; /* our own */
    cloud_say("%s: %s %s%s", serial, what, payload, msg->retain ? " (retained)" : "");
    if (!strcmp(what, "shadow/reported") || !strcmp(what, "shadow/desired"))
        update_shadow(f, serial, !strcmp(what, "shadow/desired"), payload);
    else if (!strcmp(what, "commissioned"))
        key_advance(f, serial, payload);
}

static void on_connect(struct mosquitto *m, void *user, int rc)
{
    if (rc != 0) {
        cloud_say("follower: the broker refused the connection: %s",
                  mosquitto_connack_string(rc));
        return;
    }
    mosquitto_subscribe(m, NULL, "lamp/#", 1);
    cloud_say("follower: following lamp/# on the broker");
}

static void on_disconnect(struct mosquitto *m, void *user, int rc)
{
    if (rc != 0)
        cloud_say("follower: connection lost (%s); reconnecting", mosquitto_strerror(rc));
}

struct follower *follower_start(const struct cloud_site *s, GError **error)
{
    struct follower *f = g_new0(struct follower, 1);

    f->shadows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, shadow_free);
    f->registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    /* durable: what lamps publish while the follower is away (a broker
     * restarted, lamps back before the follower) waits for it: a crash
     * record the broker acknowledged to a lamp is never lost here */
    f->mosq = cloud_mqtt_connect(s, CLOUD_FOLLOWER_ID, true, f, error);
    if (!f->mosq) {
        follower_stop(f);
        return NULL;
    }
    mosquitto_connect_callback_set(f->mosq, on_connect);
    mosquitto_disconnect_callback_set(f->mosq, on_disconnect);
    mosquitto_message_callback_set(f->mosq, on_message);
    mosquitto_reconnect_delay_set(f->mosq, 1, 30, true);
    if (mosquitto_loop_start(f->mosq) != MOSQ_ERR_SUCCESS) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "cannot start the follower's thread");
        follower_stop(f);
        return NULL;
    }
    return f;
}

void follower_stop(struct follower *f)
{
    if (!f)
        return;
    if (f->mosq) {
        mosquitto_disconnect(f->mosq);
        mosquitto_loop_stop(f->mosq, false);
        mosquitto_destroy(f->mosq);
    }
    g_hash_table_destroy(f->shadows);
    g_free(f->registry);
    g_free(f);
}
