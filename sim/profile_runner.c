/* sim/profile_runner.c: a load profile run against a served fleet
 * (profile_runner.h, docs/profiles.md). */
#include "profile_runner.h"

#include "fleet_action.h"
#include "fleet_limits.h"
#include "prom_text.h"
#include "sim_error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const act_names[PROFILE_ACT_COUNT] = {
    "lamp_added", "power_off", "power_cycle", "net_drop", "net_refuse_on", "net_refuse_off", "update",
    "commission", "telemetry",
};

const char *profile_act_name(enum profile_act a)
{
    return a < PROFILE_ACT_COUNT ? act_names[a] : "?";
}

/* Something due at a time of its own, not at a time of the cycle: a
 * storm's end, a churned lamp's power coming back. */
struct pending {
    double due_s;
    enum { PENDING_REFUSE_OFF, PENDING_POWER_ON } what;
    guint lamp;
};

/* A commissioning wave under way: its lamps were chosen when it began. */
struct wave {
    const struct profile_event *ev;
    guint event;                 /* its index in the profile, for progress lines */
    double start_s;              /* from the profile's start */
    GArray *lamps;
    guint done;
};

struct profile_runner {
    struct load_profile p;
    struct profile_runner_config cfg;
    GRand *rng;
    guint timer;
    gint64 t0_us;
    struct profile_counts counts;
    /* the ramp */
    guint ramp_from;             /* lamps there at the start */
    guint64 ramp_done;
    bool ramp_stopped;           /* reached its target, or failed */
    /* the cycle under way */
    guint cycle;
    guint next_event;
    guint64 churn_done;
    bool cycles_over;
    GArray *pending;             /* struct pending */
    GPtrArray *waves;            /* struct wave * */
    /* the fixed actions of storms and churn, parsed as the API parses them */
    struct lamp_action drop, refuse_on, refuse_off, reboot, power_off, power_on;
    /* the console's `telemetry N`, when the profile states a period */
    struct lamp_action telemetry;
};

static void say(struct profile_runner *r, double t, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void say(struct profile_runner *r, double t, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL, *line = NULL;

    if (!r->cfg.log)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    line = g_strdup_printf("t=%.1f s: %s", t, msg);
    r->cfg.log(line, r->cfg.log_data);
}

static void free_wave(gpointer data)
{
    struct wave *w = data;

    g_array_unref(w->lamps);
    g_free(w);
}

static void parse_fixed(const char *name, const char *body, struct lamp_action *a)
{
    g_autoptr(GError) error = NULL;

    /* constant requests: a failure is a bug of this file */
    if (!lamp_action_parse(name, body, a, &error))
        g_error("profile runner: %s %s: %s", name, body, error->message);
}

bool profile_runner_check_files(const struct load_profile *p, GError **error)
{
    for (guint i = 0; i < p->n_events; i++) {
        const struct profile_event *ev = &p->events[i];
        if (ev->kind == PROFILE_EV_OTA && !g_file_test(ev->action.text, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "$.events[%u].image: %s: no such "
                        "file (give an update image made by lampfactory)", i, ev->action.text);
            return false;
        }
    }
    return true;
}

struct profile_runner *profile_runner_new(struct load_profile *p,
                                          const struct profile_runner_config *cfg,
                                          GError **error)
{
    struct profile_runner *r;

    if (!profile_runner_check_files(p, error))
        return NULL;
    r = g_new0(struct profile_runner, 1);
    r->p = *p;
    memset(p, 0, sizeof(*p));
    r->cfg = *cfg;
    r->rng = g_rand_new_with_seed_array((const guint32[]){ (guint32)r->p.seed,
                                                           (guint32)(r->p.seed >> 32) }, 2);
    r->pending = g_array_new(FALSE, FALSE, sizeof(struct pending));
    r->waves = g_ptr_array_new_with_free_func(free_wave);
    parse_fixed("net_fault", "{\"fault\":\"drop\"}", &r->drop);
    parse_fixed("net_fault", "{\"fault\":\"refuse\",\"on\":true}", &r->refuse_on);
    parse_fixed("net_fault", "{\"fault\":\"refuse\",\"on\":false}", &r->refuse_off);
    parse_fixed("reboot", NULL, &r->reboot);
    parse_fixed("power_off", NULL, &r->power_off);
    parse_fixed("power_on", NULL, &r->power_on);
    if (r->p.telemetry_s) {
        g_autofree char *body = g_strdup_printf("{\"line\":\"telemetry %u\"}", r->p.telemetry_s);
        parse_fixed("console", body, &r->telemetry);
    }
    return r;
}

/* Applies a to lamps and counts it under kind; the first refusal is
 * told. */
static guint act(struct profile_runner *r, double t, enum profile_act kind, const GArray *lamps,
                 const struct lamp_action *a)
{
    struct fleet_action_result res = { 0 };

    fleet_action_apply(r->cfg.fleet, lamps, a, &res);
    r->counts.done[kind] += res.applied;
    r->counts.failed[kind] += res.failed;
    if (res.first_error)
        say(r, t, "%s: %u lamps refused it, the first: %s", act_names[kind], res.failed,
            res.first_error->message);
    fleet_action_result_clear(&res);
    return res.applied;
}

static void act_all(struct profile_runner *r, double t, enum profile_act kind,
                    const struct lamp_action *a)
{
    static const struct fleet_pick all = { 0 };
    g_autoptr(GArray) lamps = fleet_pick_lamps(r->cfg.fleet, &all, r->rng);

    act(r, t, kind, lamps, a);
}

static void add_pending(struct profile_runner *r, double due_s, int what, guint lamp)
{
    struct pending pd = { .due_s = due_s, .what = what, .lamp = lamp };

    g_array_append_val(r->pending, pd);
}

static void run_pending(struct profile_runner *r, double t)
{
    for (guint i = 0; i < r->pending->len;) {
        struct pending pd = g_array_index(r->pending, struct pending, i);
        if (pd.due_s > t) {
            i++;
            continue;
        }
        g_array_remove_index(r->pending, i);
        if (pd.what == PENDING_REFUSE_OFF) {
            /* every lamp, those added during the storm too: ending a
             * refusal that never began changes nothing */
            act_all(r, t, PROFILE_ACT_NET_REFUSE_OFF, &r->refuse_off);
            say(r, t, "storm over: the broker is reachable again");
        } else {
            g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(guint));
            g_array_append_val(one, pd.lamp);
            act(r, t, PROFILE_ACT_POWER_CYCLE, one, &r->power_on);
        }
    }
}

