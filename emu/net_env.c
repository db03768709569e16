/* emu/net_env.c: the virtual access points of a fleet. */
#include "net_env.h"
#include "machine.h"

#include <string.h>

struct net_env {
    gint refs;
    GHashTable *aps; /* ssid -> passphrase */
};

struct net_env *net_env_new(void)
{
    struct net_env *env = g_new0(struct net_env, 1);

    env->refs = 1;
    env->aps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return env;
}

struct net_env *net_env_ref(struct net_env *env)
{
    g_atomic_int_inc(&env->refs);
    return env;
}

void net_env_unref(struct net_env *env)
{
    if (env && g_atomic_int_dec_and_test(&env->refs)) {
        g_hash_table_unref(env->aps);
        g_free(env);
    }
}

bool net_env_add_ap(struct net_env *env, const char *ssid, const char *passphrase,
                    GError **error)
{
    size_t slen = strlen(ssid), plen = strlen(passphrase);

    if (slen == 0 || slen > 32) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "access point SSID '%s': must be 1 to 32 bytes", ssid);
        return false;
    }
    if (plen < 8 || plen > 63) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "access point '%s': a WPA2 passphrase is 8 to 63 characters, not %zu",
                    ssid, plen);
        return false;
    }
    g_hash_table_replace(env->aps, g_strdup(ssid), g_strdup(passphrase));
    return true;
}

bool net_env_add_ap_spec(struct net_env *env, const char *spec, GError **error)
{
    const char *colon = strchr(spec, ':');
    g_autofree char *ssid = NULL;

    if (!colon) {
        g_set_error(error, MACHINE_ERROR, MACHINE_ERROR_ARGUMENT,
                    "access point '%s': expected SSID:PASSPHRASE", spec);
        return false;
    }
    ssid = g_strndup(spec, (gsize)(colon - spec));
    return net_env_add_ap(env, ssid, colon + 1, error);
}

enum net_join_result net_env_join(struct net_env *env, const char *ssid,
                                  const char *passphrase)
{
    const char *want = g_hash_table_lookup(env->aps, ssid);

    if (!want)
        return NET_JOIN_NO_SSID;
    return strcmp(want, passphrase) ? NET_JOIN_AUTH_FAILED : NET_JOIN_OK;
}

guint net_env_ap_count(struct net_env *env)
{
    return g_hash_table_size(env->aps);
}
