/* sim/shard.c: --shard, --shards, JOB_COMPLETION_INDEX (shard.h). */
#include "shard.h"

#include "sim_error.h"

void shard_options_add(GOptionContext *ctx, struct shard_options *o)
{
    GOptionEntry entries[] = {
        { "shard", 0, 0, G_OPTION_ARG_STRING, &o->spec,
          "Run only shard INDEX (0 to COUNT-1) of a fleet split into COUNT shards: lamp i of "
          "the --count lamps belongs to shard i mod COUNT (default: the shard an Indexed "
          "Job's JOB_COMPLETION_INDEX names, else the whole fleet)", "INDEX/COUNT" },
        { "shards", 0, 0, G_OPTION_ARG_INT, &o->count,
          "With JOB_COMPLETION_INDEX set (a pod of a Kubernetes Indexed Job): the number of "
          "shards, the Job's completions (default: the environment variable LAMPSIM_SHARDS)",
          "COUNT" },
        G_OPTION_ENTRY_NULL,
    };

    g_option_context_add_main_entries(ctx, entries, NULL);
}

void shard_options_clear(struct shard_options *o)
{
    g_clear_pointer(&o->spec, g_free);
}

static bool args_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool args_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    GError *e;

    va_start(ap, fmt);
    e = g_error_new_valist(SIM_ERROR, SIM_ERROR_ARGS, fmt, ap);
    va_end(ap);
    g_propagate_error(error, e);
    return false;
}

/* A decimal number in [min, max], nothing else (no sign, no spaces). */
static bool parse_number(const char *text, guint min, guint max, guint *out)
{
    guint64 v;

    if (!text || !g_ascii_isdigit(text[0]) ||
        !g_ascii_string_to_unsigned(text, 10, min, max, &v, NULL))
        return false;
    *out = (guint)v;
    return true;
}

static bool parse_spec(const char *spec, struct shard *out, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(spec, "/", 3);

    if (g_strv_length(parts) != 2 || !parse_number(parts[1], 1, SHARD_COUNT_MAX, &out->count))
        return args_error(error, "--shard %s: expected INDEX/COUNT, e.g. 0/3, with COUNT "
                          "from 1 to %u", spec, SHARD_COUNT_MAX);
    if (!parse_number(parts[0], 0, out->count - 1, &out->index))
        return args_error(error, "--shard %s: INDEX must be a number from 0 to %u (COUNT - 1)",
                          spec, out->count - 1);
    return true;
}

static bool from_environment(const struct shard_options *o, const char *index_env,
                             const char *count_env, struct shard *out, GError **error)
{
    if (o->count) {
        if (o->count < 1 || o->count > SHARD_COUNT_MAX)
            return args_error(error, "--shards %d: must be from 1 to %u", o->count,
                              SHARD_COUNT_MAX);
        out->count = (guint)o->count;
    } else if (!parse_number(count_env, 1, SHARD_COUNT_MAX, &out->count)) {
        return args_error(error, SHARD_COUNT_ENV "=%s: must be a number from 1 to %u (the "
                          "Job's completions)", count_env ? count_env : "", SHARD_COUNT_MAX);
    }
    if (!parse_number(index_env, 0, out->count - 1, &out->index))
        return args_error(error, SHARD_INDEX_ENV "=%s: must be a number from 0 to %u, below "
                          "the shard count %u (%s); are completions and the shard count the "
                          "same?", index_env, out->count - 1, out->count,
                          o->count ? "--shards" : SHARD_COUNT_ENV);
    return true;
}

bool shard_resolve(const struct shard_options *o, const char *index_env, const char *count_env,
                   guint fleet_size, struct shard *out, GError **error)
{
    struct shard s = { .index = 0, .count = 1, .sharded = true };

    if (o->spec && o->count)
        return args_error(error, "--shard and --shards together: give --shard INDEX/COUNT, "
                          "or --shards COUNT with " SHARD_INDEX_ENV " set");
    if (o->spec) {
        if (!parse_spec(o->spec, &s, error))
            return false;
    } else if (index_env) {
        if (!o->count && !count_env)
            return args_error(error, SHARD_INDEX_ENV "=%s is set (a pod of an Indexed Job) but "
                              "not the shard count: give --shards COUNT or set " SHARD_COUNT_ENV
                              " to the Job's completions", index_env);
        if (!from_environment(o, index_env, count_env, &s, error))
            return false;
    } else if (o->count || count_env) {
        g_autofree char *given = o->count ? g_strdup_printf("--shards %d", o->count)
                                          : g_strdup_printf(SHARD_COUNT_ENV "=%s", count_env);
        return args_error(error, "%s is given but " SHARD_INDEX_ENV " is not set: outside an "
                          "Indexed Job, give --shard INDEX/COUNT", given);
    } else {
        s.sharded = false;
    }
    if (s.index >= fleet_size)
        return args_error(error, "shard %u of %u owns no lamp of a fleet of %u (lamp i belongs "
                          "to shard i mod %u): run at most %u shards, or more lamps (--count)",
                          s.index, s.count, fleet_size, s.count, fleet_size);
    *out = s;
    return true;
}

bool shard_options_resolve(const struct shard_options *o, guint fleet_size, struct shard *out,
                           GError **error)
{
    return shard_resolve(o, g_getenv(SHARD_INDEX_ENV), g_getenv(SHARD_COUNT_ENV), fleet_size,
                         out, error);
}

guint shard_lamp_count(const struct shard *s, guint fleet_size)
{
    if (!s)
        return fleet_size;
    return s->index < fleet_size ? (fleet_size - s->index + s->count - 1) / s->count : 0;
}
