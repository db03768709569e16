/* tests/unit/factory/test_provision_batch.c: factory_provision_lamps, the
 * parallel provisioner lampsim fleet uses: N lamps on 2 threads give N
 * state directories the emulator reads back and N registry rows; a lamp
 * that fails is named with its directory and the others are made; bad
 * batches are refused before anything is written. */
#include "factory.h"
#include "flash_store.h"
#include "guest_mem.h"

#include "config.h"

#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <string.h>

#define APP_IMG LAMPSIM_FIRMWARE_DIR "/app.img"
#define BOOTLOADER LAMPSIM_FIRMWARE_DIR "/bootloader.bin"

static char *tmp, *fleet;

static int setup(void)
{
    g_autofree char *cmd = NULL;
    gint status;

    tmp = g_dir_make_tmp("provision-batch-XXXXXX", NULL);
    if (!tmp)
        return 1;
    fleet = g_build_filename(tmp, "fleet", NULL);
    cmd = g_strdup_printf("cp -a %s %s", LAMPSIM_DEV_FLEET_DIR, fleet);
    return g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL) &&
           g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

static int teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", tmp);
    g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL);
    g_free(tmp);
    g_free(fleet);
    return 0;
}

/* n requests for lamps PREFIX-0..n-1 in tmp/PREFIX/lamp-i. */
struct requests {
    struct provision_params *p;
    GPtrArray *strings;
    guint n;
};

static void requests_make(struct requests *r, const char *prefix, guint n)
{
    r->p = g_new0(struct provision_params, n);
    r->strings = g_ptr_array_new_with_free_func(g_free);
    r->n = n;
    for (guint i = 0; i < n; i++) {
        char *dir = g_strdup_printf("%s/%s/lamp-%u", tmp, prefix, i);
        char *serial = g_strdup_printf("%s-%u", prefix, i);
        g_ptr_array_add(r->strings, dir);
        g_ptr_array_add(r->strings, serial);
        r->p[i] = (struct provision_params){ fleet, dir, serial, "development", APP_IMG,
                                             BOOTLOADER, false, NULL, NULL };
    }
}

static void requests_clear(struct requests *r)
{
    g_free(r->p);
    g_ptr_array_unref(r->strings);
}

struct progress_log {
    guint calls, last_done, failed;
    bool monotonic;
    GString *failed_dirs;
};

static void on_progress(const struct provision_progress *p, gpointer user_data)
{
    struct progress_log *log = user_data;

    log->calls++;
    if (p->done != log->last_done + 1)
        log->monotonic = false;
    log->last_done = p->done;
    log->failed = p->failed;
    if (p->error)
        g_string_append_printf(log->failed_dirs, "%s|", p->lamp->state_dir);
}

static long registry_count(const char *where)
{
    g_autofree char *path = g_build_filename(fleet, FLEET_REGISTRY, NULL);
    g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM lamps WHERE %s", where);
    sqlite3 *db;
    sqlite3_stmt *st;
    long n = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* The emulator's store opens it, and its OTP and keystore are this lamp's. */
static bool lamp_on_disk(const struct provision_params *p)
{
    struct guest_mem *mem = guest_mem_new(NULL, NULL);
    struct flash_store *st = mem ? flash_store_open(p->state_dir, mem, NULL) : NULL;
    const uint8_t *flash = mem ? guest_mem_flash(mem) : NULL, *otp = mem ? guest_mem_otp(mem) : NULL;
    bool ok = st && memcmp(otp + OTP_SERIAL_OFFSET, p->serial, strlen(p->serial) + 1) == 0 &&
              memcmp(flash + KEYSTORE_ADDR, "LKS1", 4) == 0 &&
              memcmp(flash + SLOT_A_ADDR, "LIMG", 4) == 0;

    flash_store_close(st);
    guest_mem_free(mem);
    return ok;
}

static bool has_lamp_img(const struct provision_params *p)
{
    g_autofree char *path = g_build_filename(p->state_dir, "lamp.img", NULL);
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void batch_of_40_on_2_threads_makes_40_lamps(void)
{
    struct requests r;
    struct progress_log log = { .monotonic = true, .failed_dirs = g_string_new(NULL) };
    g_autoptr(GError) error = NULL;
    guint on_disk = 0;

    requests_make(&r, "B40", 40);
    CU_ASSERT_TRUE(factory_provision_lamps(r.p, r.n, 2, on_progress, &log, &error));
    CU_ASSERT_PTR_NULL(error);
    for (guint i = 0; i < r.n; i++)
        on_disk += lamp_on_disk(&r.p[i]);
    CU_ASSERT_EQUAL(on_disk, 40);
    CU_ASSERT_EQUAL(registry_count("serial LIKE 'B40-%' AND status = 'active'"), 40);
    /* every lamp its own K(0) */
    CU_ASSERT_EQUAL(registry_count("serial LIKE 'B40-%' AND commission_key_hex IN "
                                   "(SELECT commission_key_hex FROM lamps GROUP BY "
                                   "commission_key_hex HAVING count(*) > 1)"), 0);
    CU_ASSERT_EQUAL(log.calls, 40);
    CU_ASSERT_TRUE(log.monotonic);
    CU_ASSERT_EQUAL(log.failed, 0);
    g_string_free(log.failed_dirs, TRUE);
    requests_clear(&r);
}

/* Lamp 3's serial is taken, lamp 6 has a serial no OTP holds: both named
 * with their directories; the other 8 are made. */
static void failing_lamps_are_named_and_the_others_made(void)
{
    struct requests r, taken;
    struct progress_log log = { .monotonic = true, .failed_dirs = g_string_new(NULL) };
    g_autoptr(GError) error = NULL;
    guint on_disk = 0;

    requests_make(&taken, "TAKEN", 1);
    CU_ASSERT_TRUE_FATAL(factory_provision_lamps(taken.p, 1, 1, NULL, NULL, NULL));
    requests_make(&r, "F10", 10);
    r.p[3].serial = "TAKEN-0";
    r.p[6].serial = "not a serial";
    CU_ASSERT_FALSE(factory_provision_lamps(r.p, r.n, 2, on_progress, &log, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "2 of 10 lamps not provisioned"));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, r.p[3].state_dir));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "serial TAKEN-0 is already in the registry"));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, r.p[6].state_dir));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "serial 'not a serial': 1 to 15 characters"));
    CU_ASSERT_EQUAL(log.calls, 10);
    CU_ASSERT_EQUAL(log.failed, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(log.failed_dirs->str, r.p[3].state_dir));
    CU_ASSERT_PTR_NOT_NULL(strstr(log.failed_dirs->str, r.p[6].state_dir));
    for (guint i = 0; i < r.n; i++)
        on_disk += lamp_on_disk(&r.p[i]);
    CU_ASSERT_EQUAL(on_disk, 8);
    CU_ASSERT_FALSE(has_lamp_img(&r.p[3]));
    CU_ASSERT_FALSE(has_lamp_img(&r.p[6]));
    CU_ASSERT_EQUAL(registry_count("serial LIKE 'F10-%'"), 8);
    CU_ASSERT_EQUAL(registry_count("serial = 'TAKEN-0'"), 1);
    g_string_free(log.failed_dirs, TRUE);
    requests_clear(&r);
    requests_clear(&taken);
}

