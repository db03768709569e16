/* sim/load_profile.c: a load profile's JSON, parsed and checked
 * (load_profile.h, docs/profiles.md). */
#include "load_profile.h"

#include "sim_error.h"
#include "telemetry_limits.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

/* Longest a profile's times may be: a year, so sums of them stay exact. */
#define MAX_SECONDS (366.0 * 24 * 3600)
#define MAX_LAMPS 1000000u

static bool fail(GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool fail(GError **error, const char *path, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "%s: %s", path, why);
    return false;
}

/* o is an object whose members are all in allowed (NULL-terminated),
 * each once. */
static bool check_object(const cJSON *o, const char *path, const char *const *allowed,
                         GError **error)
{
    if (!cJSON_IsObject(o))
        return fail(error, path, "must be an object");
    for (const cJSON *m = o->child; m; m = m->next) {
        g_autofree char *mpath = g_strdup_printf("%s.%s", path, m->string);
        const char *const *a;

        for (a = allowed; *a && strcmp(*a, m->string); a++)
            ;
        if (!*a) {
            g_autofree char *list = g_strjoinv(", ", (char **)allowed);
            return fail(error, mpath, "unknown key (%s takes %s)", path, list);
        }
        for (const cJSON *k = o->child; k != m; k = k->next)
            if (!strcmp(k->string, m->string))
                return fail(error, mpath, "given twice");
    }
    return true;
}

/* A number of seconds or a rate: finite, from lo to MAX_SECONDS; absent
 * leaves *out alone unless required. */
static bool get_number(const cJSON *o, const char *path, const char *key, bool required,
                       double lo, bool lo_open, double *out, GError **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    g_autofree char *kpath = g_strdup_printf("%s.%s", path, key);

    if (!v)
        return required ? fail(error, kpath, "missing (a number)") : true;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(error, kpath, "must be a number");
    if (v->valuedouble < 0)
        return fail(error, kpath, "%g is negative", v->valuedouble);
    if (v->valuedouble < lo || (lo_open && v->valuedouble == lo))
        return fail(error, kpath, "%g: must be %s %g", v->valuedouble, lo_open ? "more than" :
                    "at least", lo);
    if (v->valuedouble > MAX_SECONDS)
        return fail(error, kpath, "%g: more than a year (%.0f)", v->valuedouble, MAX_SECONDS);
    *out = v->valuedouble;
    return true;
}

static bool get_whole(const cJSON *o, const char *path, const char *key, double lo, double hi,
                      bool *given, double *out, GError **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    g_autofree char *kpath = g_strdup_printf("%s.%s", path, key);

    *given = v != NULL;
    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(error, kpath, "must be a number");
    if (v->valuedouble < 0)
        return fail(error, kpath, "%g is negative", v->valuedouble);
    if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
        return fail(error, kpath, "%g is not a whole number from %.0f to %.0f", v->valuedouble,
                    lo, hi);
    *out = v->valuedouble;
    return true;
}

static bool get_bool(const cJSON *o, const char *path, const char *key, bool *out, GError **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    g_autofree char *kpath = g_strdup_printf("%s.%s", path, key);

    if (!v)
        return true;
    if (!cJSON_IsBool(v))
        return fail(error, kpath, "must be true or false");
    *out = cJSON_IsTrue(v);
    return true;
}

/* {"lamps": N} or {"fraction": F} in o, at most one; neither: all. */
static bool get_pick(const cJSON *o, const char *path, struct fleet_pick *pick, GError **error)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "fraction");
    g_autofree char *fpath = g_strdup_printf("%s.fraction", path);
    bool given;
    double n = 0;

    if (!get_whole(o, path, "lamps", 1, MAX_LAMPS, &given, &n, error))
        return false;
    pick->count = (guint)n;
    if (!f)
        return true;
    if (given)
        return fail(error, fpath, "give lamps or fraction, not both");
    if (!cJSON_IsNumber(f) || !isfinite(f->valuedouble))
        return fail(error, fpath, "must be a number");
    if (f->valuedouble <= 0 || f->valuedouble > 1)
        return fail(error, fpath, "%g: must be more than 0 and at most 1", f->valuedouble);
    pick->fraction = f->valuedouble;
    return true;
}

