/* tools/lampinstall/cloud_client.c: HTTPS and JSON for the commissioning
 * service, with libcurl (one easy handle: its connection is reused) and
 * cJSON. */
#include "cloud_client.h"
#include "hex.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <gio/gio.h>
#include <string.h>

struct cloud_client {
    CURL *curl;
    char *base;
    char *token;
    GString *body;
    char errbuf[CURL_ERROR_SIZE];
};

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    g_string_append_len(user, p, (gssize)(size * n));
    return size * n;
}

struct cloud_client *cloud_client_new(const char *base, const char *ca, GError **error)
{
    struct cloud_client *c;

    if (!g_str_has_prefix(base, "https://")) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--cloud %s: the commissioning service is https://HOST:PORT", base);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libcurl did not initialise");
        return NULL;
    }
    c = g_new0(struct cloud_client, 1);
    c->curl = curl_easy_init();
    c->base = g_strdup(base);
    c->body = g_string_new(NULL);
    curl_easy_setopt(c->curl, CURLOPT_CAINFO, ca);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c->body);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    return c;
}

void cloud_client_free(struct cloud_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    if (c->token)
        memset(c->token, 0, strlen(c->token));
    g_free(c->token);
    g_free(c->base);
    g_string_free(c->body, TRUE);
    g_free(c);
    curl_global_cleanup();
}

/* POST json to base+path; the parsed answer, or NULL with *error set.  The
 * service's {"error": ...} becomes the message. */
static cJSON *post(struct cloud_client *c, const char *path, const cJSON *json, long *status,
                   GError **error)
{
    g_autofree char *url = g_strconcat(c->base, path, NULL);
    g_autofree char *auth = c->token ? g_strconcat("Authorization: Bearer ", c->token, NULL) : NULL;
    char *text = cJSON_PrintUnformatted(json);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    CURLcode rc;
    cJSON *answer;

    if (auth)
        hdr = curl_slist_append(hdr, auth);
    g_string_truncate(c->body, 0);
    c->errbuf[0] = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, text);
    rc = curl_easy_perform(c->curl);
    curl_slist_free_all(hdr);
    memset(text, 0, strlen(text)); /* it may hold a password or a passphrase */
    cJSON_free(text);
    *status = 0;
    if (rc != CURLE_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", url,
                    c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
        return NULL;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
    answer = cJSON_Parse(c->body->str);
    if (*status != 200) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(answer, "error");
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP %ld: %s", *status,
                    cJSON_IsString(e) ? e->valuestring : "(no error message)");
        cJSON_Delete(answer);
        return NULL;
    }
    if (!answer)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: the answer is not JSON", url);
    return answer;
}

bool cloud_client_login(struct cloud_client *c, const char *user, const char *password,
                        GError **error)
{
    cJSON *req = cJSON_CreateObject(), *ans;
    const cJSON *token;
    long status;

    cJSON_AddStringToObject(req, "user", user);
    cJSON_AddStringToObject(req, "password", password);
    ans = post(c, "/api/login", req, &status, error);
    cJSON_Delete(req);
    if (!ans) {
        g_prefix_error(error, "login as %s: ", user);
        return false;
    }
    token = cJSON_GetObjectItemCaseSensitive(ans, "token");
    if (!cJSON_IsString(token)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "login: no token in the answer");
        cJSON_Delete(ans);
        return false;
    }
    g_free(c->token);
    c->token = g_strdup(token->valuestring);
    cJSON_Delete(ans);
    return true;
}

bool lamp_info_parse(const char *hex, struct lamp_info *out, GError **error)
{
    uint8_t b[COMMISSION_INFO_LEN];

    if (!hex_decode(hex, b, sizeof(b)) || b[COMMISSION_INFO_OFF_VERSION] != COMMISSION_INFO_VERSION) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "lamp info is not the 56-byte version-1 record of docs/commissioning.md");
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->version = b[COMMISSION_INFO_OFF_VERSION];
    out->flags = b[COMMISSION_INFO_OFF_FLAGS];
    memcpy(out->serial, b + COMMISSION_INFO_OFF_SERIAL, COMMISSION_SERIAL16);
    memcpy(&out->n, b + COMMISSION_INFO_OFF_N, sizeof(out->n));
    out->n = GUINT32_FROM_LE(out->n);
    memcpy(out->nonce, b + COMMISSION_INFO_OFF_NONCE, COMMISSION_NONCE_LEN);
    memcpy(out->proof, b + COMMISSION_INFO_OFF_PROOF, COMMISSION_PROOF_LEN);
    return true;
}

char *cloud_client_commission(struct cloud_client *c, const struct lamp_info *info,
                              const struct site_wifi *wifi, long *status, GError **error)
{
    cJSON *req = cJSON_CreateObject(), *ans;
    g_autofree char *nonce = hex_encode(info->nonce, COMMISSION_NONCE_LEN),
                     *proof = hex_encode(info->proof, COMMISSION_PROOF_LEN);
    const cJSON *blob;
    char *out = NULL;

    cJSON_AddStringToObject(req, "serial", info->serial);
    cJSON_AddNumberToObject(req, "n", info->n);
    cJSON_AddNumberToObject(req, "flags", info->flags);
    cJSON_AddStringToObject(req, "nonce", nonce);
    cJSON_AddStringToObject(req, "proof", proof);
    cJSON_AddStringToObject(req, "ssid", wifi->ssid);
    cJSON_AddStringToObject(req, "passphrase", wifi->passphrase);
    if (wifi->proxy)
        cJSON_AddStringToObject(req, "proxy", wifi->proxy);
    ans = post(c, "/api/commission", req, status, error);
    cJSON_Delete(req);
    if (!ans)
        return NULL;
    blob = cJSON_GetObjectItemCaseSensitive(ans, "blob");
    if (cJSON_IsString(blob))
        out = g_strdup(blob->valuestring);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no blob in the answer");
    cJSON_Delete(ans);
    return out;
}
