/* sim/twin_table.c: one worker's twin records (twin_table.h). */
#include "twin_table.h"

#include <string.h>
#include <time.h>

const double twin_latency_bounds[TWIN_LATENCY_BUCKETS] = {
    0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
};

/* Where a lamp's record is, for its change notification to find. */
struct twin_slot {
    struct twin_table *t;
    struct lamp *lamp;
    guint index;              /* the lamp's, in the fleet */
    guint pos;                /* in records */
    bool queued;              /* in t->dirty */
};

struct twin_table {
    unsigned worker;
    struct event_hub *hub;
    /* worker only */
    GPtrArray *slots;         /* struct twin_slot *; slot i's record is records[i] */
    GPtrArray *dirty;         /* slots notified of a change since the last refresh */
    guint sweep;              /* the slot the sweep refreshes next */
    guint period_ms;
    /* records and sums: written on the worker under lock, read by others
     * under it (the worker reads them without) */
    GMutex lock;
    GArray *records;          /* struct twin_record */
    struct twin_totals sum;   /* the records summed, the histogram, and the
                                 counters removed lamps reached */
    GSource *timer;
};

static void stop_timer(struct twin_table *t);

struct twin_table *twin_table_new(unsigned worker, struct event_hub *hub)
{
    struct twin_table *t = g_new0(struct twin_table, 1);

    t->worker = worker;
    t->hub = hub;
    t->slots = g_ptr_array_new_with_free_func(g_free);
    t->dirty = g_ptr_array_new();
    t->records = g_array_new(FALSE, TRUE, sizeof(struct twin_record));
    t->period_ms = 1000;
    g_mutex_init(&t->lock);
    return t;
}

void twin_table_free(struct twin_table *t)
{
    if (!t)
        return;
    stop_timer(t); /* the lamps may be gone: twin_table_stop came before */
    g_ptr_array_unref(t->slots);
    g_ptr_array_unref(t->dirty);
    g_array_unref(t->records);
    g_mutex_clear(&t->lock);
    g_free(t);
}

static gboolean on_timer(gpointer data)
{
    twin_table_refresh(data);
    return G_SOURCE_CONTINUE;
}

static void stop_timer(struct twin_table *t)
{
    if (t->timer) {
        g_source_destroy(t->timer);
        g_source_unref(t->timer);
        t->timer = NULL;
    }
}

void twin_table_start(struct twin_table *t, guint period_ms)
{
    stop_timer(t);
    t->period_ms = period_ms;
    t->timer = g_timeout_source_new(period_ms);
    g_source_set_callback(t->timer, on_timer, t, NULL);
    g_source_set_name(t->timer, "lampsim twin refresh");
    g_source_attach(t->timer, g_main_context_get_thread_default());
}

void twin_table_stop(struct twin_table *t)
{
    stop_timer(t);
    for (guint i = 0; i < t->slots->len; i++) {
        struct twin_slot *slot = g_ptr_array_index(t->slots, i);
        machine_set_change_notify(lamp_machine(slot->lamp), NULL, NULL);
    }
    g_ptr_array_set_size(t->dirty, 0);
}

static struct twin_slot *find_slot(struct twin_table *t, struct lamp *lamp)
{
    for (guint i = 0; i < t->slots->len; i++) {
        struct twin_slot *slot = g_ptr_array_index(t->slots, i);
        if (slot->lamp == lamp)
            return slot;
    }
    return NULL;
}

static void push_record(struct twin_table *t, enum event_kind kind, const struct twin_record *r)
{
    g_autofree char *json = NULL;

    if (!event_hub_listening(t->hub, kind))
        return;
    json = twin_to_json(r);
    event_hub_push(t->hub, kind, r->serial, json);
}

/* The machine says something the record shows changed: refreshed at the
 * next tick (on the worker: the machine runs there). */
static void on_change(void *data)
{
    struct twin_slot *slot = data;

    if (!slot->queued) {
        slot->queued = true;
        g_ptr_array_add(slot->t->dirty, slot);
    }
}

/* Adds (sign 1) or takes away (-1) what a record counts in the sums: its
 * counters (kept when a lamp leaves: Prometheus counters do not go down)
 * and its gauges (the lamps there now).  Unsigned sums wrap back. */
#define ACC(sum, value) ((sum) = sign > 0 ? (sum) + (value) : (sum) - (value))

