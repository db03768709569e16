/* tools/lampfactory/registry.c: the fleet's lamp registry (SQLite,
 * docs/formats.md#registry), which the reference cloud reads. */
#include "factory.h"
#include "hex.h"

#include <sqlite3.h>
#include <string.h>

#define SCHEMA_VERSION "1"

struct factory_registry {
    sqlite3 *db;
    char *path;
};

static bool db_fail(struct factory_registry *r, GError **error, const char *what)
{
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "registry %s: %s: %s", r->path, what,
                sqlite3_errmsg(r->db));
    return false;
}

static bool exec(struct factory_registry *r, const char *sql, GError **error)
{
    char *msg = NULL;

    if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "registry %s: %s", r->path,
                msg ? msg : "error");
    sqlite3_free(msg);
    return false;
}

struct factory_registry *factory_registry_open(const char *fleet_dir, bool create, GError **error)
{
    struct factory_registry *r = g_new0(struct factory_registry, 1);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

    r->path = factory_fleet_path(fleet_dir, FLEET_REGISTRY);
    if (sqlite3_open_v2(r->path, &r->db, flags, NULL) != SQLITE_OK) {
        db_fail(r, error, "open");
        factory_registry_close(r);
        return NULL;
    }
    sqlite3_busy_timeout(r->db, 5000);
    if (create &&
        !exec(r,
              "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
              "INSERT OR IGNORE INTO meta VALUES('schema_version', '" SCHEMA_VERSION "');"
              "CREATE TABLE IF NOT EXISTS lamps("
              " serial TEXT PRIMARY KEY,"
              " profile TEXT NOT NULL CHECK(profile IN ('production','development')),"
              " status TEXT NOT NULL DEFAULT 'active' CHECK(status IN ('active','revoked')),"
              " device_cert_pem TEXT NOT NULL,"
              " commission_key_hex TEXT NOT NULL,"
              " commission_n INTEGER NOT NULL DEFAULT 0,"
              " provisioned_at TEXT NOT NULL);",
              error)) {
        factory_registry_close(r);
        return NULL;
    }
    return r;
}

bool factory_registry_begin(struct factory_registry *r, GError **error)
{
    return exec(r, "BEGIN IMMEDIATE", error);
}

bool factory_registry_commit(struct factory_registry *r, GError **error)
{
    return exec(r, "COMMIT", error);
}

void factory_registry_rollback(struct factory_registry *r)
{
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

static bool already_registered(struct factory_registry *r, const char *serial, GError **error)
{
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                "serial %s is already in the registry %s", serial, r->path);
    return false;
}

bool factory_registry_add(struct factory_registry *r, const char *serial, const char *profile,
                          const char *cert_pem, const uint8_t k0[16], bool replace,
                          GError **error)
{
    sqlite3_stmt *st;
    char hex[33];
    int rc;

    hex_encode_to(k0, 16, hex);
    if (sqlite3_prepare_v2(r->db,
                           replace ? "INSERT OR REPLACE INTO lamps(serial, profile, device_cert_pem,"
                                     " commission_key_hex, provisioned_at) VALUES(?, ?, ?, ?,"
                                     " strftime('%Y-%m-%dT%H:%M:%SZ','now'))" :
                           "INSERT INTO lamps(serial, profile, device_cert_pem, commission_key_hex,"
                           " provisioned_at) VALUES(?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(r, error, "prepare");
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, cert_pem, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, hex, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return already_registered(r, serial, error);
    return rc == SQLITE_DONE || db_fail(r, error, "insert");
}

bool factory_registry_check_new(struct factory_registry *r, const char *serial, GError **error)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM lamps WHERE serial = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(r, error, "prepare");
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return already_registered(r, serial, error);
    return rc == SQLITE_DONE || db_fail(r, error, "select");
}

bool factory_registry_revoke(struct factory_registry *r, const char *serial, GError **error)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(r->db, "UPDATE lamps SET status = 'revoked' WHERE serial = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(r, error, "prepare");
    sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(r, error, "update");
    if (sqlite3_changes(r->db) == 0) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "no lamp %s in the registry %s",
                    serial, r->path);
        return false;
    }
    return true;
}

char *factory_registry_list(struct factory_registry *r, GError **error)
{
    sqlite3_stmt *st;
    GString *out = g_string_new(NULL);
    int rc;

    if (sqlite3_prepare_v2(r->db, "SELECT serial, profile, status, provisioned_at FROM lamps "
                                  "ORDER BY serial", -1, &st, NULL) != SQLITE_OK) {
        db_fail(r, error, "prepare");
        return g_string_free(out, TRUE);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_string_append_printf(out, "%-16s %-12s %-8s %s\n", sqlite3_column_text(st, 0),
                               sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                               sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_fail(r, error, "select");
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

void factory_registry_close(struct factory_registry *r)
{
    if (!r)
        return;
    sqlite3_close(r->db);
    g_free(r->path);
    g_free(r);
}
