/* sim/fleet.c: lamps spread over worker threads (fleet.h). */
#include "fleet.h"

#include "fleet_provision.h"

struct fleet {
    struct workers *ws;
    struct lamp **lamps;
    guint count;
    struct shard shard; /* which lamps of the whole fleet lamps[] are */
};

struct fleet *fleet_new(unsigned threads, GError **error)
{
    struct fleet *f = g_new0(struct fleet, 1);

    f->shard = (struct shard){ .index = 0, .count = 1 };
    f->ws = workers_new(threads, error);
    if (!f->ws) {
        g_free(f);
        return NULL;
    }
    return f;
}

guint fleet_count(const struct fleet *f) { return f->count; }
unsigned fleet_threads(const struct fleet *f) { return workers_count(f->ws); }
struct lamp *fleet_lamp(struct fleet *f, guint i) { return f->lamps[i]; }

/* Lamp i is worker (i mod threads)'s. */
#define FOR_WORKER_LAMPS(f, w, i)                                                          \
    for (guint i = worker_index(w); i < (f)->count; i += workers_count((f)->ws))

struct boot_job {
    struct fleet *f;
    const struct lamp_config *cfg;
    const char *state_dir;
    uint64_t seed;
    lamp_line_fn fn;
    gpointer user_data;
    GMutex lock;
    GError *error;      /* the first lamp that failed */
};

static void boot_on_worker(struct worker *w, gpointer data)
{
    struct boot_job *job = data;
    struct fleet *f = job->f;

    FOR_WORKER_LAMPS(f, w, i) {
        guint number = shard_lamp_number(&f->shard, i); /* in the whole fleet */
        g_autofree char *dir = fleet_lamp_dir(job->state_dir, number);
        struct lamp_config cfg = *job->cfg;
        GError *error = NULL;

        cfg.state_dir = dir;
        cfg.seed = job->seed + number;
        cfg.core = worker_core(w, &error);
        f->lamps[i] = cfg.core ? lamp_new(&cfg, &error) : NULL;
        if (!f->lamps[i]) {
            g_mutex_lock(&job->lock);
            if (!job->error)
                job->error = g_error_new(error->domain, error->code, "lamp %u: %s", number,
                                         error->message);
            g_mutex_unlock(&job->lock);
            g_error_free(error);
            return;
        }
        if (job->fn)
            lamp_watch_lines(f->lamps[i], job->fn, job->user_data);
        scheduler_add(worker_scheduler(w), f->lamps[i]);
        machine_power_on(lamp_machine(f->lamps[i]));
    }
}

bool fleet_boot(struct fleet *f, const struct lamp_config *cfg, const char *state_dir,
                const struct shard *shard, guint fleet_size, uint64_t seed, lamp_line_fn fn,
                gpointer user_data, GError **error)
{
    struct boot_job job = { .f = f, .cfg = cfg, .state_dir = state_dir, .seed = seed,
                            .fn = fn, .user_data = user_data };

    g_return_val_if_fail(f->lamps == NULL, false);
    if (shard)
        f->shard = *shard;
    f->count = shard_lamp_count(shard, fleet_size);
    f->lamps = g_new0(struct lamp *, f->count);
    g_mutex_init(&job.lock);
    workers_call_all(f->ws, boot_on_worker, &job);
    g_mutex_clear(&job.lock);
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
        if (job->f->lamps[i])
            job->fn(job->f->lamps[i], job->data);
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
        struct lamp *lamp = job->f->lamps[i];
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
        t->prompts_seen += lamp_prompts_seen(lamp) > 0;
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

struct free_job {
    struct fleet *f;
    GMutex lock;
    GError *error;
};

static void free_on_worker(struct worker *w, gpointer data)
{
    struct free_job *job = data;

    FOR_WORKER_LAMPS(job->f, w, i) {
        struct lamp *lamp = job->f->lamps[i];
        GError *error = NULL;

        if (!lamp)
            continue;
        if (!machine_sync(lamp_machine(lamp), &error)) {
            g_mutex_lock(&job->lock);
            if (!job->error)
                job->error = g_error_new(error->domain, error->code, "saving lamp %u: %s",
                                         shard_lamp_number(&job->f->shard, i),
                                         error->message);
            g_mutex_unlock(&job->lock);
            g_error_free(error);
        }
        scheduler_remove(worker_scheduler(w), lamp);
        lamp_free(lamp);
        job->f->lamps[i] = NULL;
    }
}

bool fleet_free_saving(struct fleet *f, GError **error)
{
    struct free_job job = { .f = f };
    bool ok;

    if (!f)
        return true;
    g_mutex_init(&job.lock);
    if (f->lamps)
        workers_call_all(f->ws, free_on_worker, &job);
    g_mutex_clear(&job.lock);
    ok = job.error == NULL;
    if (job.error)
        g_propagate_error(error, job.error);
    workers_free(f->ws);
    g_free(f->lamps);
    g_free(f);
    return ok;
}