static bool parse_repeat(const cJSON *r, struct load_profile *p, GError **error)
{
    static const char *const keys[] = { "every_s", "times", NULL };
    bool given;
    double times = 0;

    if (!r)
        return true;
    if (!check_object(r, "$.repeat", keys, error) ||
        !get_number(r, "$.repeat", "every_s", true, 0, true, &p->every_s, error) ||
        !get_whole(r, "$.repeat", "times", 0, MAX_LAMPS, &given, &times, error))
        return false;
    if (!given)
        return fail(error, "$.repeat.times", "missing (how many cycles; 0: until stopped)");
    p->times = (guint)times;
    return true;
}

static bool parse_ramp(const cJSON *r, struct load_profile *p, GError **error)
{
    static const char *const keys[] = { "start_s", "per_s", "target", NULL };
    bool given;
    double target = 0;

    if (!r)
        return true;
    if (!check_object(r, "$.ramp", keys, error) ||
        !get_number(r, "$.ramp", "start_s", false, 0, false, &p->ramp_start_s, error) ||
        !get_number(r, "$.ramp", "per_s", true, 0, true, &p->ramp_per_s, error) ||
        !get_whole(r, "$.ramp", "target", 1, MAX_LAMPS, &given, &target, error))
        return false;
    if (!given)
        return fail(error, "$.ramp.target", "missing (the number of lamps to ramp up to)");
    p->ramp_target = (guint)target;
    return true;
}

static bool parse_churn(const cJSON *c, struct load_profile *p, GError **error)
{
    static const char *const keys[] = { "per_minute", "start_s", "end_s", "off_s", NULL };

    if (!c)
        return true;
    if (!check_object(c, "$.churn", keys, error) ||
        !get_number(c, "$.churn", "per_minute", true, 0, true, &p->churn_per_minute, error) ||
        !get_number(c, "$.churn", "start_s", false, 0, false, &p->churn_start_s, error) ||
        !get_number(c, "$.churn", "end_s", false, 0, true, &p->churn_end_s, error) ||
        !get_number(c, "$.churn", "off_s", false, 0, false, &p->churn_off_s, error))
        return false;
    if (p->churn_end_s && p->churn_end_s <= p->churn_start_s)
        return fail(error, "$.churn.end_s", "%g is not after start_s (%g)", p->churn_end_s,
                    p->churn_start_s);
    if (p->every_s && p->churn_end_s > p->every_s)
        return fail(error, "$.churn.end_s", "%g is past the cycle's end (repeat.every_s %g)",
                    p->churn_end_s, p->every_s);
    if (p->every_s && p->churn_start_s >= p->every_s)
        return fail(error, "$.churn.start_s", "%g is not inside the cycle (repeat.every_s %g)",
                    p->churn_start_s, p->every_s);
    return true;
}

/* The lamp action an event carries, checked by the action parser itself
 * (its message starts with the member it names). */
static bool event_action(const char *name, cJSON *body, const char *path, struct lamp_action *a,
                         GError **error)
{
    char *text = cJSON_PrintUnformatted(body);
    GError *why = NULL;
    bool ok = lamp_action_parse(name, text, a, &why);

    cJSON_free(text);
    if (!ok) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "%s.%s", path, why->message);
        g_error_free(why);
    }
    return ok;
}

