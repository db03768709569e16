/* tools/lampfactory/provision_batch.c: many lamps at once
 * (docs/tools.md#many-lamps-at-once).  Workers, the caller's thread and
 * threads - 1 more, take lamps in turn; each keeps its own production
 * lines (provision_line.h), so no OpenSSL object crosses threads.  What
 * they share sits behind one mutex: one registry connection per fleet,
 * the rows waiting for it, the counts and the progress callback.  A lamp
 * is made and written outside the lock; its row then waits with the
 * others and FACTORY_REGISTRY_BATCH rows are committed in one transaction
 * (one journal sync instead of one per lamp; measured in docs/tools.md). */
#include "factory.h"
#include "provision_line.h"

#include <string.h>

#define FAILURES_LISTED 5

struct pending_row {
    guint index;
    struct factory_lamp lamp;
    GError *error;
};

struct batch {
    const struct provision_params *lamps;
    guint n;
    gint next;              /* atomic: the next lamp to take */
    GMutex lock;            /* everything below */
    GHashTable *registries; /* fleet_dir -> struct factory_registry * */
    GArray *pending;        /* struct pending_row: on disk, not yet registered */
    guint done, failed;
    GString *failures;      /* "DIR: message" of the first FAILURES_LISTED */
    GError *first;
    factory_progress_fn progress;
    gpointer user_data;
};

static void finish_locked(struct batch *b, guint index, const GError *e)
{
    b->done++;
    if (e) {
        b->failed++;
        if (!b->first)
            b->first = g_error_copy(e);
        if (b->failed <= FAILURES_LISTED)
            g_string_append_printf(b->failures, "%s%s: %s", b->failed > 1 ? "; " : "",
                                   b->lamps[index].state_dir, e->message);
    }
    if (b->progress) {
        struct provision_progress p = { b->done, b->failed, b->n, &b->lamps[index], e };
        b->progress(&p, b->user_data);
    }
}

static struct factory_registry *registry_locked(struct batch *b, const char *fleet_dir,
                                                GError **error)
{
    struct factory_registry *r = g_hash_table_lookup(b->registries, fleet_dir);

    if (!r && (r = factory_registry_open(fleet_dir, false, error)))
        g_hash_table_insert(b->registries, g_strdup(fleet_dir), r);
    return r;
}

/* The pending rows of the first pending lamp's fleet, in one transaction;
 * a lamp whose row fails loses its lamp.img. */
static void commit_fleet_locked(struct batch *b)
{
    const char *fleet = b->lamps[g_array_index(b->pending, struct pending_row, 0).index].fleet_dir;
    g_autoptr(GError) txn_error = NULL;
    struct factory_registry *r = registry_locked(b, fleet, &txn_error);
    bool began = r && factory_registry_begin(r, &txn_error);
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(struct pending_row));

    for (guint i = 0; i < b->pending->len;) {
        struct pending_row *row = &g_array_index(b->pending, struct pending_row, i);
        const struct provision_params *p = &b->lamps[row->index];
        if (strcmp(p->fleet_dir, fleet) != 0) {
            i++;
            continue;
        }
        if (began)
            factory_registry_add(r, p->serial, p->profile, row->lamp.cert_pem, row->lamp.k0,
                                 p->replace, &row->error);
        g_array_append_val(rows, *row);
        g_array_remove_index(b->pending, i);
    }
    if (began && !factory_registry_commit(r, &txn_error))
        factory_registry_rollback(r);
    for (guint i = 0; i < rows->len; i++) {
        struct pending_row *row = &g_array_index(rows, struct pending_row, i);
        const GError *e = txn_error ? txn_error : row->error;
        if (e)
            factory_lamp_unmake(&b->lamps[row->index]);
        finish_locked(b, row->index, e);
        g_clear_error(&row->error);
        factory_lamp_clear(&row->lamp);
    }
}

static void commit_locked(struct batch *b)
{
    while (b->pending->len)
        commit_fleet_locked(b);
}

/* A serial already registered is refused before any key is drawn for it
 * (the insert checks again: another process may add it meanwhile). */
static bool registry_allows(struct batch *b, const struct provision_params *p, GError **error)
{
    struct factory_registry *r;
    bool ok;

    g_mutex_lock(&b->lock);
    r = registry_locked(b, p->fleet_dir, error);
    ok = r && (p->replace || factory_registry_check_new(r, p->serial, error));
    g_mutex_unlock(&b->lock);
    return ok;
}

