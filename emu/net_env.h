/* emu/net_env.h: the radio environment the lamps' WiFi modules see: the
 * virtual access points (SSID, passphrase) and fleet-wide network faults.
 * One environment is shared by every machine of a fleet
 * (machine_config.net_env); what lies beyond an access point is the host's
 * own network (docs/hardware.md#net). */
#ifndef LAMPSIM_EMU_NET_ENV_H
#define LAMPSIM_EMU_NET_ENV_H

#include "net_module.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct net_env;
typedef struct net_env net_env; /* for g_autoptr(net_env) */

struct net_env *net_env_new(void);
struct net_env *net_env_ref(struct net_env *env);
void net_env_unref(struct net_env *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(net_env, net_env_unref)

/* Adds (or replaces) an access point.  The passphrase must be 8..63
 * characters, as WPA2-PSK requires. */
bool net_env_add_ap(struct net_env *env, const char *ssid, const char *passphrase,
                    GError **error);
/* Parses "SSID:PASSPHRASE" (the command-line form). */
bool net_env_add_ap_spec(struct net_env *env, const char *spec, GError **error);

/* The values are JOINERR's (docs/hardware.md#net). */
enum net_join_result {
    NET_JOIN_OK = 0,
    NET_JOIN_NO_SSID = NET_JOINERR_NO_SSID,  /* no access point with that SSID in range */
    NET_JOIN_AUTH_FAILED = NET_JOINERR_AUTH, /* the 4-way handshake failed: wrong passphrase */
};
enum net_join_result net_env_join(struct net_env *env, const char *ssid,
                                  const char *passphrase);
guint net_env_ap_count(struct net_env *env);

#endif
