/* tools/lampcloud/commission_api.c: see commission_api.h.  A request is
 * checked in this order, so each answer means one thing: the token (401),
 * the body (400), the registry's view of the lamp (403), the lamp info
 * proof against the registry's key chain (409); only then may the
 * registry move forward and a blob be made.  The key never leaves this
 * file's stack except into the blob's ciphertext. */
#include "commission_api.h"
#include "commission_blob.h"
#include "hex.h"
#include "installers.h"
#include "lamp_keys.h"
#include "lampcloud.h"
#include "tokens.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <string.h>

struct commission_api {
    char *registry;
    struct tokens *tokens;
};

/* One commissioning request's fields, as received. */
struct order {
    const char *serial;
    uint32_t n;
    uint8_t flags;
    uint8_t nonce[COMMISSION_NONCE_LEN], proof[COMMISSION_PROOF_LEN];
    struct commission_wifi wifi;
};

struct commission_api *commission_api_new(const char *registry)
{
    struct commission_api *api = g_new0(struct commission_api, 1);

    api->registry = g_strdup(registry);
    api->tokens = tokens_new();
    return api;
}

void commission_api_free(struct commission_api *api)
{
    if (!api)
        return;
    tokens_free(api->tokens);
    g_free(api->registry);
    g_free(api);
}

char *commission_api_error(const char *why)
{
    cJSON *o = cJSON_CreateObject();
    char *text, *out;

    cJSON_AddStringToObject(o, "error", why);
    text = cJSON_PrintUnformatted(o);
    out = g_strdup(text);
    cJSON_free(text);
    cJSON_Delete(o);
    return out;
}

static int fail(char **json, int status, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail(char **json, int status, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    *json = commission_api_error(why);
    return status;
}

/* A registry failure: the details go to the log, not to the installer. */
static int internal(char **json, const char *what, GError *error)
{
    cloud_say("commission: %s: %s", what, error ? error->message : "failed");
    return fail(json, 500, "the cloud could not %s; try again later", what);
}

static const char *text_field(const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool uint_field(const cJSON *body, const char *name, double max, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
        v->valuedouble != (double)(uint32_t)v->valuedouble)
        return false;
    *out = (uint32_t)v->valuedouble;
    return true;
}

static int login(struct commission_api *api, const char *peer, const cJSON *body, char **json)
{
    const char *user = text_field(body, "user"), *password = text_field(body, "password");
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;
    cJSON *o;
    char *text;

    if (!user || !password)
        return fail(json, 400, "expected {\"user\":\"...\",\"password\":\"...\"}");
    switch (installer_check(api->registry, user, password, &error)) {
    case INSTALLER_OK:
        break;
    case INSTALLER_REFUSED:
        cloud_say("commission: %s: login refused for '%.64s'", peer, user);
        return fail(json, 401, "wrong user name or password");
    default:
        return internal(json, "check the password", error);
    }
    token = tokens_issue(api->tokens, user);
    if (!token)
        return internal(json, "draw a token", NULL);
    cloud_say("commission: %s: installer %s logged in", peer, user);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "token", token);
    cJSON_AddNumberToObject(o, "expires_in", TOKEN_LIFETIME_S);
    text = cJSON_PrintUnformatted(o);
    *json = g_strdup(text);
    cJSON_free(text);
    cJSON_Delete(o);
    return 200;
}

/* The installer a request's "Authorization: Bearer TOKEN" belongs to. */
static char *bearer(struct commission_api *api, const char *authorization)
{
    if (!authorization || g_ascii_strncasecmp(authorization, "Bearer ", 7))
        return NULL;
    authorization += 7;
    while (*authorization == ' ')
        authorization++;
    return tokens_check(api->tokens, authorization);
}

/* The request body into o; on a 400, *json says which field is wrong. */
static int parse_order(const cJSON *body, struct order *o, char **json)
{
    const cJSON *proxy = cJSON_GetObjectItemCaseSensitive(body, "proxy");
    uint32_t flags;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) tlvs = NULL;

    memset(o, 0, sizeof(*o));
    o->serial = text_field(body, "serial");
    if (!o->serial || !*o->serial || strlen(o->serial) > COMMISSION_SERIAL16)
        return fail(json, 400, "serial: a string of 1 to %d characters", COMMISSION_SERIAL16);
    if (!uint_field(body, "n", G_MAXUINT32, &o->n))
        return fail(json, 400, "n: an integer 0 to 4294967295 (the lamp info's key counter)");
    if (!uint_field(body, "flags", 255, &flags))
        return fail(json, 400, "flags: an integer 0 to 255 (lamp info byte 1, covered by the "
                               "proof)");
    o->flags = (uint8_t)flags;
    if (!hex_decode(text_field(body, "nonce"), o->nonce, sizeof(o->nonce)))
        return fail(json, 400, "nonce: 32 hex digits (lamp info bytes 24..39)");
    if (!hex_decode(text_field(body, "proof"), o->proof, sizeof(o->proof)))
        return fail(json, 400, "proof: 32 hex digits (lamp info bytes 40..55)");
    o->wifi.ssid = text_field(body, "ssid");
    o->wifi.passphrase = text_field(body, "passphrase");
    o->wifi.proxy = text_field(body, "proxy");
    if (proxy && !cJSON_IsNull(proxy) && !o->wifi.proxy)
        return fail(json, 400, "proxy: a string \"host:port\"");
    if (!(tlvs = commission_tlvs(&o->wifi, &error)))
        return fail(json, 400, "%s", error->message);
    return 0;
}

