/* tools/lampcloud/commission_api.h: the installers' commissioning API
 * (docs/commissioning.md#https-commissioning-service): what each request
 * gets back, apart from how it travels (commission_server.c). */
#ifndef LAMPCLOUD_COMMISSION_API_H
#define LAMPCLOUD_COMMISSION_API_H

#include <stddef.h>

#define COMMISSION_BODY_MAX 4096

/* One request as received (commission_server.c). */
struct commission_request {
    const char *method, *path;
    const char *authorization; /* the header's value, or NULL */
    const char *body;          /* body_len bytes, not necessarily NUL terminated */
    size_t body_len;
};

struct commission_api;
/* registry: the fleet's registry.sqlite (lamps and installers). */
struct commission_api *commission_api_new(const char *registry);
void commission_api_free(struct commission_api *api);
/* The status of one request and its JSON body in *json (g_free it).
 * POST /api/login {"user","password"} and POST /api/commission (Bearer
 * token) {"serial","n","flags","nonce","proof","ssid","passphrase"[,"proxy"]}:
 * "flags" is lamp info byte 1, which the proof covers. */
int commission_api_handle(struct commission_api *api, const char *peer,
                          const struct commission_request *req, char **json);
/* {"error":"why"} */
char *commission_api_error(const char *why);

#endif
