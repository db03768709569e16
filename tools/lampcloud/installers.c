/* tools/lampcloud/installers.c: see installers.h.  The table lives in the
 * fleet's registry so that one file holds everything the cloud trusts;
 * lampfactory does not know it (the cloud creates it). */
#include "installers.h"
#include "hex.h"
#include "lampcloud.h"
#include "registry_db.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define SALT_LEN 16
#define HASH_LEN 32

bool installers_init(const char *registry, GError **error)
{
    sqlite3 *db = registry_db_open(registry, true, error);
    bool ok;

    if (!db)
        return false;
    ok = sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS installers("
                          " name TEXT PRIMARY KEY, salt_hex TEXT NOT NULL,"
                          " hash_hex TEXT NOT NULL, iterations INTEGER NOT NULL,"
                          " created_at TEXT NOT NULL)", NULL, NULL, NULL) == SQLITE_OK ||
         registry_db_fail(db, registry, "creating table installers", error);
    sqlite3_close(db);
    return ok;
}

static bool pbkdf2(const char *password, const uint8_t *salt, int iterations,
                   uint8_t hash[HASH_LEN], GError **error)
{
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, SALT_LEN, iterations,
                          EVP_sha256(), HASH_LEN, hash) == 1)
        return true;
    g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED, "PBKDF2-HMAC-SHA256 failed");
    return false;
}

static bool valid_name(const char *name, GError **error)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isgraph(name[i]))
            len = 0;
    if (len >= 1 && len <= INSTALLER_NAME_MAX)
        return true;
    g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                "installer name '%s': 1 to %d printable characters, no spaces", name,
                INSTALLER_NAME_MAX);
    return false;
}

bool installer_add(const char *registry, const char *name, const char *password, bool replace,
                   GError **error)
{
    uint8_t salt[SALT_LEN], hash[HASH_LEN];
    g_autofree char *salt_hex = NULL, *hash_hex = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    bool ok = false;
    int rc;

    if (!valid_name(name, error))
        return false;
    if (!*password) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT, "installer %s: empty password",
                    name);
        return false;
    }
    if (RAND_bytes(salt, SALT_LEN) != 1) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED, "drawing a salt failed");
        return false;
    }
    if (!pbkdf2(password, salt, INSTALLER_ITERATIONS, hash, error) ||
        !installers_init(registry, error) || !(db = registry_db_open(registry, true, error)))
        goto out;
    salt_hex = hex_encode(salt, SALT_LEN);
    hash_hex = hex_encode(hash, HASH_LEN);
    if (sqlite3_prepare_v2(db, replace ? "INSERT OR REPLACE INTO installers VALUES(?, ?, ?, ?,"
                                         " strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
                                       : "INSERT INTO installers VALUES(?, ?, ?, ?,"
                                         " strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &st, NULL) != SQLITE_OK) {
        registry_db_fail(db, registry, "prepare", error);
        goto out;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, salt_hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash_hex, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, INSTALLER_ITERATIONS);
    rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT)
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                    "installer %s already exists in %s (--replace sets a new password)", name,
                    registry);
    else
        ok = rc == SQLITE_DONE || registry_db_fail(db, registry, "insert", error);
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    OPENSSL_cleanse(hash, sizeof(hash));
    return ok;
}

bool installer_remove(const char *registry, const char *name, GError **error)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    bool ok = false;

    if (!installers_init(registry, error) || !(db = registry_db_open(registry, true, error)))
        return false;
    if (sqlite3_prepare_v2(db, "DELETE FROM installers WHERE name = ?", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE)
        registry_db_fail(db, registry, "delete", error);
    else if (sqlite3_changes(db) == 0)
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT, "no installer %s in %s", name,
                    registry);
    else
        ok = true;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok;
}

/* The account's salt, hash and iterations; REFUSED if there is none (or
 * its row is malformed, which no password can match). */
static enum installer_check read_account(const char *registry, const char *name,
                                         uint8_t salt[SALT_LEN], uint8_t hash[HASH_LEN],
                                         int *iterations, GError **error)
{
    sqlite3 *db = registry_db_open(registry, false, error);
    sqlite3_stmt *st = NULL;
    enum installer_check res = INSTALLER_ERROR;
    int rc;

    if (!db)
        return INSTALLER_ERROR;
    if (sqlite3_prepare_v2(db, "SELECT salt_hex, hash_hex, iterations FROM installers "
                               "WHERE name = ?", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
        registry_db_fail(db, registry, "select", error);
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *iterations = sqlite3_column_int(st, 2);
        res = hex_decode((const char *)sqlite3_column_text(st, 0), salt, SALT_LEN) &&
              hex_decode((const char *)sqlite3_column_text(st, 1), hash, HASH_LEN) &&
              *iterations > 0 ? INSTALLER_OK : INSTALLER_REFUSED;
    } else if (rc == SQLITE_DONE) {
        res = INSTALLER_REFUSED;
    } else {
        registry_db_fail(db, registry, "select", error);
    }
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return res;
}

enum installer_check installer_check(const char *registry, const char *name,
                                     const char *password, GError **error)
{
    uint8_t salt[SALT_LEN] = { 0 }, want[HASH_LEN] = { 0 }, got[HASH_LEN];
    int iterations = INSTALLER_ITERATIONS;
    enum installer_check res = read_account(registry, name, salt, want, &iterations, error);

    if (res == INSTALLER_ERROR)
        return res;
    /* the PBKDF2 runs for an unknown name too: the time tells nothing */
    if (!pbkdf2(password, salt, res == INSTALLER_OK ? iterations : INSTALLER_ITERATIONS, got,
                error))
        return INSTALLER_ERROR;
    if (res == INSTALLER_OK && CRYPTO_memcmp(got, want, HASH_LEN) != 0)
        res = INSTALLER_REFUSED;
    OPENSSL_cleanse(got, sizeof(got));
    return res;
}

enum installer_check installer_exists(const char *registry, const char *name, GError **error)
{
    uint8_t salt[SALT_LEN], hash[HASH_LEN];
    int iterations;

    return read_account(registry, name, salt, hash, &iterations, error);
}
