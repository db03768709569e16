/* Fuzz target: lampsim's load-profile parser (sim/load_profile.c), fed a
 * profile file's text.  Beyond crashes it checks what the profile runner
 * (sim/profile_runner.c) relies on: a refused profile leaves it empty with
 * an error that names a JSON path ("$..."); an accepted one does
 * something, its events are in time order with finite, non-negative
 * times and rates, within the cycle when the cycle repeats, its
 * telemetry period within the firmware's bounds; and the due counts of
 * its ramp and churn never go down as time goes on. */
#include "load_profile.h"
#include "telemetry_limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    return 0;
}

static bool ok_time(double t)
{
    return isfinite(t) && t >= 0;
}

static void check_due(double rate, double start, double end)
{
    guint64 last = 0;

    for (int i = 0; i <= 8; i++) {
        double t = start + (end > start ? (end - start) : 60.0) * i / 4.0;
        guint64 due = load_profile_due(rate, start, end, t);
        if (due < last)
            abort();
        last = due;
    }
}

static void check_profile(const struct load_profile *p)
{
    if (!p->ramp_target && !p->churn_per_minute && !p->n_events)
        abort();
    if (!ok_time(p->every_s) || !ok_time(p->ramp_start_s) || !ok_time(p->ramp_per_s) ||
        !ok_time(p->churn_per_minute) || !ok_time(p->churn_start_s) ||
        !ok_time(p->churn_end_s) || !ok_time(p->churn_off_s))
        abort();
    if (p->telemetry_s &&
        (p->telemetry_s < TELEMETRY_PERIOD_MIN_S || p->telemetry_s > TELEMETRY_PERIOD_MAX_S))
        abort();
    if (p->n_events > 0 && !p->events) /* ("events": [] leaves an empty array) */
        abort();
    for (guint i = 0; i < p->n_events; i++) {
        const struct profile_event *ev = &p->events[i];
        if (!ok_time(ev->at_s) || !ok_time(ev->unreachable_s) || !ok_time(ev->per_s) ||
            (i > 0 && ev->at_s < p->events[i - 1].at_s) ||
            (p->every_s > 0 && ev->at_s >= p->every_s) ||
            !strcmp(profile_event_kind_name(ev->kind), "?"))
            abort();
    }
    if (p->ramp_target)
        check_due(p->ramp_per_s, p->ramp_start_s, 0);
    if (p->churn_per_minute)
        check_due(p->churn_per_minute / 60.0, p->churn_start_s, p->churn_end_s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;
    struct load_profile p;

    if (load_profile_parse(text, &p, &error)) {
        if (error)
            abort();
        check_profile(&p);
        load_profile_clear(&p);
    } else {
        static const struct load_profile empty;
        if (!error || !g_str_has_prefix(error->message, "$") ||
            memcmp(&p, &empty, sizeof(p)) != 0)
            abort();
    }
    return 0;
}
