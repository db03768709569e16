/* Fuzz target: the installers' commissioning API (tools/lampcloud/
 * commission_api.c) as the HTTPS service hands it a request: the method
 * and path, the Authorization header (the bearer token) and the JSON body
 * of POST /api/login and POST /api/commission.  The registry is a real
 * one in a temporary directory, made once: installer "alice" (password
 * "correct horse"), lamp LMP-7 active at n=0 under FUZZ_KEY, LMP-8
 * revoked.  Input: "METHOD PATH\n", the Authorization value and "\n"
 * (an empty line: none; "@token@" in it is replaced by a token alice has
 * just been given), then the body.  Each input gets its own API object,
 * and the registry is put back after a commission that moved it, so no
 * token or state outlives an input.
 * Beyond crashes it checks what callers rely on: every answer is a JSON
 * object with a status the API documents; a 200 to a login carries a
 * token that the API then accepts; a 200 to a commission names the active
 * lamp, and its blob opens under that lamp's key with the serial, n and
 * nonce of the request in its header.  LAMPSIM_FUZZ_WRITE_SEEDS=DIR writes
 * seeds (a login, a valid commission with its proof) and exits: the
 * proof needs FUZZ_KEY (tests/fuzz/seeds_host.sh). */
#include "commission_api.h"
#include "commission_blob.h"
#include "hex.h"
#include "installers.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const uint8_t FUZZ_KEY[COMMISSION_KEY_LEN] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};
#define FUZZ_KEY_HEX "00112233445566778899aabbccddeeff"
#define ACTIVE_LAMP "LMP-7"

static char *registry;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_commission_api: %s: %s\n", what, why ? why : "failed");
    exit(1);
}

/* The lamps table as lampfactory makes it (docs/formats.md#registry), and
 * alice with one PBKDF2 iteration: a login costs microseconds, not the
 * tens of milliseconds of the real count, and checks the same code. */
static void make_registry(void)
{
    g_autoptr(GError) error = NULL;
    char *tmp = g_dir_make_tmp("fuzz-commission-XXXXXX", NULL);
    sqlite3 *db = NULL;
    char *err = NULL;

    if (!tmp)
        die("temporary directory", NULL);
    registry = g_build_filename(tmp, "registry.sqlite", NULL);
    g_free(tmp);
    if (sqlite3_open(registry, &db) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TABLE lamps(serial TEXT PRIMARY KEY, profile TEXT,"
                         " status TEXT, device_cert_pem TEXT, commission_key_hex TEXT,"
                         " commission_n INTEGER, provisioned_at TEXT);"
                         "INSERT INTO lamps VALUES('" ACTIVE_LAMP "', 'production', 'active', '',"
                         " '" FUZZ_KEY_HEX "', 0, '');"
                         "INSERT INTO lamps VALUES('LMP-8', 'production', 'revoked', '',"
                         " '" FUZZ_KEY_HEX "', 0, '');",
                     NULL, NULL, &err) != SQLITE_OK)
        die(registry, err);
    sqlite3_close(db);
    if (!installers_init(registry, &error) ||
        !installer_add(registry, "alice", "correct horse", false, &error))
        die(registry, error->message);
    sqlite3_open(registry, &db);
    {
        sqlite3_stmt *st = NULL;
        const char *salt_hex = NULL;
        uint8_t salt[64], hash[32];
        size_t salt_len;
        if (sqlite3_prepare_v2(db, "SELECT salt_hex FROM installers WHERE name='alice'", -1, &st,
                               NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
            !(salt_hex = (const char *)sqlite3_column_text(st, 0)) ||
            (salt_len = strlen(salt_hex) / 2) > sizeof(salt) ||
            !hex_decode(salt_hex, salt, salt_len) ||
            PKCS5_PBKDF2_HMAC("correct horse", 13, salt, (int)salt_len, 1, EVP_sha256(),
                              sizeof(hash), hash) != 1)
            die(registry, "alice's salt");
        sqlite3_finalize(st);
        g_autofree char *hash_hex = hex_encode(hash, sizeof(hash));
        g_autofree char *sql = g_strdup_printf("UPDATE installers SET iterations=1, "
                                               "hash_hex='%s' WHERE name='alice'", hash_hex);
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
            die(registry, err);
    }
    sqlite3_close(db);
}

static void write_seed(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) error = NULL;

    if (!g_file_set_contents(path, text, -1, &error))
        die(path, error->message);
}

