/* sim/shard.h: the part of a whole fleet one process runs when the fleet
 * is split over several processes or pods (docs/scale.md#shards),
 * declared and checked once for every command that runs a fleet:
 * --shard INDEX/COUNT, or an Indexed Job's JOB_COMPLETION_INDEX with the
 * count from --shards or LAMPSIM_SHARDS.
 *
 * Lamp i of the fleet (its state directory lamp-NNNN, its seed, its
 * serial) belongs to shard i mod COUNT.  Dealt round-robin rather than in
 * ranges, so that growing the fleet (a larger --count, same shards) keeps
 * every existing lamp on the shard whose state directory holds it, and
 * the first lamps of a fleet are spread over every shard. */
#ifndef LAMPSIM_SIM_SHARD_H
#define LAMPSIM_SIM_SHARD_H

#include <glib.h>
#include <stdbool.h>

/* Set by Kubernetes in each pod of an Indexed Job: 0 .. completions - 1. */
#define SHARD_INDEX_ENV "JOB_COMPLETION_INDEX"
/* The shard count, when not given with --shards (deploy/k8s sets it to
 * the Job's completions). */
#define SHARD_COUNT_ENV "LAMPSIM_SHARDS"
#define SHARD_COUNT_MAX 100000

struct shard {
    guint index, count; /* 0/1: the whole fleet */
    bool sharded;       /* a shard was asked for (even 0/1): serials follow the lamp number */
};

/* What the options hold after parsing. */
struct shard_options {
    char *spec; /* --shard INDEX/COUNT */
    int count;  /* --shards COUNT, 0 if not given */
};
typedef struct shard_options shard_options; /* for g_auto(shard_options) */

/* Adds --shard and --shards to ctx's main group (their values go to o). */
void shard_options_add(GOptionContext *ctx, struct shard_options *o);
void shard_options_clear(struct shard_options *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(shard_options, shard_options_clear)

/* The shard the options and the environment give, checked against a
 * fleet of fleet_size lamps: --shard wins; else JOB_COMPLETION_INDEX with
 * --shards or LAMPSIM_SHARDS; else the whole fleet.  A value out of range,
 * one half of the pair without the other, or a shard that would own no
 * lamp is an error naming the option or variable, its value and the fix. */
bool shard_options_resolve(const struct shard_options *o, guint fleet_size, struct shard *out,
                           GError **error);
/* The same with the two environment variables' values given (NULL: unset). */
bool shard_resolve(const struct shard_options *o, const char *index_env, const char *count_env,
                   guint fleet_size, struct shard *out, GError **error);

/* How many lamps of a fleet of fleet_size the shard owns. */
guint shard_lamp_count(const struct shard *s, guint fleet_size);
/* The fleet's number of the shard's j-th lamp (j < shard_lamp_count). */
static inline guint shard_lamp_number(const struct shard *s, guint j)
{
    return s ? s->index + j * s->count : j;
}

#endif