/* A line that cannot open (the image does not verify) fails each of its
 * lamps with the factory's own message; one lamp's error is its own. */
static void bad_image_fails_every_lamp_with_its_message(void)
{
    struct requests r;
    g_autoptr(GError) one = NULL, all = NULL;
    g_autofree char *img = NULL, *bad = g_build_filename(tmp, "bad.img", NULL);
    gsize len;

    CU_ASSERT_TRUE_FATAL(g_file_get_contents(APP_IMG, &img, &len, NULL));
    img[300] ^= 1;
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(bad, img, (gssize)len, NULL));
    requests_make(&r, "BAD", 4);
    for (guint i = 0; i < r.n; i++)
        r.p[i].image_path = bad;
    CU_ASSERT_FALSE(factory_provision_lamps(r.p, 1, 1, NULL, NULL, &one));
    CU_ASSERT_TRUE(one && g_str_has_prefix(one->message, "signature does not verify") &&
                   one->code == FACTORY_ERROR_VERIFY);
    CU_ASSERT_FALSE(factory_provision_lamps(r.p, r.n, 2, NULL, NULL, &all));
    CU_ASSERT_TRUE(all && strstr(all->message, "4 of 4 lamps not provisioned") &&
                   strstr(all->message, "signature does not verify") &&
                   all->code == FACTORY_ERROR_VERIFY);
    CU_ASSERT_EQUAL(registry_count("serial LIKE 'BAD-%'"), 0);
    requests_clear(&r);
}

static void same_serial_or_directory_twice_is_refused_first(void)
{
    struct requests r;
    g_autoptr(GError) e1 = NULL, e2 = NULL;

    requests_make(&r, "TWICE", 3);
    r.p[2].serial = r.p[0].serial;
    CU_ASSERT_FALSE(factory_provision_lamps(r.p, r.n, 2, NULL, NULL, &e1));
    CU_ASSERT_TRUE(e1 && strstr(e1->message, "serial TWICE-0 is asked for twice"));
    r.p[2].serial = "TWICE-2";
    r.p[2].state_dir = r.p[1].state_dir;
    CU_ASSERT_FALSE(factory_provision_lamps(r.p, r.n, 2, NULL, NULL, &e2));
    CU_ASSERT_TRUE(e2 && strstr(e2->message, "is asked for twice"));
    CU_ASSERT_FALSE(has_lamp_img(&r.p[0]) || has_lamp_img(&r.p[1]));
    CU_ASSERT_EQUAL(registry_count("serial LIKE 'TWICE-%'"), 0);
    requests_clear(&r);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("provision_batch", setup, teardown);
    CU_add_test(s, "batch_of_40_on_2_threads_makes_40_lamps", batch_of_40_on_2_threads_makes_40_lamps);
    CU_add_test(s, "failing_lamps_are_named_and_the_others_made", failing_lamps_are_named_and_the_others_made);
    CU_add_test(s, "bad_image_fails_every_lamp_with_its_message", bad_image_fails_every_lamp_with_its_message);
    CU_add_test(s, "same_serial_or_directory_twice_is_refused_first", same_serial_or_directory_twice_is_refused_first);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
