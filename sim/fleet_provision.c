/* sim/fleet_provision.c: see fleet_provision.h. */
#include "fleet_provision.h"

#include "provision.h"

#include <stdio.h>
#include <string.h>

#define PROGRESS_INTERVAL_US G_USEC_PER_SEC
#define FAILURES_SHOWN 20

char *fleet_lamp_dir(const char *state_dir, guint i)
{
    return g_strdup_printf("%s/lamp-%04u", state_dir, i);
}

struct progress_line {
    gint64 last_us;
    guint failures_shown;
};

/* Called by the provisioning threads one at a time. */
static void on_progress(const struct provision_progress *p, gpointer user_data)
{
    struct progress_line *line = user_data;
    gint64 now = g_get_monotonic_time();

    if (p->error && line->failures_shown++ < FAILURES_SHOWN)
        fprintf(stderr, "lampsim fleet: %s: %s\n", p->lamp->state_dir, p->error->message);
    if (now - line->last_us >= PROGRESS_INTERVAL_US || p->done == p->total) {
        line->last_us = now;
        if (p->failed)
            fprintf(stderr, "lampsim fleet: %u/%u new lamps provisioned (%u failed)\n",
                    p->done - p->failed, p->total, p->failed);
        else
            fprintf(stderr, "lampsim fleet: %u/%u new lamps provisioned\n", p->done, p->total);
    }
}

/* A random serial neither this batch nor the registry has: with 32
 * random bits, thousands of lamps would otherwise collide now and then,
 * and a re-provisioned serial takes the other lamp's registry row. */
static bool unused_serial(const struct lamp_config *cfg, struct factory_registry *reg,
                          GHashTable *taken, char out[PROVISION_SERIAL_SIZE], GError **error)
{
    for (;;) {
        g_autoptr(GError) used = NULL;
        provision_default_serial(cfg, out);
        if (g_hash_table_contains(taken, out))
            continue;
        if (factory_registry_check_new(reg, out, &used))
            return true;
        if (used->code != FACTORY_ERROR_INPUT) {
            g_propagate_error(error, g_steal_pointer(&used));
            return false;
        }
    }
}

/* A sharded fleet's lamp i takes the serial seed BASE + i would give
 * (provision_default_serial), with BASE from --seed or else from the
 * fleet's device CA certificate: shards in separate processes, on one
 * machine or on many, give every lamp of the fleet its own serial
 * without asking one another or a registry, and two fleets do not draw
 * from the same sequence. */
static bool device_ca_serial_base(const char *fleet_dir, uint64_t *out, GError **error)
{
    g_autofree char *path = g_build_filename(fleet_dir, FLEET_DEVICE_CA_CERT, NULL);
    g_autofree char *pem = NULL;
    g_autoptr(GChecksum) sha = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 digest[32];
    gsize len, digest_len = sizeof(digest);

    if (!g_file_get_contents(path, &pem, &len, error)) {
        g_prefix_error(error, "the serial of a new lamp of a sharded fleet follows from the "
                       "fleet's device CA certificate (or --seed); give the fleet with --fleet: ");
        return false;
    }
    g_checksum_update(sha, (const guchar *)pem, (gssize)len);
    g_checksum_get_digest(sha, digest, &digest_len);
    memcpy(out, digest, sizeof(*out));
    return true;
}

bool fleet_provision(const struct lamp_config *cfg, const char *state_dir,
                     const struct shard *shard, guint fleet_size, guint threads,
                     struct fleet_provision_report *out, GError **error)
{
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) serials = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) taken = g_hash_table_new(g_str_hash, g_str_equal);
    struct factory_registry *reg = NULL;
    struct progress_line line = { 0 };
    struct lamp_config lamp_cfg = *cfg;
    bool by_number = cfg->seeded || (shard && shard->sharded);
    uint64_t serial_base = cfg->seed;
    bool need_base = by_number && !cfg->seeded; /* read when a lamp is new */
    gint64 t0;
    bool ok = true;

    for (guint j = 0; j < shard_lamp_count(shard, fleet_size); j++) {
        guint i = shard_lamp_number(shard, j);
        g_autofree char *dir = fleet_lamp_dir(state_dir, i);
        g_autofree char *store = g_build_filename(dir, "lamp.img", NULL);
        char *serial;

        if (g_file_test(store, G_FILE_TEST_EXISTS))
            continue;
        if (need_base && !device_ca_serial_base(cfg->fleet_dir, &serial_base, error)) {
            g_prefix_error(error, "%s holds no lamp yet: ", dir);
            ok = false;
            break;
        }
        need_base = false;
        serial = g_malloc(PROVISION_SERIAL_SIZE);
        lamp_cfg.seeded = by_number;
        lamp_cfg.seed = serial_base + i;
        if (by_number)
            provision_default_serial(&lamp_cfg, serial);
        else if (!reg && !(reg = factory_registry_open(cfg->fleet_dir, false, error)))
            ok = false;
        else
            ok = unused_serial(cfg, reg, taken, serial, error);
        if (!ok) {
            g_free(serial);
            break;
        }
        g_ptr_array_add(dirs, g_steal_pointer(&dir));
        g_ptr_array_add(serials, serial);
        g_hash_table_add(taken, serial);
    }
    factory_registry_close(reg);
    if (!ok)
        return false;
    *out = (struct fleet_provision_report){
        .new_lamps = dirs->len, .threads = threads ? threads : g_get_num_processors(),
    };
    if (!dirs->len)
        return true;
    fprintf(stderr, "lampsim fleet: provisioning %u new lamps on %u threads\n", dirs->len,
            MIN(out->threads, dirs->len));
    t0 = g_get_monotonic_time();
    ok = provision_new_lamps(cfg, (const char *const *)dirs->pdata,
                             (const char *const *)serials->pdata, dirs->len, out->threads,
                             on_progress, &line, error);
    out->wall_s = (g_get_monotonic_time() - t0) / 1e6;
    return ok;
}
