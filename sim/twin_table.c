/* sim/twin_table.c: one worker's twin records (twin_table.h). */
#include "twin_table.h"

#include <string.h>
#include <time.h>

const double twin_latency_bounds[TWIN_LATENCY_BUCKETS] = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
};

struct twin_table {
    unsigned worker;
    struct event_hub *hub;
    GPtrArray *lamps;         /* struct lamp *, worker only; index i <-> records i */
    GArray *indices;          /* guint, worker only */
    GMutex lock;              /* guards cur, totals, injected counts in cur */
    GArray *cur;              /* struct twin_record, published */
    GArray *next;             /* struct twin_record, the refresh's buffer (worker only) */
    struct twin_totals totals;
    /* the histogram and the counters of what the refreshes saw (worker
     * only; removed lamps stay in them) */
    struct twin_totals seen;
    GSource *timer;
};

struct twin_table *twin_table_new(unsigned worker, struct event_hub *hub)
{
    struct twin_table *t = g_new0(struct twin_table, 1);

    t->worker = worker;
    t->hub = hub;
    t->lamps = g_ptr_array_new();
    t->indices = g_array_new(FALSE, FALSE, sizeof(guint));
    t->cur = g_array_new(FALSE, TRUE, sizeof(struct twin_record));
    t->next = g_array_new(FALSE, TRUE, sizeof(struct twin_record));
    g_mutex_init(&t->lock);
    return t;
}

void twin_table_free(struct twin_table *t)
{
    if (!t)
        return;
    twin_table_stop(t);
    g_ptr_array_unref(t->lamps);
    g_array_unref(t->indices);
    g_array_unref(t->cur);
    g_array_unref(t->next);
    g_mutex_clear(&t->lock);
    g_free(t);
}

static gboolean on_timer(gpointer data)
{
    twin_table_refresh(data);
    return G_SOURCE_CONTINUE;
}

void twin_table_start(struct twin_table *t, guint period_ms)
{
    twin_table_stop(t);
    t->timer = g_timeout_source_new(period_ms);
    g_source_set_callback(t->timer, on_timer, t, NULL);
    g_source_set_name(t->timer, "lampsim twin refresh");
    g_source_attach(t->timer, g_main_context_get_thread_default());
}

void twin_table_stop(struct twin_table *t)
{
    if (t->timer) {
        g_source_destroy(t->timer);
        g_source_unref(t->timer);
        t->timer = NULL;
    }
}

static gint find_lamp(struct twin_table *t, struct lamp *lamp)
{
    for (guint i = 0; i < t->lamps->len; i++)
        if (g_ptr_array_index(t->lamps, i) == lamp)
            return (gint)i;
    return -1;
}

static void push_record(struct twin_table *t, enum event_kind kind, const struct twin_record *r)
{
    g_autofree char *json = NULL;

    if (!event_hub_listening(t->hub, kind))
        return;
    json = twin_to_json(r);
    event_hub_push(t->hub, kind, r->serial, json);
}

void twin_table_add(struct twin_table *t, struct lamp *lamp, guint index)
{
    struct twin_record rec;

    twin_read(lamp, index, t->worker, NULL, &rec);
    g_ptr_array_add(t->lamps, lamp);
    g_array_append_val(t->indices, index);
    g_array_set_size(t->next, t->lamps->len);
    g_mutex_lock(&t->lock);
    g_array_append_val(t->cur, rec);
    g_mutex_unlock(&t->lock);
    push_record(t, EVENT_ADDED, &rec);
}

/* Counters the fleet keeps after a lamp leaves (Prometheus counters do
 * not go down). */
static void retire(struct twin_totals *seen, const struct twin_record *r)
{
    seen->connects += r->connects;
    seen->tls_full += r->fw.tls_full;
    seen->tls_resumed += r->fw.tls_resumed;
    seen->tls_failed += r->fw.tls_failed;
    seen->mqtt_rx += r->fw.mqtt_rx;
    seen->mqtt_tx += r->fw.mqtt_tx;
    seen->drops += r->fw.drops;
    seen->reconnects += r->fw.onlines > 1 ? r->fw.onlines - 1 : 0;
    seen->resets += r->resets;
    seen->watchdog_resets += r->watchdog_resets;
    seen->lockup_resets += r->lockup_resets;
    seen->cpu_faults += r->faults_taken;
    for (unsigned i = 0; i < TWIN_INJ_COUNT; i++)
        seen->injected[i] += r->injected[i];
    seen->host_lag_us += r->host_lag_us;
    seen->lamp_cpu_ns += r->cpu_ns;
    seen->instructions += r->instructions;
    seen->bytes_in += r->bytes_in;
    seen->bytes_out += r->bytes_out;
}

