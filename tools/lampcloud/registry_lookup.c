/* tools/lampcloud/registry_lookup.c: see registry_lookup.h.  Opened per
 * lookup: lampfactory may revoke or add lamps while the cloud runs, and a
 * lookup happens once per connection, not per message. */
#include "registry_lookup.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

enum registry_status registry_lookup(const char *registry_path, const char *serial, char *err,
                                     size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    enum registry_status status = REGISTRY_ERROR;
    int rc;

    if (sqlite3_open_v2(registry_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", registry_path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(db, 2000);
    if (sqlite3_prepare_v2(db, "SELECT status FROM lamps WHERE serial = ?", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", registry_path, sqlite3_errmsg(db));
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        status = REGISTRY_UNKNOWN;
    } else if (rc == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        status = s && !strcmp(s, "active") ? REGISTRY_ACTIVE : REGISTRY_REVOKED;
    } else {
        snprintf(err, errlen, "%s: %s", registry_path, sqlite3_errmsg(db));
    }
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

const char *registry_status_name(enum registry_status s)
{
    switch (s) {
    case REGISTRY_ACTIVE: return "active";
    case REGISTRY_REVOKED: return "revoked in the registry";
    case REGISTRY_UNKNOWN: return "not in the registry";
    default: return "registry unreadable";
    }
}