/* A commission request for lamp serial at n as a lamp would prove it. */
static char *commission_seed(const char *serial, uint32_t n, uint8_t flags, const char *extra)
{
    uint8_t key[COMMISSION_KEY_LEN], head[COMMISSION_INFO_PROVED], proof[COMMISSION_PROOF_LEN];
    uint8_t nonce[COMMISSION_NONCE_LEN];

    for (size_t i = 0; i < sizeof(nonce); i++)
        nonce[i] = (uint8_t)(0xA0 + i);
    if (!commission_key_derive(FUZZ_KEY, 0, n, key, NULL) ||
        !commission_info_head(flags, serial, n, nonce, head, NULL) ||
        !commission_info_proof(key, head, proof, NULL))
        die("seed", serial);
    g_autofree char *nonce_hex = hex_encode(nonce, sizeof(nonce));
    g_autofree char *proof_hex = hex_encode(proof, sizeof(proof));
    return g_strdup_printf("POST /api/commission\nBearer @token@\n{\"serial\":\"%s\",\"n\":%u,"
                           "\"flags\":%u,\"nonce\":\"%s\",\"proof\":\"%s\",\"ssid\":\"lab-net\","
                           "\"passphrase\":\"s3cret-pass\"%s}", serial, n, flags, nonce_hex,
                           proof_hex, extra);
}

static void write_seeds(const char *dir)
{
    g_autofree char *valid = commission_seed(ACTIVE_LAMP, 0, 0, "");
    g_autofree char *proxy = commission_seed(ACTIVE_LAMP, 0, 1, ",\"proxy\":\"proxy.lab:3128\"");
    g_autofree char *ahead = commission_seed(ACTIVE_LAMP, 2, 0, ",\"proxy\":null");
    g_autofree char *revoked = commission_seed("LMP-8", 0, 0, "");

    g_mkdir_with_parents(dir, 0755);
    write_seed(dir, "login", "POST /api/login\n\n{\"user\":\"alice\",\"password\":\"correct horse\"}");
    write_seed(dir, "login-wrong", "POST /api/login\n\n{\"user\":\"alice\",\"password\":\"x\"}");
    write_seed(dir, "commission", valid);
    write_seed(dir, "commission-proxy", proxy);
    write_seed(dir, "commission-ahead", ahead);
    write_seed(dir, "commission-revoked", revoked);
    write_seed(dir, "commission-no-token", "POST /api/commission\nBearer 00ff\n{}");
    write_seed(dir, "get", "GET /api/login\n\n");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *seeds = g_getenv("LAMPSIM_FUZZ_WRITE_SEEDS");

    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    if (seeds) {
        write_seeds(seeds);
        exit(0);
    }
    make_registry();
    /* the cloud's log lines (cloud_say) go to stdout; libFuzzer's to stderr */
    if (!freopen("/dev/null", "w", stdout))
        die("/dev/null", "cannot open");
    return 0;
}

/* A valid proof for n > 0 (a seed's) moves the registry: back to n=0, so
 * every input meets the same registry. */
static void reset_registry(void)
{
    sqlite3 *db = NULL;
    char *err = NULL;

    if (sqlite3_open(registry, &db) != SQLITE_OK ||
        sqlite3_exec(db, "UPDATE lamps SET commission_n=0, commission_key_hex='" FUZZ_KEY_HEX "'",
                     NULL, NULL, &err) != SQLITE_OK)
        die(registry, err);
    sqlite3_close(db);
}

/* A JSON object, its status one the API documents. */
static cJSON *answer(int status, const char *json)
{
    cJSON *o = json ? cJSON_Parse(json) : NULL;

    if (!cJSON_IsObject(o))
        abort();
    switch (status) {
    case 200: case 400: case 401: case 403: case 404: case 405: case 409:
        break;
    default: /* 500: the registry failed, which it must not here */
        abort();
    }
    if (status != 200 && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "error")))
        abort();
    return o;
}

static char *login(struct commission_api *api)
{
    static const char body[] = "{\"user\":\"alice\",\"password\":\"correct horse\"}";
    struct commission_request req = { .method = "POST", .path = "/api/login",
                                      .body = body, .body_len = sizeof(body) - 1 };
    g_autofree char *json = NULL;
    int status = commission_api_handle(api, "fuzz", &req, &json);
    cJSON *o = answer(status, json);
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(o, "token");
    char *out;

    if (status != 200 || !cJSON_IsString(token))
        abort();
    out = g_strdup(token->valuestring);
    cJSON_Delete(o);
    return out;
}

/* The blob of a 200 opens under the active lamp's key K(n) (the registry
 * never moves here without a proof that only the seeds carry, and then
 * only to that n), its header naming the request's serial, n and nonce. */
