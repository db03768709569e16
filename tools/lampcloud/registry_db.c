/* tools/lampcloud/registry_db.c: see registry_db.h. */
#include "registry_db.h"
#include "lampcloud.h"

#define BUSY_TIMEOUT_MS 5000

bool registry_db_fail(sqlite3 *db, const char *registry, const char *what, GError **error)
{
    g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED, "registry %s: %s: %s", registry,
                what, db ? sqlite3_errmsg(db) : "out of memory");
    return false;
}

sqlite3 *registry_db_open(const char *registry, bool write, GError **error)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(registry, &db, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                        NULL) != SQLITE_OK) {
        registry_db_fail(db, registry, "open", error);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    return db;
}

GPtrArray *registry_db_active_serials(const char *registry, guint *revoked, GError **error)
{
    sqlite3 *db = registry_db_open(registry, false, error);
    g_autoptr(GPtrArray) serials = g_ptr_array_new_with_free_func(g_free);
    sqlite3_stmt *st = NULL;
    int rc;

    *revoked = 0;
    if (!db)
        return NULL;
    if (sqlite3_prepare_v2(db, "SELECT serial, status FROM lamps ORDER BY serial", -1, &st,
                           NULL) != SQLITE_OK) {
        registry_db_fail(db, registry, "listing lamps", error);
        sqlite3_close(db);
        return NULL;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!g_strcmp0((const char *)sqlite3_column_text(st, 1), "active"))
            g_ptr_array_add(serials, g_strdup((const char *)sqlite3_column_text(st, 0)));
        else
            (*revoked)++;
    }
    if (rc != SQLITE_DONE) {
        registry_db_fail(db, registry, "listing lamps", error);
        g_clear_pointer(&serials, g_ptr_array_unref);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return g_steal_pointer(&serials);
}
