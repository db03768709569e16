/* sim/load_profile.h: a load profile (docs/profiles.md): how a served
 * fleet behaves over time: a ramp of new lamps, churn (power cycles),
 * storms, OTA campaigns and commissioning waves at times from the start,
 * in a cycle that may repeat.  The parser takes the file's text and does
 * no I/O, so every check is unit-testable; each failure names the JSON
 * path of the field ("$.events[2].at_s: ...").  Running one:
 * profile_runner.h. */
#ifndef LAMPSIM_SIM_LOAD_PROFILE_H
#define LAMPSIM_SIM_LOAD_PROFILE_H

#include "fleet_action.h"
#include "lamp_action.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

enum profile_event_kind {
    PROFILE_EV_STORM,       /* every connection dropped; the broker refused for a while */
    PROFILE_EV_OTA,         /* the update action on some lamps */
    PROFILE_EV_COMMISSION,  /* the commission action on some lamps, per_s a second */
};

struct profile_event {
    enum profile_event_kind kind;
    double at_s;                 /* from the start of the cycle */
    /* storm */
    bool drop;                   /* drop every open connection at at_s */
    double unreachable_s;        /* 0, or refuse new connections this long */
    /* ota, commission: all lamps there at at_s, or a count or fraction
     * of them (chosen by the profile's seeded generator) */
    struct fleet_pick lamps;
    double per_s;                /* commission: lamps a second */
    struct lamp_action action;   /* update or commission, parsed and checked */
};

struct load_profile {
    uint64_t seed;               /* the generator that picks lamps */
    /* the repeated cycle: every_s long, times times (0: until stopped);
     * every_s 0: one cycle without end */
    double every_s;
    guint times;
    /* ramp (once, not repeated): from start_s, per_s new lamps a second
     * until target lamps are there; target 0: no ramp */
    double ramp_start_s, ramp_per_s;
    guint ramp_target;
    /* churn (each cycle): per_minute lamps power-cycled from start_s to
     * end_s (0: the cycle's end), each off for off_s (0: an instant
     * power cycle, the reboot action) */
    double churn_per_minute, churn_start_s, churn_end_s, churn_off_s;
    /* the lamps' telemetry period, within the firmware's bounds
     * (telemetry_limits.h); 0: not stated, the lamps keep theirs */
    guint telemetry_s;
    /* events in time order */
    struct profile_event *events;
    guint n_events;
};

/* Parses text into p (cleared first); false with SIM_ERROR_ARGS and
 * "PATH: reason" otherwise, p then empty. */
bool load_profile_parse(const char *text, struct load_profile *p, GError **error);
void load_profile_clear(struct load_profile *p);

const char *profile_event_kind_name(enum profile_event_kind k);

/* How many of a steady flow are due by time t: rate_per_s from start_s
 * until end_s (0: no end), the first at start_s itself, then one every
 * 1 / rate_per_s seconds (a ramp, churn in one cycle, a wave). */
guint64 load_profile_due(double rate_per_s, double start_s, double end_s, double t);

#endif