/* The lamp info proof under K(o->n), derived from the registry's K(row->n);
 * 0 when it verifies and the lamp is at most COMMISSION_AHEAD_MAX ahead. */
static int check_proof(const struct lamp_key *row, const struct order *o,
                       uint8_t key[COMMISSION_KEY_LEN], char **json)
{
    uint8_t head[COMMISSION_INFO_PROVED];
    g_autoptr(GError) error = NULL;

    if (o->n < row->n || o->n - row->n > COMMISSION_AHEAD_MAX)
        return fail(json, 409, "lamp %s says n=%u and the cloud is at n=%u: out of step (the "
                    "cloud follows a lamp up to %d ahead)", o->serial, o->n, row->n,
                    COMMISSION_AHEAD_MAX);
    if (!commission_key_derive(row->key, row->n, o->n, key, &error))
        return internal(json, "derive the lamp's key", error);
    if (!commission_info_head(o->flags, o->serial, o->n, o->nonce, head, &error))
        return fail(json, 400, "%s", error->message);
    if (!commission_info_proof_ok(key, head, o->proof))
        return fail(json, 409, "the lamp info's proof does not verify for lamp %s at n=%u: "
                    "read the lamp info again from that lamp", o->serial, o->n);
    return 0;
}

/* The registry row moved to the lamp's n, which its proof showed. */
static int catch_up(struct commission_api *api, const struct order *o, char **json)
{
    g_autoptr(GError) error = NULL;
    uint32_t from = 0;

    switch (lamp_key_advance(api->registry, o->serial, o->n, &from, &error)) {
    case LAMP_KEY_ADVANCED:
        cloud_say("commission: %s: registry key advanced n=%u -> n=%u (the lamp's proof)",
                  o->serial, from, o->n);
        return 0;
    case LAMP_KEY_ALREADY: /* another request or the follower got there first */
        return 0;
    case LAMP_KEY_UNKNOWN:
        return fail(json, 403, "lamp %s is not in the registry", o->serial);
    case LAMP_KEY_BEHIND:
    case LAMP_KEY_TOO_FAR:
        return fail(json, 409, "lamp %s: the cloud moved to n=%u meanwhile; read the lamp "
                    "info again", o->serial, from);
    default:
        return internal(json, "advance the lamp's key", error);
    }
}

static int commission(struct commission_api *api, const char *peer, const char *installer,
                      const cJSON *body, char **json)
{
    struct order o;
    struct lamp_key row = { 0 };
    uint8_t key[COMMISSION_KEY_LEN];
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = NULL;
    g_autofree char *hex = NULL;
    int status;
    cJSON *out;
    char *text;

    if ((status = parse_order(body, &o, json)) != 0)
        return status;
    if (!lamp_key_read(api->registry, o.serial, &row, &error))
        return internal(json, "read the registry", error);
    if (row.status != REGISTRY_ACTIVE) {
        cloud_say("commission: %s: refused lamp %s: %s", installer, o.serial,
                  registry_status_name(row.status));
        status = fail(json, 403, "lamp %s is %s", o.serial, registry_status_name(row.status));
        goto out;
    }
    if ((status = check_proof(&row, &o, key, json)) != 0 ||
        (o.n > row.n && (status = catch_up(api, &o, json)) != 0)) {
        cloud_say("commission: %s: lamp %s n=%u refused: %d %s", installer, o.serial, o.n, status,
                  *json);
        goto out;
    }
    if (!(blob = commission_blob_build(key, o.serial, o.n, o.nonce, &o.wifi, &error))) {
        status = internal(json, "make the blob", error);
        goto out;
    }
    hex = hex_encode(g_bytes_get_data(blob, NULL), g_bytes_get_size(blob));
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "blob", hex);
    cJSON_AddNumberToObject(out, "n", o.n);
    text = cJSON_PrintUnformatted(out);
    *json = g_strdup(text);
    cJSON_free(text);
    cJSON_Delete(out);
    cloud_say("commission: %s (%s): blob for lamp %s n=%u", installer, peer, o.serial, o.n);
    status = 200;
out:
    OPENSSL_cleanse(&row, sizeof(row));
    OPENSSL_cleanse(key, sizeof(key));
    return status;
}

int commission_api_handle(struct commission_api *api, const char *peer,
                          const struct commission_request *req, char **json)
{
    bool is_login = !strcmp(req->path, "/api/login");
    g_autofree char *installer = NULL;
    g_autoptr(GError) error = NULL;
    cJSON *body;
    int status;

    if (!is_login && strcmp(req->path, "/api/commission"))
        return fail(json, 404, "no such endpoint: POST /api/login or /api/commission");
    if (strcmp(req->method, "POST"))
        return fail(json, 405, "%s: POST only", req->path);
    if (!is_login) {
        installer = bearer(api, req->authorization);
        if (!installer)
            return fail(json, 401, "log in first (POST /api/login) and send "
                                   "Authorization: Bearer TOKEN");
        switch (installer_exists(api->registry, installer, &error)) {
        case INSTALLER_OK:
            break;
        case INSTALLER_REFUSED:
            return fail(json, 401, "installer %s no longer exists", installer);
        default:
            return internal(json, "read the installers", error);
        }
    }
    body = req->body ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    if (!cJSON_IsObject(body))
        status = fail(json, 400, "the body must be a JSON object");
    else
        status = is_login ? login(api, peer, body, json)
                          : commission(api, peer, installer, body, json);
    cJSON_Delete(body);
    return status;
}