static void run_ramp(struct profile_runner *r, double t)
{
    g_autoptr(GError) error = NULL;
    guint64 want, n;
    guint first;

    if (!r->p.ramp_target || r->ramp_stopped)
        return;
    if (r->ramp_from >= r->p.ramp_target) {
        say(r, t, "ramp: %u lamps already, the target is %u: nothing to add", r->ramp_from,
            r->p.ramp_target);
        r->ramp_stopped = true;
        return;
    }
    want = MIN(load_profile_due(r->p.ramp_per_s, r->p.ramp_start_s, 0, t),
               (guint64)(r->p.ramp_target - r->ramp_from));
    n = MIN(want - r->ramp_done, PROFILE_RUNNER_MAX_ADD);
    if (!n)
        return;
    if (!fleet_check_limits(fleet_live(r->cfg.fleet) + (guint)n, r->cfg.networked, &error) ||
        !fleet_add(r->cfg.fleet, (guint)n, r->cfg.provision_threads, &first, &error)) {
        r->counts.failed[PROFILE_ACT_LAMP_ADDED] += n;
        r->ramp_stopped = true;
        say(r, t, "ramp stopped after %" G_GUINT64_FORMAT " lamps: %s", r->ramp_done,
            error->message);
        return;
    }
    r->ramp_done += n;
    r->counts.done[PROFILE_ACT_LAMP_ADDED] += n;
    if (r->p.telemetry_s) {
        /* typed once: the lamp saves it and keeps it across its reboots */
        g_autoptr(GArray) added = g_array_sized_new(FALSE, FALSE, sizeof(guint), (guint)n);
        for (guint i = 0; i < n; i++) {
            guint lamp = first + i;
            g_array_append_val(added, lamp);
        }
        act(r, t, PROFILE_ACT_TELEMETRY, added, &r->telemetry);
    }
    if (r->ramp_from + r->ramp_done >= r->p.ramp_target) {
        r->ramp_stopped = true;
        say(r, t, "ramp done: %u lamps (%" G_GUINT64_FORMAT " added)", fleet_live(r->cfg.fleet),
            r->ramp_done);
    }
}

