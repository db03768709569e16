/* tests/unit/sim/test_shard.c: which shard a lampsim process runs
 * (sim/shard.c).  A table of what the options and an Indexed Job's
 * environment hold, and the shard or the error that follows; then, over
 * many fleet sizes and shard counts, the shards' lamps are the whole fleet
 * with no lamp twice. */
#include "shard.h"

#include "sim_error.h"

#include <CUnit/Basic.h>
#include <string.h>

G_DEFINE_QUARK(lampsim-error-quark, sim_error)

struct resolve_case {
    const char *what;
    const char *spec;      /* --shard */
    int count;             /* --shards */
    const char *index_env; /* JOB_COMPLETION_INDEX */
    const char *count_env; /* LAMPSIM_SHARDS */
    guint fleet;           /* --count */
    /* the shard, or the error's words (NULL: no error) */
    guint index, shards;
    bool sharded;
    const char *error;
};

static const struct resolve_case cases[] = {
    { "nothing given: the whole fleet", NULL, 0, NULL, NULL, 10, 0, 1, false, NULL },
    { "--shard 1/3", "1/3", 0, NULL, NULL, 10, 1, 3, true, NULL },
    { "--shard 0/1 is sharded all the same", "0/1", 0, NULL, NULL, 10, 0, 1, true, NULL },
    { "--shard wins over the environment", "2/3", 0, "0", "5", 10, 2, 3, true, NULL },
    { "the Job's index with LAMPSIM_SHARDS", NULL, 0, "2", "3", 30, 2, 3, true, NULL },
    { "the Job's index with --shards", NULL, 4, "3", NULL, 30, 3, 4, true, NULL },
    { "--shards wins over LAMPSIM_SHARDS", NULL, 4, "3", "2", 30, 3, 4, true, NULL },
    { "the last shard owning one lamp", "9/10", 0, NULL, NULL, 10, 9, 10, true, NULL },
    { "index equal to the count", "3/3", 0, NULL, NULL, 10, 0, 0, false,
      "--shard 3/3: INDEX must be a number from 0 to 2" },
    { "a negative index", "-1/3", 0, NULL, NULL, 10, 0, 0, false,
      "--shard -1/3: INDEX must be a number from 0 to 2" },
    { "no shards", "0/0", 0, NULL, NULL, 10, 0, 0, false, "--shard 0/0: expected INDEX/COUNT" },
    { "not a pair", "1", 0, NULL, NULL, 10, 0, 0, false, "--shard 1: expected INDEX/COUNT" },
    { "three parts", "1/2/3", 0, NULL, NULL, 10, 0, 0, false,
      "--shard 1/2/3: expected INDEX/COUNT" },
    { "a sign", "+1/3", 0, NULL, NULL, 10, 0, 0, false, "--shard +1/3: INDEX must be" },
    { "letters", "a/b", 0, NULL, NULL, 10, 0, 0, false, "--shard a/b: expected INDEX/COUNT" },
    { "too many shards", "0/100001", 0, NULL, NULL, 10, 0, 0, false,
      "COUNT from 1 to 100000" },
    { "both options", "1/3", 3, NULL, NULL, 10, 0, 0, false, "--shard and --shards together" },
    { "the index without a count", NULL, 0, "2", NULL, 10, 0, 0, false,
      "JOB_COMPLETION_INDEX=2 is set (a pod of an Indexed Job) but not the shard count" },
    { "a count without the index", NULL, 3, NULL, NULL, 10, 0, 0, false,
      "--shards 3 is given but JOB_COMPLETION_INDEX is not set" },
    { "LAMPSIM_SHARDS without the index", NULL, 0, NULL, "3", 10, 0, 0, false,
      "LAMPSIM_SHARDS=3 is given but JOB_COMPLETION_INDEX is not set" },
    { "the index past the count", NULL, 0, "3", "3", 10, 0, 0, false,
      "JOB_COMPLETION_INDEX=3: must be a number from 0 to 2, below the shard count 3 "
      "(LAMPSIM_SHARDS)" },
    { "an empty index", NULL, 0, "", "3", 10, 0, 0, false, "JOB_COMPLETION_INDEX=: must be" },
    { "a count that is not a number", NULL, 0, "1", "three", 10, 0, 0, false,
      "LAMPSIM_SHARDS=three: must be a number from 1 to 100000" },
    { "a count of zero", NULL, 0, "0", "0", 10, 0, 0, false, "LAMPSIM_SHARDS=0: must be" },
    { "--shards 0 is not given, so LAMPSIM_SHARDS counts", NULL, 0, "1", "2", 10, 1, 2, true,
      NULL },
    { "--shards out of range", NULL, -2, "1", NULL, 10, 0, 0, false,
      "--shards -2: must be from 1 to 100000" },
    { "a shard with no lamp", "5/8", 0, NULL, NULL, 3, 0, 0, false,
      "shard 5 of 8 owns no lamp of a fleet of 3" },
};