static void sum_counters(struct twin_totals *s, const struct twin_record *r, int sign)
{
    ACC(s->connects, r->connects);
    ACC(s->tls_full, r->fw.tls_full);
    ACC(s->tls_resumed, r->fw.tls_resumed);
    ACC(s->tls_failed, r->fw.tls_failed);
    ACC(s->mqtt_rx, r->fw.mqtt_rx);
    ACC(s->mqtt_tx, r->fw.mqtt_tx);
    ACC(s->drops, r->fw.drops);
    ACC(s->reconnects, r->fw.onlines > 1 ? r->fw.onlines - 1 : 0);
    for (unsigned i = 0; i < LF_REASONS; i++)
        ACC(s->link_failures[i], r->fw.failures[i]);
    ACC(s->resets, r->resets);
    ACC(s->watchdog_resets, r->watchdog_resets);
    ACC(s->lockup_resets, r->lockup_resets);
    ACC(s->cpu_faults, r->faults_taken);
    for (unsigned i = 0; i < TWIN_INJ_COUNT; i++)
        ACC(s->injected[i], r->injected[i]);
    ACC(s->host_lag_us, r->host_lag_us);
    ACC(s->lamp_cpu_ns, r->cpu_ns);
    ACC(s->instructions, r->instructions);
    ACC(s->bytes_in, r->bytes_in);
    ACC(s->bytes_out, r->bytes_out);
}

static void sum_gauges(struct twin_totals *s, const struct twin_record *r, int sign)
{
    ACC(s->lamps, 1u);
    if ((unsigned)r->power < G_N_ELEMENTS(s->by_power))
        ACC(s->by_power[r->power], 1u);
    if (r->netstate < SYSCTL_NETSTATE_COUNT)
        ACC(s->by_netstate[r->netstate], 1u);
    ACC(s->running, (guint)(r->bootstage == SYSCTL_BOOTSTAGE_RUNNING));
    ACC(s->commissioned, (guint)(r->commission_known && r->has_creds));
    ACC(s->link_up, (guint)r->link_up);
    ACC(s->lit, (guint)r->light.on);
    ACC(s->power_w, r->light.watts);
    ACC(s->energy_wh, r->light.energy_wh);
    for (unsigned i = 0; i < G_N_ELEMENTS(s->crash_records_by_type); i++)
        ACC(s->crash_records_by_type[i], r->crash_by_type[i]);
}

#undef ACC

void twin_table_add(struct twin_table *t, struct lamp *lamp, guint index)
{
    struct twin_slot *slot = g_new0(struct twin_slot, 1);
    struct twin_record rec;

    *slot = (struct twin_slot){ .t = t, .lamp = lamp, .index = index, .pos = t->slots->len };
    machine_set_change_notify(lamp_machine(lamp), on_change, slot);
    twin_read(lamp, index, t->worker, NULL, &rec);
    g_ptr_array_add(t->slots, slot);
    g_mutex_lock(&t->lock);
    g_array_append_val(t->records, rec);
    sum_counters(&t->sum, &rec, 1);
    sum_gauges(&t->sum, &rec, 1);
    g_mutex_unlock(&t->lock);
    push_record(t, EVENT_ADDED, &rec);
}

void twin_table_remove(struct twin_table *t, struct lamp *lamp)
{
    struct twin_slot *slot = find_slot(t, lamp);
    struct twin_record rec, now;
    guint pos;

    if (!slot)
        return;
    pos = slot->pos;
    machine_set_change_notify(lamp_machine(lamp), NULL, NULL);
    g_ptr_array_remove(t->dirty, slot);
    rec = g_array_index(t->records, struct twin_record, pos);
    /* the counters it reached, read now (its record may be a sweep old) */
    twin_read(lamp, rec.index, t->worker, &rec, &now);
    g_mutex_lock(&t->lock);
    sum_counters(&t->sum, &rec, -1);
    sum_counters(&t->sum, &now, 1);
    sum_gauges(&t->sum, &rec, -1);
    g_array_remove_index(t->records, pos);
    g_mutex_unlock(&t->lock);
    g_ptr_array_remove_index(t->slots, pos); /* frees slot */
    for (guint i = pos; i < t->slots->len; i++)
        ((struct twin_slot *)g_ptr_array_index(t->slots, i))->pos = i;
    if (t->sweep > pos)
        t->sweep--;
    if (event_hub_listening(t->hub, EVENT_REMOVED))
        event_hub_push(t->hub, EVENT_REMOVED, rec.serial, NULL);
}

