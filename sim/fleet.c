/* sim/fleet.c: lamps spread over worker threads (fleet.h). */
#include "fleet.h"

#include "checkpoints.h"
#include "fleet_provision.h"
#include "lamp_action.h"
#include "sim_error.h"

struct fleet {
    struct workers *ws;
    GPtrArray *lamps;          /* struct lamp * by index; NULL once removed */
    GHashTable *by_serial;     /* serial -> index + 1 (main thread) */
    struct twin_table **twin;  /* one per worker, or NULL */
    struct checkpoints **saving; /* one per worker, on it */
    /* how fleet_boot made the lamps, for fleet_add */
    const struct lamp_config *cfg;
    char *state_dir;
    uint64_t seed;
    lamp_line_fn fn;
    gpointer user_data;
    guint live;                /* lamps not removed */
    struct shard shard;        /* which lamps of the whole fleet these are */
};

static void checkpoints_start_on_worker(struct worker *w, gpointer data)
{
    struct fleet *f = data;

    f->saving[worker_index(w)] = checkpoints_new(CHECKPOINT_INTERVAL_MS, checkpoints_power_off,
                                                 NULL);
}

static void checkpoints_stop_on_worker(struct worker *w, gpointer data)
{
    struct fleet *f = data;

    checkpoints_free(f->saving[worker_index(w)]);
}

struct fleet *fleet_new(unsigned threads, GError **error)
{
    struct fleet *f = g_new0(struct fleet, 1);

    f->ws = workers_new(threads, error);
    if (!f->ws) {
        g_free(f);
        return NULL;
    }
    /* A host crash loses at most the last interval of every lamp. */
    f->saving = g_new0(struct checkpoints *, workers_count(f->ws));
    workers_call_all(f->ws, checkpoints_start_on_worker, f);
    f->shard = (struct shard){ .index = 0, .count = 1 };
    f->lamps = g_ptr_array_new();
    f->by_serial = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return f;
}

guint fleet_count(const struct fleet *f) { return f->lamps->len; }
guint fleet_live(const struct fleet *f) { return f->live; }
unsigned fleet_threads(const struct fleet *f) { return workers_count(f->ws); }
struct lamp *fleet_lamp(struct fleet *f, guint i)
{
    return i < f->lamps->len ? g_ptr_array_index(f->lamps, i) : NULL;
}

static struct worker *worker_of(struct fleet *f, guint index)
{
    return workers_get(f->ws, index % workers_count(f->ws));
}

/* Lamp i is worker (i mod threads)'s; from..to of the indices. */
#define FOR_WORKER_LAMPS_IN(f, w, i, from, to)                                             \
    for (guint i = (from) + (worker_index(w) + workers_count((f)->ws) -                    \
                             (from) % workers_count((f)->ws)) % workers_count((f)->ws);     \
         i < (to); i += workers_count((f)->ws))
#define FOR_WORKER_LAMPS(f, w, i) FOR_WORKER_LAMPS_IN(f, w, i, 0, (f)->lamps->len)

struct twin_job {
    struct fleet *f;
    guint period_ms;
};

static void twin_start_on_worker(struct worker *w, gpointer data)
{
    struct twin_job *job = data;

    twin_table_start(job->f->twin[worker_index(w)], job->period_ms);
}

void fleet_keep_twin(struct fleet *f, guint period_ms, struct event_hub *hub)
{
    struct twin_job job = { f, period_ms };

    g_return_if_fail(f->twin == NULL && f->lamps->len == 0);
    f->twin = g_new0(struct twin_table *, workers_count(f->ws));
    for (unsigned i = 0; i < workers_count(f->ws); i++)
        f->twin[i] = twin_table_new(i, hub);
    workers_call_all(f->ws, twin_start_on_worker, &job);
}

struct boot_job {
    struct fleet *f;
    guint from, to;
    GMutex lock;
    GError *error;      /* the first lamp that failed */
};