static void test_resolve_table(void)
{
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        const struct resolve_case *t = &cases[c];
        struct shard_options o = { .spec = (char *)t->spec, .count = t->count };
        struct shard s = { 99, 99, false };
        g_autoptr(GError) error = NULL;
        bool ok = shard_resolve(&o, t->index_env, t->count_env, t->fleet, &s, &error);

        if (t->error) {
            if (ok || !strstr(error->message, t->error)) {
                fprintf(stderr, "\n  %s: expected an error with \"%s\", got %s\n", t->what,
                        t->error, ok ? "none" : error->message);
                CU_FAIL(t->what);
            } else {
                CU_ASSERT_EQUAL(error->domain, SIM_ERROR);
                CU_ASSERT_EQUAL(error->code, SIM_ERROR_ARGS);
            }
            continue;
        }
        if (!ok || s.index != t->index || s.count != t->shards || s.sharded != t->sharded) {
            fprintf(stderr, "\n  %s: expected %u/%u%s, got %s%u/%u%s\n", t->what, t->index,
                    t->shards, t->sharded ? " sharded" : "", ok ? "" : error->message, s.index,
                    s.count, s.sharded ? " sharded" : "");
            CU_FAIL(t->what);
        }
    }
}

/* Every lamp of every fleet size is in exactly one shard, at the place
 * shard_lamp_number says, for every shard count up to the fleet's size. */
static void test_shards_partition_the_fleet(void)
{
    for (guint fleet = 1; fleet <= 40; fleet++) {
        for (guint count = 1; count <= fleet; count++) {
            g_autofree guint *owner = g_new0(guint, fleet);
            guint total = 0;

            for (guint k = 0; k < count; k++) {
                struct shard s = { k, count, true };
                guint n = shard_lamp_count(&s, fleet);

                /* shards differ by one lamp at most, the first ones larger */
                CU_ASSERT(n == fleet / count || n == fleet / count + 1);
                CU_ASSERT_EQUAL(n, fleet / count + (k < fleet % count));
                for (guint j = 0; j < n; j++) {
                    guint i = shard_lamp_number(&s, j);
                    CU_ASSERT_FATAL(i < fleet);
                    CU_ASSERT_EQUAL(i % count, k);
                    owner[i]++;
                }
                total += n;
            }
            CU_ASSERT_EQUAL(total, fleet);
            for (guint i = 0; i < fleet; i++)
                CU_ASSERT_EQUAL(owner[i], 1);
        }
    }
}

/* A larger fleet with the same shards keeps every lamp where it was. */
static void test_growing_keeps_lamps_on_their_shard(void)
{
    struct shard s = { 2, 5, true };
    guint small = shard_lamp_count(&s, 23), large = shard_lamp_count(&s, 100000);

    CU_ASSERT_EQUAL(small, 5); /* 2, 7, 12, 17, 22 */
    CU_ASSERT_EQUAL(large, 20000);
    for (guint j = 0; j < small; j++)
        CU_ASSERT_EQUAL(shard_lamp_number(&s, j), 2 + 5 * j);
    CU_ASSERT_EQUAL(shard_lamp_number(&s, large - 1), 99997);
    CU_ASSERT_EQUAL(shard_lamp_count(NULL, 17), 17);
    CU_ASSERT_EQUAL(shard_lamp_number(NULL, 16), 16);
}

int main(void)
{
    CU_pSuite suite;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    suite = CU_add_suite("shard", NULL, NULL);
    CU_add_test(suite, "shard_options_and_environment_give_shard_or_error", test_resolve_table);
    CU_add_test(suite, "shards_partition_the_fleet", test_shards_partition_the_fleet);
    CU_add_test(suite, "growing_fleet_keeps_lamps_on_their_shard",
                test_growing_keeps_lamps_on_their_shard);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