static bool parse_event(const cJSON *e, const char *path, struct profile_event *ev, GError **error)
{
    static const char *const storm[] = { "at_s", "type", "drop", "unreachable_s", NULL };
    static const char *const ota[] = { "at_s", "type", "image", "lamps", "fraction", NULL };
    static const char *const commission[] = { "at_s", "type", "ssid", "passphrase", "per_s",
                                              "lamps", "fraction", NULL };
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
    g_autofree char *tpath = g_strdup_printf("%s.type", path);
    cJSON *body;
    bool ok;

    if (!cJSON_IsObject(e))
        return fail(error, path, "must be an object");
    if (!type)
        return fail(error, tpath, "missing (storm, ota or commission)");
    if (!cJSON_IsString(type))
        return fail(error, tpath, "must be a string (storm, ota or commission)");
    if (!strcmp(type->valuestring, "storm")) {
        ev->kind = PROFILE_EV_STORM;
        ev->drop = true;
        if (!check_object(e, path, storm, error) ||
            !get_number(e, path, "at_s", true, 0, false, &ev->at_s, error) ||
            !get_bool(e, path, "drop", &ev->drop, error) ||
            !get_number(e, path, "unreachable_s", false, 0, false, &ev->unreachable_s, error))
            return false;
        if (!ev->drop && ev->unreachable_s == 0)
            return fail(error, path, "a storm that neither drops connections nor makes the "
                        "broker unreachable does nothing (drop true, or unreachable_s > 0)");
        return true;
    }
    if (!strcmp(type->valuestring, "ota")) {
        ev->kind = PROFILE_EV_OTA;
        if (!check_object(e, path, ota, error) ||
            !get_number(e, path, "at_s", true, 0, false, &ev->at_s, error) ||
            !get_pick(e, path, &ev->lamps, error))
            return false;
        body = cJSON_CreateObject();
        if (cJSON_GetObjectItemCaseSensitive(e, "image"))
            cJSON_AddItemToObject(body, "image",
                                  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "image"), 1));
        ok = event_action("update", body, path, &ev->action, error);
        cJSON_Delete(body);
        return ok;
    }
    if (!strcmp(type->valuestring, "commission")) {
        ev->kind = PROFILE_EV_COMMISSION;
        if (!check_object(e, path, commission, error) ||
            !get_number(e, path, "at_s", true, 0, false, &ev->at_s, error) ||
            !get_number(e, path, "per_s", true, 0, true, &ev->per_s, error) ||
            !get_pick(e, path, &ev->lamps, error))
            return false;
        body = cJSON_CreateObject();
        for (const char *const *k = (const char *const[]){ "ssid", "passphrase", NULL }; *k; k++)
            if (cJSON_GetObjectItemCaseSensitive(e, *k))
                cJSON_AddItemToObject(body, *k,
                                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, *k), 1));
        ok = event_action("commission", body, path, &ev->action, error);
        cJSON_Delete(body);
        return ok;
    }
    return fail(error, tpath, "'%s' is no event type (storm, ota, commission)", type->valuestring);
}

/* What an event occupies of its cycle: a storm's unreachable window ends
 * inside it. */
static double event_end(const struct profile_event *ev)
{
    return ev->at_s + (ev->kind == PROFILE_EV_STORM ? ev->unreachable_s : 0);
}

static bool parse_events(const cJSON *list, struct load_profile *p, GError **error)
{
    guint n;

    if (!list)
        return true;
    if (!cJSON_IsArray(list))
        return fail(error, "$.events", "must be an array of events");
    n = (guint)cJSON_GetArraySize(list);
    p->events = g_new0(struct profile_event, n ? n : 1);
    for (const cJSON *e = list->child; e; e = e->next) {
        struct profile_event *ev = &p->events[p->n_events];
        g_autofree char *path = g_strdup_printf("$.events[%u]", p->n_events);
        g_autofree char *at = g_strdup_printf("%s.at_s", path);

        if (!parse_event(e, path, ev, error))
            return false;
        p->n_events++;
        if (p->n_events > 1 && ev->at_s < ev[-1].at_s)
            return fail(error, at, "%g is before the event above it (%g); list events in "
                        "time order", ev->at_s, ev[-1].at_s);
        if (p->every_s && ev->at_s >= p->every_s)
            return fail(error, at, "%g is not inside the cycle (repeat.every_s %g)", ev->at_s,
                        p->every_s);
        if (p->every_s && event_end(ev) > p->every_s) {
            g_autofree char *un = g_strdup_printf("%s.unreachable_s", path);
            return fail(error, un, "the broker would still be unreachable at the cycle's "
                        "end (%g + %g > repeat.every_s %g)", ev->at_s, ev->unreachable_s,
                        p->every_s);
        }
    }
    /* storms do not overlap: one's end is another's start otherwise */
    for (guint i = 0, last = G_MAXUINT; i < p->n_events; i++) {
        if (p->events[i].kind != PROFILE_EV_STORM)
            continue;
        if (last != G_MAXUINT && p->events[i].at_s < event_end(&p->events[last])) {
            g_autofree char *at = g_strdup_printf("$.events[%u].at_s", i);
            return fail(error, at, "%g is inside the storm of events[%u] (unreachable until "
                        "%g); storms may not overlap", p->events[i].at_s, last,
                        event_end(&p->events[last]));
        }
        last = i;
    }
    return true;
}

