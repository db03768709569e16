/* tools/lampcloud/registry_plugin.c: a Mosquitto 2.0 plugin (API v5) that
 * lets a lamp in only if the fleet registry knows it and has not revoked
 * it, and keeps each lamp to its own topics (docs/cloud.md#reference-cloud).
 *
 * Identity: the TLS layer has already verified the client certificate
 * against the device CA; at CONNECT (MOSQ_EVT_BASIC_AUTH, which Mosquitto
 * calls because the listener does not use use_identity_as_username) the
 * plugin reads the certificate's CN, requires the MQTT client id to be that
 * CN, and looks the serial up in registry.sqlite: unknown or revoked lamps
 * get CONNACK "not authorized".  The cloud's own client (CN starting with
 * "cloud:", never a valid serial) may use every topic; a lamp only its own
 * lamp/SERIAL/..., and not to write its app offers (lamp/SERIAL/appctl/NAME).
 *
 * Options (mosquitto.conf): plugin_opt_registry PATH (required). */
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include "registry_acl.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>


static mosquitto_plugin_id_t *plugin_id;
static char *registry_path;

static bool cert_cn(struct mosquitto *client, char *cn, size_t len)
{
    X509 *cert = mosquitto_client_certificate(client);
    bool ok = false;

    if (cert) {
        int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                          (int)len);
        ok = n > 0 && (size_t)n < len;
        X509_free(cert);
    }
    return ok;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
    struct mosquitto_evt_basic_auth *ev = event_data;
    const char *id = mosquitto_client_id(ev->client);
    char cn[64], err[256];
    enum registry_status status;

    if (!cert_cn(ev->client, cn, sizeof(cn))) {
        mosquitto_log_printf(MOSQ_LOG_NOTICE, "lampcloud: refused client %s: no certificate CN",
                             id ? id : "?");
        return MOSQ_ERR_AUTH;
    }
    switch (registry_admit(registry_path, cn, id, &status, err, sizeof(err))) {
    case REGISTRY_ADMIT_CLOUD:
        return MOSQ_ERR_SUCCESS;
    case REGISTRY_ADMIT_LAMP:
        mosquitto_log_printf(MOSQ_LOG_INFO, "lampcloud: lamp %s admitted", cn);
        return MOSQ_ERR_SUCCESS;
    case REGISTRY_REFUSE_ID:
        mosquitto_log_printf(MOSQ_LOG_NOTICE,
                             "lampcloud: refused %s: client id '%s' is not its certificate's CN",
                             cn, id ? id : "");
        return MOSQ_ERR_AUTH;
    case REGISTRY_REFUSE_LAMP:
        break;
    }
    if (status == REGISTRY_ERROR)
        mosquitto_log_printf(MOSQ_LOG_ERR, "lampcloud: registry: %s", err);
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "lampcloud: refused lamp %s: %s", cn,
                         registry_status_name(status));
    return MOSQ_ERR_AUTH;
}

/* A lamp may use lamp/ID/... only, and may not write its own app offers;
 * the cloud client everything. */
static int on_acl_check(int event, void *event_data, void *userdata)
{
    struct mosquitto_evt_acl_check *ev = event_data;
    const char *id = mosquitto_client_id(ev->client);

    if (registry_acl_allows(id, ev->topic, ev->access == MOSQ_ACL_WRITE))
        return MOSQ_ERR_SUCCESS;
    if (id)
        mosquitto_log_printf(MOSQ_LOG_NOTICE, "lampcloud: lamp %s denied topic %s", id,
                             ev->topic);
    return MOSQ_ERR_ACL_DENIED;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
    for (int i = 0; i < supported_version_count; i++)
        if (supported_versions[i] == 5)
            return 5;
    return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
                          struct mosquitto_opt *options, int option_count)
{
    plugin_id = identifier;
    for (int i = 0; i < option_count; i++)
        if (!strcmp(options[i].key, "registry"))
            registry_path = options[i].value;
    if (!registry_path) {
        mosquitto_log_printf(MOSQ_LOG_ERR, "lampcloud registry plugin: plugin_opt_registry "
                                           "PATH is required");
        return MOSQ_ERR_INVAL;
    }
    if (mosquitto_callback_register(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL,
                                    NULL) != MOSQ_ERR_SUCCESS ||
        mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, NULL) !=
            MOSQ_ERR_SUCCESS)
        return MOSQ_ERR_UNKNOWN;
    return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
    mosquitto_callback_unregister(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
    mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
    return MOSQ_ERR_SUCCESS;
}
