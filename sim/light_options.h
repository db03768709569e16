/* sim/light_options.h: the room a lamp is in (docs/hardware.md#light) as
 * `lampsim run` and `lampsim fleet` take it, declared and checked once:
 * --daylight, --occupied, --ambient-temp. */
#ifndef LAMPSIM_SIM_LIGHT_OPTIONS_H
#define LAMPSIM_SIM_LIGHT_OPTIONS_H

#include "machine.h"

#include <glib.h>

struct light_options {
    double daylight_lux;
    gboolean occupied;
    double ambient_temp_c;
};

/* The machine's default room. */
void light_options_init(struct light_options *o);
/* Adds the options to ctx's main group, their help speaking of one lamp
 * or of every lamp of a fleet. */
void light_options_add(GOptionContext *ctx, struct light_options *o, bool fleet);
/* The room the options give, checked (the error names the option). */
bool light_options_env(const struct light_options *o, struct machine_light_env *out,
                       GError **error);

#endif