static void boot_on_worker(struct worker *w, gpointer data)
{
    struct boot_job *job = data;
    struct fleet *f = job->f;

    FOR_WORKER_LAMPS_IN(f, w, i, job->from, job->to) {
        guint number = shard_lamp_number(&f->shard, i); /* in the whole fleet */
        g_autofree char *dir = fleet_lamp_dir(f->state_dir, number);
        struct lamp_config cfg = *f->cfg;
        GError *error = NULL;
        struct lamp *lamp;

        cfg.state_dir = dir;
        cfg.seed = f->seed + number;
        cfg.core = worker_core(w, &error);
        lamp = cfg.core ? lamp_new(&cfg, &error) : NULL;
        if (!lamp) {
            g_mutex_lock(&job->lock);
            if (!job->error)
                job->error = g_error_new(error->domain, error->code, "lamp %u: %s", number,
                                         error->message);
            g_mutex_unlock(&job->lock);
            g_error_free(error);
            return;
        }
        /* (each worker writes its own slots; the array does not move) */
        g_ptr_array_index(f->lamps, i) = lamp;
        if (f->fn)
            lamp_watch_lines(lamp, f->fn, f->user_data);
        scheduler_add(worker_scheduler(w), lamp);
        checkpoints_add(f->saving[worker_index(w)], lamp);
        machine_power_on(lamp_machine(lamp));
        if (f->twin)
            twin_table_add(f->twin[worker_index(w)], lamp, i);
    }
}

/* Boots indices from..to-1 (their slots made NULL first). */
static bool boot_range(struct fleet *f, guint from, guint to, GError **error)
{
    struct boot_job job = { .f = f, .from = from, .to = to };

    g_ptr_array_set_size(f->lamps, to);
    g_mutex_init(&job.lock);
    workers_call_all(f->ws, boot_on_worker, &job);
    g_mutex_clear(&job.lock);
    for (guint i = from; i < to; i++) {
        struct lamp *lamp = g_ptr_array_index(f->lamps, i);
        if (!lamp)
            continue;
        f->live++;
        g_hash_table_replace(f->by_serial, g_strdup(lamp_serial(lamp)), GUINT_TO_POINTER(i + 1));
    }
    if (job.error) {
        g_propagate_error(error, job.error);
        return false;
    }
    return true;
}

bool fleet_boot(struct fleet *f, const struct lamp_config *cfg, const char *state_dir,
                const struct shard *shard, guint fleet_size, uint64_t seed, lamp_line_fn fn,
                gpointer user_data, GError **error)
{
    g_return_val_if_fail(f->lamps->len == 0 && f->cfg == NULL, false);
    f->cfg = cfg;
    f->state_dir = g_strdup(state_dir);
    f->seed = seed;
    f->fn = fn;
    f->user_data = user_data;
    if (shard)
        f->shard = *shard;
    return boot_range(f, 0, shard_lamp_count(shard, fleet_size), error);
}

bool fleet_add(struct fleet *f, guint n, guint provision_threads, guint *first, GError **error)
{
    guint from = f->lamps->len;
    /* the whole fleet's size that gives this shard from + n lamps */
    guint fleet_size = shard_lamp_number(&f->shard, from + n - 1) + 1;
    struct fleet_provision_report rep;

    g_return_val_if_fail(f->cfg != NULL && n > 0, false);
    if (!fleet_provision(f->cfg, f->state_dir, &f->shard, fleet_size, provision_threads, &rep,
                         error))
        return false;
    *first = from;
    return boot_range(f, from, from + n, error);
}

gint fleet_find(struct fleet *f, const char *serial)
{
    return (gint)GPOINTER_TO_UINT(g_hash_table_lookup(f->by_serial, serial)) - 1;
}

struct call_job {
    struct fleet *f;
    guint index;
    fleet_call_fn fn;       /* one of these */
    fleet_worker_fn worker_fn;
    gpointer data;
};

static void call_on_worker(struct worker *w, gpointer data)
{
    struct call_job *job = data;
    struct lamp *lamp = g_ptr_array_index(job->f->lamps, job->index);

    if (job->worker_fn)
        job->worker_fn(w, lamp, job->data);
    else
        job->fn(lamp, job->f->twin ? job->f->twin[worker_index(w)] : NULL, job->data);
    scheduler_wake(worker_scheduler(w));
}