/* New dial-to-online latencies since prev: the firmware's registers give
 * the count and the sum; when a lamp went online more than once between
 * two reads, each is taken at their mean. */
static void observe_latency(struct twin_totals *seen, const struct twin_record *prev,
                            const struct twin_record *r)
{
    uint64_t n = r->fw.onlines - prev->fw.onlines;
    double mean;

    if (n == 0 || r->fw.onlines < n)
        return;
    mean = (r->fw.online_latency_ns_sum - prev->fw.online_latency_ns_sum) / 1e9 / n;
    for (unsigned b = 0; b < TWIN_LATENCY_BUCKETS; b++)
        if (mean <= twin_latency_bounds[b])
            seen->latency_buckets[b] += n;
    seen->latency_count += n;
    seen->latency_sum_s += mean * n;
}

/* Reads one lamp into its record and the sums; tells watchers when what
 * they see changed. */
static void refresh_slot(struct twin_table *t, struct twin_slot *slot, bool tell)
{
    /* the worker writes records: reading them here needs no lock */
    struct twin_record prev = g_array_index(t->records, struct twin_record, slot->pos), r;

    machine_change_seen(lamp_machine(slot->lamp));
    twin_read(slot->lamp, slot->index, t->worker, &prev, &r);
    g_mutex_lock(&t->lock);
    observe_latency(&t->sum, &prev, &r);
    sum_counters(&t->sum, &prev, -1);
    sum_gauges(&t->sum, &prev, -1);
    sum_counters(&t->sum, &r, 1);
    sum_gauges(&t->sum, &r, 1);
    g_array_index(t->records, struct twin_record, slot->pos) = r;
    g_mutex_unlock(&t->lock);
    if (tell && twin_changed(&prev, &r))
        push_record(t, EVENT_TWIN, &r);
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
    bool tell = event_hub_listening(t->hub, EVENT_TWIN);
    g_autoptr(GPtrArray) dirty = t->dirty;
    guint n = t->slots->len, slice;

    /* the lamps that notified a change; one still fading is read again
     * next time (its level moves without a register write) */
    t->dirty = g_ptr_array_new();
    for (guint i = 0; i < dirty->len; i++) {
        struct twin_slot *slot = g_ptr_array_index(dirty, i);

        slot->queued = false;
        refresh_slot(t, slot, tell);
        if (g_array_index(t->records, struct twin_record, slot->pos).light.fading)
            on_change(slot);
    }
    /* and a slice of every lamp, so that counters that move without a
     * notification (instructions, bytes, CPU, lag, energy) are never
     * older than TWIN_SWEEP_MS */
    slice = n ? (guint)MIN((guint64)n, ((guint64)n * t->period_ms + TWIN_SWEEP_MS - 1) /
                                           TWIN_SWEEP_MS) : 0;
    for (guint k = 0; k < slice; k++) {
        t->sweep %= n;
        refresh_slot(t, g_ptr_array_index(t->slots, t->sweep++), tell);
    }
    g_mutex_lock(&t->lock);
    t->sum.refreshes++;
    t->sum.refresh_ns += thread_ns() - t0;
    g_mutex_unlock(&t->lock);
}

void twin_table_count_injected(struct twin_table *t, struct lamp *lamp, enum twin_injected what)
{
    struct twin_slot *slot = find_slot(t, lamp);

    if (!slot || what >= TWIN_INJ_COUNT)
        return;
    g_mutex_lock(&t->lock);
    g_array_index(t->records, struct twin_record, slot->pos).injected[what]++;
    t->sum.injected[what]++;
    g_mutex_unlock(&t->lock);
    on_change(slot);
}

void twin_table_copy(struct twin_table *t, GArray *out)
{
    g_mutex_lock(&t->lock);
    g_array_append_vals(out, t->records->data, t->records->len);
    g_mutex_unlock(&t->lock);
}

bool twin_table_get(struct twin_table *t, guint index, struct twin_record *out)
{
    bool found = false;

    g_mutex_lock(&t->lock);
    for (guint i = 0; i < t->records->len && !found; i++) {
        const struct twin_record *r = &g_array_index(t->records, struct twin_record, i);
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
    *out = t->sum;
    g_mutex_unlock(&t->lock);
}