/* This thread's line for the lamp's fleet, image and bootloader. */
static const struct factory_line *line_for(GHashTable *lines, const struct provision_params *p,
                                           GError **error)
{
    g_autofree char *key = g_strjoin("\n", p->fleet_dir, p->image_path, p->bootloader_path, NULL);
    struct factory_line *line = g_hash_table_lookup(lines, key);

    if (!line && (line = factory_line_open(p->fleet_dir, p->image_path, p->bootloader_path, error)))
        g_hash_table_insert(lines, g_steal_pointer(&key), line);
    return line;
}

static gpointer worker(gpointer data)
{
    struct batch *b = data;
    g_autoptr(GHashTable) lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify)factory_line_free);
    guint i;

    while ((i = (guint)g_atomic_int_add(&b->next, 1)) < b->n) {
        const struct provision_params *p = &b->lamps[i];
        struct pending_row row = { .index = i };
        const struct factory_line *line = NULL;
        g_autoptr(GError) error = NULL;
        uint8_t otp[OTP_SIZE];
        uint32_t variant;
        bool made = factory_lamp_check(p, otp, &variant, &error) &&
                    (line = line_for(lines, p, &error)) && registry_allows(b, p, &error) &&
                    factory_lamp_make(line, p, &row.lamp, &error);

        g_mutex_lock(&b->lock);
        if (made) {
            g_array_append_val(b->pending, row);
            if (b->pending->len >= FACTORY_REGISTRY_BATCH)
                commit_locked(b);
        } else {
            finish_locked(b, i, error);
        }
        g_mutex_unlock(&b->lock);
    }
    return NULL;
}

/* Two requests for one directory or one serial would overwrite each
 * other. */
static bool each_once(const struct provision_params *lamps, guint n, GError **error)
{
    g_autoptr(GHashTable) dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) serials = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < n; i++) {
        char *dir = g_canonicalize_filename(lamps[i].state_dir, NULL);
        const struct provision_params *other = g_hash_table_lookup(serials, lamps[i].serial);
        if (!g_hash_table_insert(dirs, dir, (gpointer)&lamps[i])) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "state directory %s is asked for twice", lamps[i].state_dir);
            return false;
        }
        if (other) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "serial %s is asked for twice (%s and %s)", lamps[i].serial,
                        other->state_dir, lamps[i].state_dir);
            return false;
        }
        g_hash_table_insert(serials, (gpointer)lamps[i].serial, (gpointer)&lamps[i]);
    }
    return true;
}

bool factory_provision_lamps(const struct provision_params *lamps, guint n, guint threads,
                             factory_progress_fn progress, gpointer user_data, GError **error)
{
    struct batch b = { .lamps = lamps, .n = n, .progress = progress, .user_data = user_data };
    g_autoptr(GPtrArray) pool = g_ptr_array_new();
    guint workers = threads ? threads : (guint)g_get_num_processors();
    bool ok;

    if (n > G_MAXINT) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%u lamps: too many at once", n);
        return false;
    }
    if (!each_once(lamps, n, error))
        return false;
    g_mutex_init(&b.lock);
    b.registries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)factory_registry_close);
    b.pending = g_array_new(FALSE, FALSE, sizeof(struct pending_row));
    b.failures = g_string_new(NULL);
    /* A thread that cannot be made leaves its share to the others. */
    for (guint t = 1; t < MIN(workers, n); t++) {
        GThread *th = g_thread_try_new("provision", worker, &b, NULL);
        if (!th)
            break;
        g_ptr_array_add(pool, th);
    }
    worker(&b);
    for (guint t = 0; t < pool->len; t++)
        g_thread_join(pool->pdata[t]);
    g_mutex_lock(&b.lock);
    commit_locked(&b);
    g_mutex_unlock(&b.lock);

    ok = b.failed == 0;
    if (!ok && n == 1)
        g_propagate_error(error, g_steal_pointer(&b.first));
    else if (!ok)
        g_set_error(error, b.first->domain, b.first->code, "%u of %u lamps not provisioned: %s%s",
                    b.failed, n, b.failures->str, b.failed > FAILURES_LISTED ? "; ..." : "");
    g_clear_error(&b.first);
    g_string_free(b.failures, TRUE);
    g_array_unref(b.pending);
    g_hash_table_destroy(b.registries);
    g_mutex_clear(&b.lock);
    return ok;
}
