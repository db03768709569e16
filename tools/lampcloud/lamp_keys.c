/* tools/lampcloud/lamp_keys.c: see lamp_keys.h. */
#include "lamp_keys.h"
#include "hex.h"
#include "lampcloud.h"
#include "registry_db.h"

#include <openssl/crypto.h>
#include <string.h>

/* One row into out; the caller's database, inside or outside a transaction. */
static bool read_row(sqlite3 *db, const char *registry, const char *serial, struct lamp_key *out,
                     GError **error)
{
    sqlite3_stmt *st = NULL;
    int rc;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db, "SELECT status, commission_key_hex, commission_n FROM lamps "
                               "WHERE serial = ?", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC) != SQLITE_OK) {
        registry_db_fail(db, registry, "select", error);
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        out->status = REGISTRY_UNKNOWN;
        ok = true;
    } else if (rc == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        const char *hex = (const char *)sqlite3_column_text(st, 1);
        sqlite3_int64 n = sqlite3_column_int64(st, 2);

        if (!hex_decode(hex, out->key, COMMISSION_KEY_LEN) || n < 0 || n > G_MAXUINT32) {
            g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_FAILED,
                        "registry %s: lamp %s: commission_key_hex or commission_n malformed",
                        registry, serial);
        } else {
            out->status = status && !strcmp(status, "active") ? REGISTRY_ACTIVE : REGISTRY_REVOKED;
            out->n = (uint32_t)n;
            ok = true;
        }
    } else {
        registry_db_fail(db, registry, "select", error);
    }
out:
    sqlite3_finalize(st);
    return ok;
}

bool lamp_key_read(const char *registry, const char *serial, struct lamp_key *out,
                   GError **error)
{
    sqlite3 *db = registry_db_open(registry, false, error);
    bool ok;

    if (!db)
        return false;
    ok = read_row(db, registry, serial, out, error);
    sqlite3_close(db);
    return ok;
}

static bool write_row(sqlite3 *db, const char *registry, const char *serial, uint32_t n,
                      const uint8_t key[COMMISSION_KEY_LEN], GError **error)
{
    char *hex = hex_encode(key, COMMISSION_KEY_LEN);
    sqlite3_stmt *st = NULL;
    bool ok;

    ok = sqlite3_prepare_v2(db, "UPDATE lamps SET commission_key_hex = ?, commission_n = ? "
                                "WHERE serial = ?", -1, &st, NULL) == SQLITE_OK &&
         sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC) == SQLITE_OK &&
         sqlite3_bind_int64(st, 2, n) == SQLITE_OK &&
         sqlite3_bind_text(st, 3, serial, -1, SQLITE_STATIC) == SQLITE_OK &&
         sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1;
    if (!ok)
        registry_db_fail(db, registry, "update", error);
    sqlite3_finalize(st);
    OPENSSL_cleanse(hex, strlen(hex));
    g_free(hex);
    return ok;
}

enum lamp_key_move lamp_key_advance(const char *registry, const char *serial, uint32_t to,
                                    uint32_t *from, GError **error)
{
    sqlite3 *db = registry_db_open(registry, true, error);
    struct lamp_key row;
    uint8_t next[COMMISSION_KEY_LEN];
    enum lamp_key_move res = LAMP_KEY_ERROR;

    if (!db)
        return LAMP_KEY_ERROR;
    /* IMMEDIATE: the read and the write below see no other writer between them */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        registry_db_fail(db, registry, "begin", error);
        goto out;
    }
    if (!read_row(db, registry, serial, &row, error))
        goto rollback;
    if (row.status == REGISTRY_UNKNOWN) {
        res = LAMP_KEY_UNKNOWN;
        goto rollback;
    }
    *from = row.n;
    if (to == row.n)
        res = LAMP_KEY_ALREADY;
    else if (to < row.n)
        res = LAMP_KEY_BEHIND;
    else if (to - row.n > COMMISSION_AHEAD_MAX)
        res = LAMP_KEY_TOO_FAR;
    if (res != LAMP_KEY_ERROR)
        goto rollback;
    if (!commission_key_derive(row.key, row.n, to, next, error) ||
        !write_row(db, registry, serial, to, next, error))
        goto rollback;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        registry_db_fail(db, registry, "commit", error);
        goto rollback;
    }
    res = LAMP_KEY_ADVANCED;
    goto out;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
    OPENSSL_cleanse(&row, sizeof(row));
    OPENSSL_cleanse(next, sizeof(next));
    sqlite3_close(db);
    return res;
}