bool load_profile_parse(const char *text, struct load_profile *p, GError **error)
{
    static const char *const keys[] = { "seed", "repeat", "ramp", "telemetry_interval_s",
                                        "churn", "events", NULL };
    const char *end = NULL;
    cJSON *root;
    bool given, ok;
    double seed = 0, telemetry_s = 0;

    memset(p, 0, sizeof(*p));
    root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        guint line = 1, col = 1;
        for (const char *c = text; end && c < end && *c; c++, col++)
            if (*c == '\n')
                line++, col = 0;
        return fail(error, "$", "not JSON (at line %u, column %u)", line, col);
    }
    ok = check_object(root, "$", keys, error) &&
         get_whole(root, "$", "seed", 0, 9007199254740991.0, &given, &seed, error) &&
         parse_repeat(cJSON_GetObjectItemCaseSensitive(root, "repeat"), p, error) &&
         parse_ramp(cJSON_GetObjectItemCaseSensitive(root, "ramp"), p, error) &&
         /* the lamp's own bounds: it would refuse any other period */
         get_whole(root, "$", "telemetry_interval_s", TELEMETRY_PERIOD_MIN_S,
                   TELEMETRY_PERIOD_MAX_S, &given, &telemetry_s, error) &&
         parse_churn(cJSON_GetObjectItemCaseSensitive(root, "churn"), p, error) &&
         parse_events(cJSON_GetObjectItemCaseSensitive(root, "events"), p, error);
    p->seed = (uint64_t)seed;
    p->telemetry_s = (guint)telemetry_s;
    if (ok && !p->ramp_target && !p->churn_per_minute && !p->n_events)
        ok = fail(error, "$", "the profile does nothing (give a ramp, churn or events)");
    cJSON_Delete(root);
    if (!ok)
        load_profile_clear(p);
    return ok;
}

void load_profile_clear(struct load_profile *p)
{
    for (guint i = 0; i < p->n_events; i++)
        lamp_action_clear(&p->events[i].action);
    g_free(p->events);
    memset(p, 0, sizeof(*p));
}

const char *profile_event_kind_name(enum profile_event_kind k)
{
    switch (k) {
    case PROFILE_EV_STORM: return "storm";
    case PROFILE_EV_OTA: return "ota";
    case PROFILE_EV_COMMISSION: return "commission";
    }
    return "?";
}

guint64 load_profile_due(double rate_per_s, double start_s, double end_s, double t)
{
    double due;

    if (t < start_s || rate_per_s <= 0)
        return 0;
    if (end_s > start_s && t >= end_s)
        /* the last one is the one before end_s */
        return (guint64)ceil(rate_per_s * (end_s - start_s) - 1e-9);
    due = floor(rate_per_s * (t - start_s) + 1e-9) + 1;
    if (end_s > start_s)
        due = MIN(due, ceil(rate_per_s * (end_s - start_s) - 1e-9));
    return (guint64)due;
}
