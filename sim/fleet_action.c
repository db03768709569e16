/* sim/fleet_action.c: one lamp action on many lamps (fleet_action.h). */
#include "fleet_action.h"

#include "sim_error.h"
#include "twin.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

static bool parse_power(const char *s, enum machine_state *out)
{
    for (int i = MACHINE_OFF; i <= MACHINE_HALTED; i++)
        if (!strcmp(s, twin_power_name(i))) {
            *out = i;
            return true;
        }
    return false;
}

static bool parse_pick(const cJSON *o, struct fleet_pick *pick, GError **error)
{
    const cJSON *v;

    if (!cJSON_IsObject(o))
        return sim_error_args(error, "lamps: must be an object, e.g. {\"fraction\": 0.5} or "
                              "{\"network\": \"online\", \"count\": 10}");
    for (const cJSON *m = o->child; m; m = m->next)
        if (strcmp(m->string, "network") && strcmp(m->string, "power") &&
            strcmp(m->string, "count") && strcmp(m->string, "fraction"))
            return sim_error_args(error, "lamps.%s: unknown member (lamps takes network, "
                                  "power, count, fraction)", m->string);
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "network"))) {
        int s = cJSON_IsString(v) ? twin_netstate_from_name(v->valuestring) : -1;
        if (s < 0)
            return sim_error_args(error, "lamps.network: must be a network state (off, "
                                  "no-creds, joining, dialing, mqtt-connect, online, "
                                  "backoff, failed)");
        pick->by_network = true;
        pick->network = (uint32_t)s;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "power"))) {
        if (!cJSON_IsString(v) || !parse_power(v->valuestring, &pick->power))
            return sim_error_args(error, "lamps.power: must be a power state (off, "
                                  "runnable, sleeping, locked-up)");
        pick->by_power = true;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "count"))) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
            v->valuedouble < 1 || v->valuedouble > 1e6)
            return sim_error_args(error, "lamps.count: must be a whole number from 1 to 1000000");
        pick->count = (guint)v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "fraction"))) {
        if (pick->count)
            return sim_error_args(error, "lamps.fraction: give count or fraction, not both");
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0 && v->valuedouble <= 1))
            return sim_error_args(error, "lamps.fraction: must be a number more than 0 "
                                  "and at most 1");
        pick->fraction = v->valuedouble;
    }
    return true;
}

bool fleet_action_parse(const char *name, const char *body, struct fleet_action *out,
                        GError **error)
{
    cJSON *o, *lamps;
    char *rest;
    bool ok;

    memset(out, 0, sizeof(*out));
    if (!body || !*body)
        body = "{}";
    /* an unknown action first: its error is the route's, not the body's */
    if (lamp_action_from_name(name) < 0)
        return lamp_action_parse(name, NULL, &out->action, error);
    o = cJSON_Parse(body);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return sim_error_args(error, "body: must be a JSON object (the action's "
                              "members, and lamps)");
    }
    lamps = cJSON_DetachItemFromObjectCaseSensitive(o, "lamps");
    ok = !lamps || parse_pick(lamps, &out->pick, error);
    rest = cJSON_PrintUnformatted(o);
    ok = ok && lamp_action_parse(name, rest, &out->action, error);
    cJSON_free(rest);
    cJSON_Delete(lamps);
    cJSON_Delete(o);
    return ok;
}

void fleet_action_clear(struct fleet_action *fa)
{
    lamp_action_clear(&fa->action);
}

static gint by_value(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;
    return x < y ? -1 : x > y;
}

GArray *fleet_pick_lamps(struct fleet *f, const struct fleet_pick *pick, GRand *rng)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
    guint want;

    if (pick->by_network || pick->by_power) {
        g_autoptr(GArray) all = fleet_twin_all(f);
        for (guint i = 0; i < all->len; i++) {
            const struct twin_record *r = &g_array_index(all, struct twin_record, i);
            if ((pick->by_network && r->netstate != pick->network) ||
                (pick->by_power && r->power != pick->power) || !fleet_lamp(f, r->index))
                continue;
            g_array_append_val(out, r->index);
        }
        g_array_sort(out, by_value);
    } else {
        for (guint i = 0; i < fleet_count(f); i++)
            if (fleet_lamp(f, i))
                g_array_append_val(out, i);
    }
    want = pick->count ? MIN(pick->count, out->len)
         : pick->fraction ? (guint)ceil(pick->fraction * out->len)
         : out->len;
    /* a partial Fisher-Yates shuffle: the first want are a uniform choice */
    for (guint i = 0; i < want && want < out->len; i++) {
        guint j = i + (guint)(rng ? g_rand_int_range(rng, 0, (gint32)(out->len - i))
                                  : g_random_int_range(0, (gint32)(out->len - i)));
        guint t = g_array_index(out, guint, i);
        g_array_index(out, guint, i) = g_array_index(out, guint, j);
        g_array_index(out, guint, j) = t;
    }
    g_array_set_size(out, want);
    g_array_sort(out, by_value);
    return out;
}

struct apply_job {
    const struct lamp_action *action;
    GError *error;
};

static void apply_on_worker(struct lamp *lamp, struct twin_table *twin, gpointer data)
{
    struct apply_job *job = data;

    if (!lamp_action_apply(lamp, twin, job->action, &job->error))
        g_prefix_error(&job->error, "%s: ", lamp_serial(lamp));
}

void fleet_action_apply(struct fleet *f, const GArray *lamps, const struct lamp_action *a,
                        struct fleet_action_result *res)
{
    for (guint i = 0; i < lamps->len; i++) {
        struct apply_job job = { a, NULL };

        if (!fleet_call(f, g_array_index(lamps, guint, i), apply_on_worker, &job))
            continue;
        if (!job.error) {
            res->applied++;
            continue;
        }
        res->failed++;
        if (!res->first_error)
            res->first_error = job.error;
        else
            g_error_free(job.error);
    }
}

void fleet_action_result_clear(struct fleet_action_result *res)
{
    g_clear_error(&res->first_error);
    res->applied = res->failed = 0;
}
