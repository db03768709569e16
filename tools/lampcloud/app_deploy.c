/* tools/lampcloud/app_deploy.c: see app_deploy.h.  The cloud checks a
 * package with the lamp's own code (tools/apppkg builds firmware/lib/
 * app_pkg.c for the host), so what it refuses is what every lamp would
 * refuse, with the same words; the lamp checks again (it trusts nothing
 * the cloud says). */
#include "app_deploy.h"
#include "app_pkg.h"
#include "app_topics.h"
#include "factory.h"
#include "registry_db.h"
#include "registry_lookup.h"

#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <string.h>

#define APP_PKG_FILE_SUFFIX ".lpk"

/* The lamp's trust from the fleet: the app-signing public key (n, e big
 * endian, as the keystore holds them) and the fleet id. */
static bool fleet_app_keys(const char *fleet_dir, struct app_pkg_keys *k, uint8_t n[512],
                           uint8_t e[4], GError **error)
{
    g_autofree char *pub = factory_fleet_path(fleet_dir, FLEET_APP_SIGNING_PUB);
    EVP_PKEY *key = NULL;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    bool ok = false;

    if (!factory_fleet_id(fleet_dir, k->fleet_id, error) ||
        !(key = factory_load_public_key(pub, error)))
        return false;
    if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn_n) ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &bn_e) ||
        BN_num_bytes(bn_n) != 512 || BN_num_bytes(bn_e) > 4) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED,
                    "%s: not the RSA-4096 app-signing key lamps hold", pub);
        goto out;
    }
    BN_bn2binpad(bn_n, n, 512);
    k->rsa_e_len = (size_t)BN_num_bytes(bn_e);
    BN_bn2bin(bn_e, e);
    k->rsa_n = n;
    k->rsa_n_len = 512;
    k->rsa_e = e;
    ok = true;
out:
    BN_free(bn_n);
    BN_free(bn_e);
    EVP_PKEY_free(key);
    return ok;
}

bool app_package_load(const char *path, const char *fleet_dir, struct app_package *p,
                      GError **error)
{
    struct app_pkg_keys keys = { 0 };
    uint8_t n[512], e[4];
    GStatBuf st;
    char *data;
    gsize len;
    int err;

    memset(p, 0, sizeof(*p));
    if (g_stat(path, &st) != 0) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT, "%s: %s", path,
                    g_strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (goffset)APP_PKG_MAX_SIZE) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "%s: not an app package (%s; a package is at most %u bytes: "
                    "lampfactory sign-app makes them)", path,
                    S_ISREG(st.st_mode) ? "too large" : "not a file", APP_PKG_MAX_SIZE);
        return false;
    }
    if (!g_file_get_contents(path, &data, &len, error))
        return false;
    p->data = g_bytes_new_take(data, len);
    err = app_pkg_parse((const uint8_t *)data, len, &p->h);
    if (err == APP_PKG_OK) {
        if (!fleet_app_keys(fleet_dir, &keys, n, e, error)) {
            app_package_clear(p);
            return false;
        }
        err = app_pkg_verify((const uint8_t *)data, len, &keys, NULL, &p->h);
    }
    if (err != APP_PKG_OK) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT, "%s: %s%s", path,
                    app_pkg_strerror(err),
                    err == APP_PKG_EFLEET || err == APP_PKG_ESIGNATURE
                        ? " (lampfactory sign-app --fleet with this cloud's fleet)" : "");
        app_package_clear(p);
        return false;
    }
    g_snprintf(p->version, sizeof(p->version), "%u.%u.%u", p->h.app_version >> 16 & 0xFF,
               p->h.app_version >> 8 & 0xFF, p->h.app_version & 0xFF);
    p->file_name = g_strdup_printf("%s-%s" APP_PKG_FILE_SUFFIX, p->h.name, p->version);
    return true;
}

void app_package_clear(struct app_package *p)
{
    g_clear_pointer(&p->data, g_bytes_unref);
    g_clear_pointer(&p->file_name, g_free);
}

char *app_package_describe(const struct app_package *p)
{
    g_autofree char *apis = factory_app_api_list(p->h.apis);

    return g_strdup_printf("%s %s: %zu bytes (%u of source), APIs %s; memory %u, "
                           "instructions %u a callback and %u a second, messages %u a minute, "
                           "storage %u, timers %u",
                           p->h.name, p->version, g_bytes_get_size(p->data), p->h.source_size,
                           apis, p->h.quota_memory, p->h.quota_insns_callback,
                           p->h.quota_insns_second, p->h.quota_messages_minute,
                           p->h.quota_storage, p->h.quota_timers);
}

char *app_package_serve(const struct cloud_site *s, const struct app_package *p, bool *replaced,
                        GError **error)
{
    g_autofree char *dest = g_build_filename(s->images_dir, p->file_name, NULL);
    g_autofree char *old = NULL;
    gsize len, old_len;
    const char *data = g_bytes_get_data(p->data, &len);

    *replaced = g_file_get_contents(dest, &old, &old_len, NULL) &&
                (old_len != len || memcmp(old, data, len) != 0);
    if (!g_file_set_contents(dest, data, (gssize)len, error))
        return NULL;
    return g_strdup_printf("https://%s:%d/%s", s->server_name, s->https_port, p->file_name);
}

char *app_offer_install(const char *url, const struct app_package *p)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(o, "url", url);
    cJSON_AddStringToObject(o, "version", p->version);
    cJSON_AddNumberToObject(o, "size", (double)g_bytes_get_size(p->data));
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

bool app_name_valid(const char *name)
{
    size_t n = strlen(name);

    return n >= 1 && n <= APP_PKG_NAME_MAX &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

bool app_lamp_known(const struct cloud_site *s, const char *serial, bool active,
                    GError **error)
{
    g_autofree char *registry = g_build_filename(s->fleet_dir, FLEET_REGISTRY, NULL);
    char err[256];

    switch (registry_lookup(registry, serial, err, sizeof(err))) {
    case REGISTRY_ACTIVE:
        return true;
    case REGISTRY_REVOKED:
        if (!active)
            return true;
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "lamp %s is revoked in the registry %s: it cannot connect", serial, registry);
        return false;
    case REGISTRY_UNKNOWN:
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "no lamp %s in the registry %s (lampfactory provision adds lamps)", serial,
                    registry);
        return false;
    default:
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED, "registry %s: %s", registry,
                    err);
        return false;
    }
}

GPtrArray *app_targets(const struct cloud_site *s, const char *serial, guint *revoked,
                       GError **error)
{
    g_autofree char *registry = g_build_filename(s->fleet_dir, FLEET_REGISTRY, NULL);
    GPtrArray *one;

    *revoked = 0;
    if (!serial)
        return registry_db_active_serials(registry, revoked, error);
    if (!app_lamp_known(s, serial, true, error))
        return NULL;
    one = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(one, g_strdup(serial));
    return one;
}

bool app_offer_publish(const struct cloud_site *s, GPtrArray *serials, const char *name,
                       const char *offer, GError **error)
{
    g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) payloads = g_ptr_array_new();

    for (guint i = 0; i < serials->len; i++) {
        g_ptr_array_add(topics, g_strdup_printf(APP_TOPIC_APPCTL_FMT,
                                                (char *)serials->pdata[i], name));
        g_ptr_array_add(payloads, (gpointer)offer);
    }
    return serials->len == 0 ||
           cloud_publish_all(s, serials->len, (const char *const *)topics->pdata,
                             (const char *const *)payloads->pdata, true, error);
}
