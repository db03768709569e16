/* tools/lampinstall/cloud_client.h: the installer app's side of the
 * reference cloud's commissioning service (docs/commissioning.md#https-
 * commissioning-service): log in, then ask for a lamp's blob.  One HTTPS
 * connection, kept alive across requests. */
#ifndef LAMPINSTALL_CLOUD_CLIENT_H
#define LAMPINSTALL_CLOUD_CLIENT_H

#include "commission_format.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct cloud_client;

/* base: "https://host:port"; ca: the PEM file the server must chain to. */
struct cloud_client *cloud_client_new(const char *base, const char *ca, GError **error);
void cloud_client_free(struct cloud_client *c);
bool cloud_client_login(struct cloud_client *c, const char *user, const char *password,
                        GError **error);

/* What a lamp's info characteristic said (docs/commissioning.md#lamp-info). */
struct lamp_info {
    uint8_t version, flags;
    char serial[COMMISSION_SERIAL16 + 1];
    uint32_t n;
    uint8_t nonce[COMMISSION_NONCE_LEN], proof[COMMISSION_PROOF_LEN];
};
bool lamp_info_parse(const char *hex, struct lamp_info *out, GError **error);

struct site_wifi {
    const char *ssid, *passphrase, *proxy; /* proxy may be NULL */
};
/* The blob for that lamp, as hex; the HTTP status in *status on failure
 * (0 if the request never got an answer). */
char *cloud_client_commission(struct cloud_client *c, const struct lamp_info *info,
                              const struct site_wifi *wifi, long *status, GError **error);

#endif