static void run_waves(struct profile_runner *r, double t)
{
    for (guint i = 0; i < r->waves->len;) {
        struct wave *w = g_ptr_array_index(r->waves, i);
        guint64 due = MIN(load_profile_due(w->ev->per_s, w->start_s, 0, t), (guint64)w->lamps->len);
        g_autoptr(GArray) now = g_array_new(FALSE, FALSE, sizeof(guint));

        if (due > w->done) {
            g_array_append_vals(now, &g_array_index(w->lamps, guint, w->done),
                                (guint)(due - w->done));
            act(r, t, PROFILE_ACT_COMMISSION, now, &w->ev->action);
            w->done = (guint)due;
        }
        if (w->done < w->lamps->len) {
            i++;
            continue;
        }
        say(r, t, "commissioning wave of events[%u] done: %u lamps given SSID %s", w->event,
            w->done, w->ev->action.text);
        g_ptr_array_remove_index(r->waves, i);
    }
}

static void fire(struct profile_runner *r, guint i, double t)
{
    const struct profile_event *ev = &r->p.events[i];
    g_autoptr(GArray) lamps = NULL;
    struct wave *w;

    r->counts.events++;
    switch (ev->kind) {
    case PROFILE_EV_STORM:
        r->counts.storms++;
        /* refused first, so no lamp dropped gets back in */
        if (ev->unreachable_s > 0) {
            act_all(r, t, PROFILE_ACT_NET_REFUSE_ON, &r->refuse_on);
            add_pending(r, t + ev->unreachable_s, PENDING_REFUSE_OFF, 0);
        }
        if (ev->drop)
            act_all(r, t, PROFILE_ACT_NET_DROP, &r->drop);
        if (ev->unreachable_s > 0)
            say(r, t, "storm (events[%u]): %sthe broker unreachable for %g s", i,
                ev->drop ? "every connection dropped, " : "", ev->unreachable_s);
        else
            say(r, t, "storm (events[%u]): every connection dropped", i);
        break;
    case PROFILE_EV_OTA:
        lamps = fleet_pick_lamps(r->cfg.fleet, &ev->lamps, r->rng);
        say(r, t, "OTA campaign (events[%u]): %s to %u lamps, %u sent", i, ev->action.text,
            lamps->len, act(r, t, PROFILE_ACT_UPDATE, lamps, &ev->action));
        break;
    case PROFILE_EV_COMMISSION:
        w = g_new0(struct wave, 1);
        w->ev = ev;
        w->event = i;
        w->start_s = t;
        w->lamps = fleet_pick_lamps(r->cfg.fleet, &ev->lamps, r->rng);
        say(r, t, "commissioning wave (events[%u]): %u lamps at %g a second", i, w->lamps->len,
            ev->per_s);
        g_ptr_array_add(r->waves, w);
        break;
    }
}

/* Cycle r->cycle (begun at base) up to its local time local. */
static void run_cycle(struct profile_runner *r, double base, double local)
{
    double end = r->p.churn_end_s ? r->p.churn_end_s : r->p.every_s;

    while (r->next_event < r->p.n_events && r->p.events[r->next_event].at_s <= local) {
        fire(r, r->next_event, base + r->p.events[r->next_event].at_s);
        r->next_event++;
    }
    if (r->p.churn_per_minute) {
        guint64 due = load_profile_due(r->p.churn_per_minute / 60, r->p.churn_start_s, end, local);
        struct fleet_pick pick = { .count = (guint)(due - r->churn_done) };
        g_autoptr(GArray) lamps = NULL;

        if (!pick.count)
            return;
        lamps = fleet_pick_lamps(r->cfg.fleet, &pick, r->rng);
        if (r->p.churn_off_s > 0) {
            act(r, base + local, PROFILE_ACT_POWER_OFF, lamps, &r->power_off);
            for (guint i = 0; i < lamps->len; i++)
                add_pending(r, base + local + r->p.churn_off_s, PENDING_POWER_ON,
                            g_array_index(lamps, guint, i));
        } else {
            act(r, base + local, PROFILE_ACT_POWER_CYCLE, lamps, &r->reboot);
        }
        r->churn_done = due;
    }
}

static void run_cycles(struct profile_runner *r, double t)
{
    while (!r->cycles_over) {
        double base = r->cycle * r->p.every_s;

        if (r->p.every_s == 0 || t < base + r->p.every_s) {
            run_cycle(r, base, t - base);
            return;
        }
        /* the cycle ended: what was left of it first */
        run_cycle(r, base, r->p.every_s);
        r->cycle++;
        r->next_event = 0;
        r->churn_done = 0;
        if (r->p.times && r->cycle >= r->p.times) {
            r->cycles_over = true;
            say(r, t, "the profile's %u cycles are over", r->p.times);
            return;
        }
        r->counts.cycles++;
        say(r, base + r->p.every_s, "cycle %u begins", r->cycle + 1);
    }
}