static void check_blob(const cJSON *o, const char *body, size_t body_len)
{
    const cJSON *blob = cJSON_GetObjectItemCaseSensitive(o, "blob");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "n");
    cJSON *req = cJSON_ParseWithLength(body, body_len);
    const cJSON *serial = cJSON_GetObjectItemCaseSensitive(req, "serial");
    uint8_t b[COMMISSION_BLOB_MAX], key[COMMISSION_KEY_LEN], pt[COMMISSION_BLOB_MAX_CT];
    uint8_t nonce[COMMISSION_NONCE_LEN];
    size_t len, ct;
    EVP_CIPHER_CTX *ctx;
    int outl = 0, fin = 0, ok;

    if (!cJSON_IsString(blob) || !cJSON_IsNumber(n) || !cJSON_IsString(serial) ||
        strcmp(serial->valuestring, ACTIVE_LAMP) ||
        (len = strlen(blob->valuestring) / 2) < COMMISSION_BLOB_HEADER + COMMISSION_BLOB_TAG_LEN ||
        len > sizeof(b) || !hex_decode(blob->valuestring, b, len) ||
        !hex_decode(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "nonce")), nonce,
                    sizeof(nonce)) ||
        memcmp(b, COMMISSION_BLOB_MAGIC, COMMISSION_BLOB_MAGIC_LEN) ||
        strncmp((const char *)b + COMMISSION_BLOB_OFF_SERIAL, ACTIVE_LAMP, COMMISSION_SERIAL16) ||
        memcmp(b + COMMISSION_BLOB_OFF_NONCE, nonce, sizeof(nonce)) ||
        (b[COMMISSION_BLOB_OFF_N] | b[COMMISSION_BLOB_OFF_N + 1] << 8 |
         b[COMMISSION_BLOB_OFF_N + 2] << 16 | (uint32_t)b[COMMISSION_BLOB_OFF_N + 3] << 24) !=
            (uint32_t)n->valuedouble ||
        !commission_key_derive(FUZZ_KEY, 0, (uint32_t)n->valuedouble, key, NULL))
        abort();
    ct = b[COMMISSION_BLOB_OFF_CT_LEN] | b[COMMISSION_BLOB_OFF_CT_LEN + 1] << 8;
    if (len != COMMISSION_BLOB_HEADER + ct + COMMISSION_BLOB_TAG_LEN || ct > sizeof(pt))
        abort();
    ctx = EVP_CIPHER_CTX_new();
    ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, COMMISSION_BLOB_IV_LEN, NULL) == 1 &&
         EVP_DecryptInit_ex(ctx, NULL, NULL, key, b + COMMISSION_BLOB_OFF_IV) == 1 &&
         EVP_DecryptUpdate(ctx, NULL, &outl, b, COMMISSION_BLOB_HEADER) == 1 &&
         EVP_DecryptUpdate(ctx, pt, &outl, b + COMMISSION_BLOB_HEADER, (int)ct) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, COMMISSION_BLOB_TAG_LEN,
                             b + COMMISSION_BLOB_HEADER + ct) == 1 &&
         EVP_DecryptFinal_ex(ctx, pt + outl, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    cJSON_Delete(req);
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data, *end = text + size;
    const char *nl1 = memchr(text, '\n', size), *nl2;
    g_autofree char *line = NULL, *authorization = NULL, *token = NULL, *json = NULL;
    g_auto(GStrv) request = NULL;
    struct commission_api *api;
    struct commission_request req = { 0 };
    int status;
    cJSON *o;

    if (!nl1 || !(nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1))))
        return 0;
    line = g_strndup(text, (size_t)(nl1 - text));
    request = g_strsplit(line, " ", 2);
    if (!request[0] || !request[1] || strlen(line) != (size_t)(nl1 - text))
        return 0; /* a request line libsoup would pass has no NUL */
    api = commission_api_new(registry);
    authorization = g_strndup(nl1 + 1, (size_t)(nl2 - nl1 - 1));
    if (strstr(authorization, "@token@")) {
        g_auto(GStrv) parts = g_strsplit(authorization, "@token@", -1);
        token = login(api);
        g_free(authorization);
        authorization = g_strjoinv(token, parts);
    }
    req.method = request[0];
    req.path = request[1];
    req.authorization = nl1 + 1 < nl2 ? authorization : NULL;
    req.body = nl2 + 1 < end ? nl2 + 1 : NULL;
    req.body_len = (size_t)(end - nl2 - 1);
    status = commission_api_handle(api, "fuzz", &req, &json);
    o = answer(status, json);
    if (status == 200 && !strcmp(req.path, "/api/login")) {
        /* the token it gave is one the API takes */
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "token");
        g_autofree char *bearer = g_strconcat("Bearer ", cJSON_GetStringValue(t), NULL);
        struct commission_request check = { .method = "POST", .path = "/api/commission",
                                            .authorization = bearer };
        g_autofree char *reply = NULL;
        if (!cJSON_IsString(t) || commission_api_handle(api, "fuzz", &check, &reply) != 400)
            abort();
    } else if (status == 200) {
        check_blob(o, req.body, req.body_len);
        if (cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "n")) != 0)
            reset_registry();
    }
    cJSON_Delete(o);
    commission_api_free(api);
    return 0;
}