bool fleet_call(struct fleet *f, guint index, fleet_call_fn fn, gpointer data)
{
    struct call_job job = { f, index, fn, NULL, data };

    if (!fleet_lamp(f, index))
        return false;
    worker_call(worker_of(f, index), call_on_worker, &job);
    return true;
}

bool fleet_call_worker(struct fleet *f, guint index, fleet_worker_fn fn, gpointer data)
{
    struct call_job job = { f, index, NULL, fn, data };

    if (!fleet_lamp(f, index))
        return false;
    worker_call(worker_of(f, index), call_on_worker, &job);
    return true;
}

struct remove_job {
    struct fleet *f;
    guint index;
    GError *error;
};

static void remove_on_worker(struct worker *w, gpointer data)
{
    struct remove_job *job = data;
    struct lamp *lamp = g_ptr_array_index(job->f->lamps, job->index);

    if (job->f->twin)
        twin_table_remove(job->f->twin[worker_index(w)], lamp);
    if (!machine_sync(lamp_machine(lamp), &job->error))
        g_prefix_error(&job->error, "saving lamp %u: ", job->index);
    checkpoints_remove(job->f->saving[worker_index(w)], lamp);
    scheduler_remove(worker_scheduler(w), lamp);
    lamp_action_forget(lamp);
    lamp_free(lamp);
}

bool fleet_remove(struct fleet *f, guint index, GError **error)
{
    struct remove_job job = { f, index, NULL };
    struct lamp *lamp = fleet_lamp(f, index);

    if (!lamp) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "lamp %u: not in the fleet", index);
        return false;
    }
    g_hash_table_remove(f->by_serial, lamp_serial(lamp));
    worker_call(worker_of(f, index), remove_on_worker, &job);
    g_ptr_array_index(f->lamps, index) = NULL;
    f->live--;
    if (job.error) {
        g_propagate_error(error, job.error);
        return false;
    }
    return true;
}

struct each_job {
    struct fleet *f;
    fleet_lamp_fn fn;
    gpointer data;
};

static void each_on_worker(struct worker *w, gpointer data)
{
    struct each_job *job = data;

    FOR_WORKER_LAMPS(job->f, w, i)
        if (g_ptr_array_index(job->f->lamps, i))
            job->fn(g_ptr_array_index(job->f->lamps, i), job->data);
    scheduler_wake(worker_scheduler(w));
}

void fleet_each(struct fleet *f, fleet_lamp_fn fn, gpointer data)
{
    struct each_job job = { f, fn, data };
    workers_call_all(f->ws, each_on_worker, &job);
}

struct totals_job {
    struct fleet *f;
    struct fleet_totals *per_worker;
};

static void totals_on_worker(struct worker *w, gpointer data)
{
    struct totals_job *job = data;
    struct fleet_totals *t = &job->per_worker[worker_index(w)];

    FOR_WORKER_LAMPS(job->f, w, i) {
        struct lamp *lamp = g_ptr_array_index(job->f->lamps, i);
        struct machine_stats st;
        struct machine_net_stats ns;

        if (!lamp)
            continue;
        machine_get_stats(lamp_machine(lamp), &st);
        machine_get_net_stats(lamp_machine(lamp), &ns);
        t->instructions += st.instructions;
        t->tlb_fills += st.tlb_fills;
        t->core_switches += st.core_switches;
        t->cpu_entries += st.cpu_entries;
        t->mmio_accesses += st.mmio_accesses;
        t->resets += st.resets;
        t->host_lag_us += st.host_lag_us;
        t->slice_ns += lamp_cpu_ns(lamp);
        t->bytes_in += ns.bytes_in;
        t->bytes_out += ns.bytes_out;
        t->prompts_seen += lamp_console_ready(lamp);
    }
}

