/* bench/registry_rows.c: what a registry row costs when each lamp commits
 * its own transaction and when rows are committed FACTORY_REGISTRY_BATCH
 * at a time (tools/lampfactory/provision_batch.c), same run, same file.
 * Usage: registry_rows FLEET_DIR ROWS; the fleet's registry gets rows
 * BENCH-*, removed again. */
#include "factory.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* rows rows, per_txn to a transaction; wall and CPU ms a row. */
static bool run(const char *fleet, guint rows, guint per_txn, const char *tag, double *wall_ms,
                double *cpu_ms)
{
    struct factory_registry *r = factory_registry_open(fleet, false, NULL);
    g_autofree char *pem = g_strnfill(700, 'A'); /* a certificate's size */
    const uint8_t k0[16] = { 0 };
    gint64 t0 = g_get_monotonic_time();
    double c0 = cpu_s();
    g_autoptr(GError) error = NULL;
    bool ok = r != NULL;

    for (guint i = 0; ok && i < rows; i += per_txn) {
        ok = factory_registry_begin(r, &error);
        for (guint j = i; ok && j < i + per_txn && j < rows; j++) {
            char serial[16];
            g_snprintf(serial, sizeof(serial), "BENCH-%s%u", tag, j);
            ok = factory_registry_add(r, serial, "development", pem, k0, true, &error);
        }
        ok = ok && factory_registry_commit(r, &error);
    }
    *wall_ms = (g_get_monotonic_time() - t0) / 1e3 / rows;
    *cpu_ms = (cpu_s() - c0) * 1e3 / rows;
    if (!ok)
        fprintf(stderr, "registry_rows: %s\n", error ? error->message : "cannot open the registry");
    factory_registry_close(r);
    return ok;
}

int main(int argc, char **argv)
{
    g_autofree char *path = NULL;
    double w1, c1, wb, cb;
    sqlite3 *db;
    guint rows;

    if (argc != 3 || !(rows = (guint)atoi(argv[2]))) {
        fprintf(stderr, "usage: registry_rows FLEET_DIR ROWS\n");
        return 2;
    }
    if (!run(argv[1], rows, 1, "a", &w1, &c1) ||
        !run(argv[1], rows, FACTORY_REGISTRY_BATCH, "b", &wb, &cb))
        return 1;
    printf("registry row, a transaction each: %.3f ms wall, %.3f ms CPU\n", w1, c1);
    printf("registry row, %u a transaction:   %.3f ms wall, %.3f ms CPU\n",
           FACTORY_REGISTRY_BATCH, wb, cb);
    printf("batched rows are %.1fx faster (wall)\n", wb > 0 ? w1 / wb : 0.0);
    path = g_build_filename(argv[1], FLEET_REGISTRY, NULL);
    if (sqlite3_open(path, &db) == SQLITE_OK)
        sqlite3_exec(db, "DELETE FROM lamps WHERE serial LIKE 'BENCH-%'", NULL, NULL, NULL);
    sqlite3_close(db);
    return 0;
}