/* With no repeat, the one cycle is over once its last event fired and
 * its churn window closed. */
static bool finished(struct profile_runner *r, double t)
{
    if (!r->cycles_over && r->p.every_s == 0 && r->next_event == r->p.n_events &&
        (!r->p.churn_per_minute || (r->p.churn_end_s && t >= r->p.churn_end_s)))
        r->cycles_over = true;
    return r->cycles_over && (!r->p.ramp_target || r->ramp_stopped) && !r->pending->len &&
           !r->waves->len;
}

static gboolean on_tick(gpointer data)
{
    struct profile_runner *r = data;
    double t = (g_get_monotonic_time() - r->t0_us) / 1e6;

    r->counts.elapsed_s = t;
    run_ramp(r, t);
    run_cycles(r, t);
    run_waves(r, t);
    run_pending(r, t);
    if (!finished(r, t))
        return G_SOURCE_CONTINUE;
    r->counts.finished = true;
    say(r, t, "profile done");
    r->timer = 0;
    return G_SOURCE_REMOVE;
}

void profile_runner_start(struct profile_runner *r)
{
    r->t0_us = g_get_monotonic_time();
    r->ramp_from = fleet_live(r->cfg.fleet);
    r->counts.cycles = 1;
    if (r->p.telemetry_s) {
        act_all(r, 0, PROFILE_ACT_TELEMETRY, &r->telemetry);
        say(r, 0, "telemetry every %u s on the %u lamps there (and on every lamp the ramp adds)",
            r->p.telemetry_s, fleet_live(r->cfg.fleet));
    }
    r->timer = g_timeout_add(PROFILE_RUNNER_TICK_MS, on_tick, r);
    on_tick(r);
}

void profile_runner_counts(struct profile_runner *r, struct profile_counts *out)
{
    *out = r->counts;
    if (!r->counts.finished && r->t0_us)
        out->elapsed_s = (g_get_monotonic_time() - r->t0_us) / 1e6;
}

void profile_runner_metrics(struct profile_runner *r, GString *page)
{
    struct profile_counts c;
    const char *labels[] = { "kind", NULL, NULL };

    profile_runner_counts(r, &c);
    prom_family(page, "lampsim_profile_actions_total", "counter",
                "Lamps the load profile acted on, by what it did (lamp_added: lamps the ramp added)");
    for (unsigned i = 0; i < PROFILE_ACT_COUNT; i++) {
        labels[1] = act_names[i];
        prom_sample(page, "lampsim_profile_actions_total", labels, (double)c.done[i]);
    }
    prom_family(page, "lampsim_profile_action_failures_total", "counter",
                "Lamps that refused a load profile's action, or lamps a ramp could not add");
    for (unsigned i = 0; i < PROFILE_ACT_COUNT; i++) {
        labels[1] = act_names[i];
        prom_sample(page, "lampsim_profile_action_failures_total", labels, (double)c.failed[i]);
    }
    prom_family(page, "lampsim_profile_events_total", "counter",
                "Load profile events begun (storms, campaigns, waves)");
    prom_sample(page, "lampsim_profile_events_total", NULL, (double)c.events);
    prom_family(page, "lampsim_profile_storms_total", "counter", "Load profile storms begun");
    prom_sample(page, "lampsim_profile_storms_total", NULL, (double)c.storms);
    prom_family(page, "lampsim_profile_cycle", "gauge", "The load profile's cycle under way (1 first)");
    prom_sample(page, "lampsim_profile_cycle", NULL, (double)c.cycles);
    prom_family(page, "lampsim_profile_elapsed_seconds", "gauge", "Time since the load profile began");
    prom_sample(page, "lampsim_profile_elapsed_seconds", NULL, c.elapsed_s);
    prom_family(page, "lampsim_profile_finished", "gauge", "1 once the load profile has done everything");
    prom_sample(page, "lampsim_profile_finished", NULL, c.finished);
}

void profile_runner_free(struct profile_runner *r)
{
    if (!r)
        return;
    if (r->timer)
        g_source_remove(r->timer);
    load_profile_clear(&r->p);
    g_rand_free(r->rng);
    g_array_unref(r->pending);
    g_ptr_array_unref(r->waves);
    lamp_action_clear(&r->drop);
    lamp_action_clear(&r->refuse_on);
    lamp_action_clear(&r->refuse_off);
    lamp_action_clear(&r->reboot);
    lamp_action_clear(&r->power_off);
    lamp_action_clear(&r->power_on);
    lamp_action_clear(&r->telemetry);
    g_free(r);
}