void fleet_totals(struct fleet *f, struct fleet_totals *out)
{
    unsigned n = workers_count(f->ws);
    g_autofree struct fleet_totals *per = g_new0(struct fleet_totals, n);
    struct totals_job job = { f, per };

    workers_call_all(f->ws, totals_on_worker, &job);
    *out = (struct fleet_totals){ 0 };
    for (unsigned i = 0; i < n; i++) {
        out->instructions += per[i].instructions;
        out->tlb_fills += per[i].tlb_fills;
        out->core_switches += per[i].core_switches;
        out->cpu_entries += per[i].cpu_entries;
        out->mmio_accesses += per[i].mmio_accesses;
        out->slice_ns += per[i].slice_ns;
        out->bytes_in += per[i].bytes_in;
        out->bytes_out += per[i].bytes_out;
        out->resets += per[i].resets;
        out->host_lag_us += per[i].host_lag_us;
        out->prompts_seen += per[i].prompts_seen;
    }
}

uint64_t fleet_workers_cpu_ns(struct fleet *f)
{
    uint64_t ns = 0;

    for (unsigned i = 0; i < workers_count(f->ws); i++)
        ns += worker_cpu_ns(workers_get(f->ws, i));
    return ns;
}

uint64_t fleet_worker_cpu_ns(struct fleet *f, unsigned worker)
{
    return worker_cpu_ns(workers_get(f->ws, worker));
}

GArray *fleet_twin_all(struct fleet *f)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(struct twin_record));

    for (unsigned i = 0; f->twin && i < workers_count(f->ws); i++)
        twin_table_copy(f->twin[i], out);
    return out;
}

bool fleet_twin_get(struct fleet *f, guint index, struct twin_record *out)
{
    return f->twin && fleet_lamp(f, index) &&
           twin_table_get(f->twin[index % workers_count(f->ws)], index, out);
}

void fleet_twin_totals(struct fleet *f, unsigned worker, struct twin_totals *out)
{
    if (!f->twin) {
        *out = (struct twin_totals){ 0 };
        return;
    }
    twin_table_totals(f->twin[worker], out);
}

struct free_job {
    struct fleet *f;
    GMutex lock;
    GError *error;
};

static void free_on_worker(struct worker *w, gpointer data)
{
    struct free_job *job = data;

    if (job->f->twin)
        twin_table_stop(job->f->twin[worker_index(w)]);
    FOR_WORKER_LAMPS(job->f, w, i) {
        struct lamp *lamp = g_ptr_array_index(job->f->lamps, i);
        GError *error = NULL;

        if (!lamp)
            continue;
        if (!machine_sync(lamp_machine(lamp), &error)) {
            g_mutex_lock(&job->lock);
            if (!job->error)
                job->error = g_error_new(error->domain, error->code, "saving lamp %u: %s", i,
                                         error->message);
            g_mutex_unlock(&job->lock);
            g_error_free(error);
        }
        checkpoints_remove(job->f->saving[worker_index(w)], lamp);
        scheduler_remove(worker_scheduler(w), lamp);
        lamp_action_forget(lamp);
        lamp_free(lamp);
        g_ptr_array_index(job->f->lamps, i) = NULL;
    }
}

bool fleet_free_saving(struct fleet *f, GError **error)
{
    struct free_job job = { .f = f };
    unsigned n;
    bool ok;

    if (!f)
        return true;
    n = workers_count(f->ws);
    g_mutex_init(&job.lock);
    workers_call_all(f->ws, free_on_worker, &job);
    workers_call_all(f->ws, checkpoints_stop_on_worker, f);
    g_mutex_clear(&job.lock);
    ok = job.error == NULL;
    if (job.error)
        g_propagate_error(error, job.error);
    workers_free(f->ws);
    for (unsigned i = 0; f->twin && i < n; i++)
        twin_table_free(f->twin[i]);
    g_free(f->twin);
    g_free(f->saving);
    g_ptr_array_unref(f->lamps);
    g_hash_table_unref(f->by_serial);
    g_free(f->state_dir);
    g_free(f);
    return ok;
}
