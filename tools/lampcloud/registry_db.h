/* tools/lampcloud/registry_db.h: the fleet registry (registry.sqlite,
 * docs/formats.md#registry) opened for one operation of the cloud's own
 * (commissioning keys, installer accounts).  Opened per operation, like
 * registry_lookup.c: lampfactory and the cloud's threads all write it and
 * SQLite's locking (with a busy timeout) keeps them apart. */
#ifndef LAMPCLOUD_REGISTRY_DB_H
#define LAMPCLOUD_REGISTRY_DB_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>

sqlite3 *registry_db_open(const char *registry, bool write, GError **error);
/* Sets error to "registry PATH: WHAT: sqlite's message"; returns false. */
bool registry_db_fail(sqlite3 *db, const char *registry, const char *what, GError **error);

/* The serials the registry holds as active, in order (g_ptr_array_unref);
 * *revoked counts the others. */
GPtrArray *registry_db_active_serials(const char *registry, guint *revoked, GError **error);

#endif