void twin_table_remove(struct twin_table *t, struct lamp *lamp)
{
    gint i = find_lamp(t, lamp);
    struct twin_record rec;

    if (i < 0)
        return;
    g_mutex_lock(&t->lock);
    rec = g_array_index(t->cur, struct twin_record, i);
    g_array_remove_index(t->cur, (guint)i);
    g_mutex_unlock(&t->lock);
    /* the counters it reached, read now (the last refresh may be old) */
    {
        struct twin_record now;
        twin_read(lamp, rec.index, t->worker, &rec, &now);
        retire(&t->seen, &now);
    }
    g_ptr_array_remove_index(t->lamps, (guint)i);
    g_array_remove_index(t->indices, (guint)i);
    g_array_set_size(t->next, t->lamps->len);
    if (event_hub_listening(t->hub, EVENT_REMOVED))
        event_hub_push(t->hub, EVENT_REMOVED, rec.serial, NULL);
}

/* New dial-to-online latencies since prev: the firmware's registers give
 * the count and the sum; when a lamp went online more than once within a
 * refresh period, each is taken at their mean. */
static void observe_latency(struct twin_totals *seen, const struct twin_record *prev,
                            const struct twin_record *r)
{
    uint64_t n = r->fw.onlines - (prev ? prev->fw.onlines : 0);
    double mean;

    if (n == 0 || r->fw.onlines < n)
        return;
    mean = (r->fw.online_latency_ns_sum - (prev ? prev->fw.online_latency_ns_sum : 0)) / 1e9 / n;
    for (unsigned b = 0; b < TWIN_LATENCY_BUCKETS; b++)
        if (mean <= twin_latency_bounds[b])
            seen->latency_buckets[b] += n;
    seen->latency_count += n;
    seen->latency_sum_s += mean * n;
}

static void add_record(struct twin_totals *s, const struct twin_record *r)
{
    s->lamps++;
    if ((unsigned)r->power < G_N_ELEMENTS(s->by_power))
        s->by_power[r->power]++;
    if (r->netstate < SYSCTL_NETSTATE_COUNT)
        s->by_netstate[r->netstate]++;
    s->running += r->bootstage == SYSCTL_BOOTSTAGE_RUNNING;
    s->commissioned += r->commission_known && r->has_creds;
    s->link_up += r->link_up;
    s->lit += r->light.on;
    s->power_w += r->light.watts;
    s->energy_wh += r->light.energy_wh;
    for (unsigned i = 0; i < G_N_ELEMENTS(s->crash_records_by_type); i++)
        s->crash_records_by_type[i] += r->crash_by_type[i];
    retire(s, r); /* the counters, summed the same way */
}

static uint64_t thread_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void twin_table_refresh(struct twin_table *t)
{
    uint64_t t0 = thread_ns();
    struct twin_totals sum;
    bool tell = event_hub_listening(t->hub, EVENT_TWIN);
    GArray *swap;

    /* cur is only written on this thread: reading it needs no lock */
    for (guint i = 0; i < t->lamps->len; i++) {
        const struct twin_record *prev = &g_array_index(t->cur, struct twin_record, i);
        struct twin_record *r = &g_array_index(t->next, struct twin_record, i);

        twin_read(g_ptr_array_index(t->lamps, i), g_array_index(t->indices, guint, i), t->worker,
                  prev, r);
        observe_latency(&t->seen, prev, r);
        if (tell && twin_changed(prev, r))
            push_record(t, EVENT_TWIN, r);
    }
    /* the histogram is what the refreshes saw; the rest the lamps now */
    sum = t->seen;
    sum.lamps = 0;
    for (guint i = 0; i < t->lamps->len; i++)
        add_record(&sum, &g_array_index(t->next, struct twin_record, i));
    t->seen.refreshes++;
    t->seen.refresh_ns += thread_ns() - t0;
    sum.refreshes = t->seen.refreshes;
    sum.refresh_ns = t->seen.refresh_ns;
    g_mutex_lock(&t->lock);
    swap = t->cur;
    t->cur = t->next;
    t->next = swap;
    t->totals = sum;
    g_mutex_unlock(&t->lock);
}

void twin_table_count_injected(struct twin_table *t, struct lamp *lamp, enum twin_injected what)
{
    gint i = find_lamp(t, lamp);

    if (i < 0 || what >= TWIN_INJ_COUNT)
        return;
    g_mutex_lock(&t->lock);
    g_array_index(t->cur, struct twin_record, i).injected[what]++;
    t->totals.injected[what]++;
    g_mutex_unlock(&t->lock);
}

void twin_table_copy(struct twin_table *t, GArray *out)
{
    g_mutex_lock(&t->lock);
    g_array_append_vals(out, t->cur->data, t->cur->len);
    g_mutex_unlock(&t->lock);
}

bool twin_table_get(struct twin_table *t, guint index, struct twin_record *out)
{
    bool found = false;

    g_mutex_lock(&t->lock);
    for (guint i = 0; i < t->cur->len && !found; i++) {
        const struct twin_record *r = &g_array_index(t->cur, struct twin_record, i);
        if (r->index == index) {
            *out = *r;
            found = true;
        }
    }
    g_mutex_unlock(&t->lock);
    return found;
}

void twin_table_totals(struct twin_table *t, struct twin_totals *out)
{
    g_mutex_lock(&t->lock);
    *out = t->totals;
    g_mutex_unlock(&t->lock);
}
