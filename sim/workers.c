/* sim/workers.c: worker threads, each running its own main loop with its
 * lamps' scheduler (workers.h). */
#include "workers.h"

#include "machine.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

struct worker {
    struct workers *ws;
    unsigned index;
    GThread *thread;
    GMainContext *ctx;
    GMainLoop *loop;
    struct scheduler *sched;
    GPtrArray *cores;        /* struct machine_core *, the last one filling */
    unsigned last_core_free; /* lamps the last core still takes */
    clockid_t cpu_clock;
    GMutex lock;             /* start-up handshake */
    GCond started;
    bool running;
};

struct workers {
    struct worker *w;
    unsigned n;
};

/* A core's lamps: one address-space reservation each (core.c), and the
 * most Unicorn's 4 GiB physical space below the MMIO windows can hold. */
#define LAMPS_PER_CORE 1000u

static gpointer worker_main(gpointer data)
{
    struct worker *w = data;

    g_main_context_push_thread_default(w->ctx);
    w->sched = scheduler_new(w->ctx);
    pthread_getcpuclockid(pthread_self(), &w->cpu_clock);
    g_mutex_lock(&w->lock);
    w->running = true;
    g_cond_signal(&w->started);
    g_mutex_unlock(&w->lock);
    g_main_loop_run(w->loop);
    scheduler_free(w->sched);
    for (guint i = 0; i < w->cores->len; i++)
        machine_core_free(g_ptr_array_index(w->cores, i));
    g_ptr_array_set_size(w->cores, 0);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

unsigned workers_default_count(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    return g_get_num_processors();
}

struct workers *workers_new(unsigned n, GError **error)
{
    struct workers *ws = g_new0(struct workers, 1);

    ws->w = g_new0(struct worker, n);
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = &ws->w[i];
        g_autofree char *name = g_strdup_printf("lampsim-w%u", i);

        w->ws = ws;
        w->index = i;
        w->ctx = g_main_context_new();
        w->loop = g_main_loop_new(w->ctx, FALSE);
        w->cores = g_ptr_array_new();
        g_mutex_init(&w->lock);
        g_cond_init(&w->started);
        w->thread = g_thread_try_new(name, worker_main, w, error);
        if (!w->thread) {
            g_prefix_error(error, "worker thread %u of %u: ", i + 1, n);
            ws->n = i;
            g_main_loop_unref(w->loop);
            g_main_context_unref(w->ctx);
            g_ptr_array_unref(w->cores);
            workers_free(ws);
            return NULL;
        }
        g_mutex_lock(&w->lock);
        while (!w->running)
            g_cond_wait(&w->started, &w->lock);
        g_mutex_unlock(&w->lock);
        ws->n = i + 1;
    }
    return ws;
}

static gboolean quit_loop(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

void workers_free(struct workers *ws)
{
    if (!ws)
        return;
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        g_main_context_invoke(w->ctx, quit_loop, w->loop);
        g_thread_join(w->thread);
        g_main_loop_unref(w->loop);
        g_main_context_unref(w->ctx);
        g_ptr_array_unref(w->cores);
        g_mutex_clear(&w->lock);
        g_cond_clear(&w->started);
    }
    g_free(ws->w);
    g_free(ws);
}

unsigned workers_count(const struct workers *ws) { return ws->n; }
struct worker *workers_get(struct workers *ws, unsigned i) { return &ws->w[i]; }
unsigned worker_index(const struct worker *w) { return w->index; }
struct scheduler *worker_scheduler(struct worker *w) { return w->sched; }

/* Calls waiting for workers: pending counts down under the lock. */
struct batch {
    worker_fn fn;
    gpointer data;
    GMutex lock;
    GCond cond;
    unsigned pending;
};

struct call {
    struct batch *b;
    struct worker *w;
};

static gboolean run_call(gpointer data)
{
    struct call *c = data;

    c->b->fn(c->w, c->b->data);
    g_mutex_lock(&c->b->lock);
    c->b->pending--;
    g_cond_broadcast(&c->b->cond);
    g_mutex_unlock(&c->b->lock);
    return G_SOURCE_REMOVE;
}

static void call_many(struct worker **ws, unsigned n, worker_fn fn, gpointer data)
{
    struct batch b = { .fn = fn, .data = data, .pending = n };
    g_autofree struct call *each = g_new0(struct call, n);

    g_mutex_init(&b.lock);
    g_cond_init(&b.cond);
    for (unsigned i = 0; i < n; i++) {
        each[i] = (struct call){ &b, ws[i] };
        /* (runs at once when called from the worker's own thread) */
        g_main_context_invoke(ws[i]->ctx, run_call, &each[i]);
    }
    g_mutex_lock(&b.lock);
    while (b.pending)
        g_cond_wait(&b.cond, &b.lock);
    g_mutex_unlock(&b.lock);
    g_mutex_clear(&b.lock);
    g_cond_clear(&b.cond);
}

void worker_call(struct worker *w, worker_fn fn, gpointer data)
{
    call_many(&w, 1, fn, data);
}

void workers_call_all(struct workers *ws, worker_fn fn, gpointer data)
{
    g_autofree struct worker **all = g_new(struct worker *, ws->n);

    for (unsigned i = 0; i < ws->n; i++)
        all[i] = &ws->w[i];
    call_many(all, ws->n, fn, data);
}

struct machine_core *worker_core(struct worker *w, GError **error)
{
    struct machine_core *core;

    if (w->cores->len && w->last_core_free) {
        w->last_core_free--;
        return g_ptr_array_index(w->cores, w->cores->len - 1);
    }
    core = machine_core_new(LAMPS_PER_CORE, error);
    if (!core)
        return NULL;
    g_ptr_array_add(w->cores, core);
    w->last_core_free = LAMPS_PER_CORE - 1;
    return core;
}

uint64_t worker_cpu_ns(struct worker *w)
{
    struct timespec ts;

    if (clock_gettime(w->cpu_clock, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
