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
