/* sim/light_options.c: --daylight, --occupied, --ambient-temp (light_options.h). */
#include "light_options.h"

void light_options_init(struct light_options *o)
{
    struct machine_light_env env = MACHINE_LIGHT_ENV_DEFAULT;

    *o = (struct light_options){ env.daylight_lux, env.occupied, env.ambient_temp_c };
}

void light_options_add(GOptionContext *ctx, struct light_options *o, bool fleet)
{
    /* GLib keeps pointers to the help texts: they are static. */
    static const char *const help[2][3] = {
        { "Daylight the lamp's ambient-light sensor sees, in lux (default 0: a dark room; the "
          "lamp's own light adds about 110 lx at full output)",
          "Someone moves in the lamp's room all the time: its occupancy sensor stays triggered "
          "(default: an empty room)",
          "Air temperature around the lamp's LED driver, in degC (default 25); the driver runs "
          "about 45 degC above it at full output, and its over-temperature flag trips at 85 "
          "degC" },
        { "Daylight every lamp's ambient-light sensor sees, in lux (default 0: dark rooms; a "
          "lamp's own light adds about 110 lx at full output)",
          "Someone moves in every lamp's room all the time: their occupancy sensors stay "
          "triggered (default: empty rooms)",
          "Air temperature around every lamp's LED driver, in degC (default 25); a driver runs "
          "about 45 degC above it at full output, and its over-temperature flag trips at 85 "
          "degC" },
    };
    GOptionEntry entries[] = {
        { "daylight", 0, 0, G_OPTION_ARG_DOUBLE, &o->daylight_lux, help[fleet][0], "LUX" },
        { "occupied", 0, 0, G_OPTION_ARG_NONE, &o->occupied, help[fleet][1], NULL },
        { "ambient-temp", 0, 0, G_OPTION_ARG_DOUBLE, &o->ambient_temp_c, help[fleet][2], "C" },
        G_OPTION_ENTRY_NULL,
    };

    g_option_context_add_main_entries(ctx, entries, NULL);
}

bool light_options_env(const struct light_options *o, struct machine_light_env *out,
                       GError **error)
{
    struct machine_light_env env = MACHINE_LIGHT_ENV_DEFAULT;

    env.daylight_lux = o->daylight_lux;
    if (!machine_light_env_valid(&env, error)) {
        g_prefix_error(error, "--daylight: ");
        return false;
    }
    env.ambient_temp_c = o->ambient_temp_c;
    if (!machine_light_env_valid(&env, error)) {
        g_prefix_error(error, "--ambient-temp: ");
        return false;
    }
    env.occupied = o->occupied;
    *out = env;
    return true;
}
