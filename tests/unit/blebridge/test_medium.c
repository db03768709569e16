/* tests/unit/blebridge/test_medium.c: the virtual medium's `scan` over its
 * central socket (docs/ble.md#the-central-socket) with a lamp that
 * advertises on every set: the connectable set as an `adv` line, each
 * broadcast set as what it carries.  The lamp runs on a worker thread, as
 * a fleet's lamps do, and the medium and its socket on this one
 * (docs/ble.md#threads). */
#include "periph_harness.h"
#include "ble.h"
#include "commission_format.h"
#include "hex.h"
#include "medium.h"

#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define A_IN (SRAM_BASE + 0x1000)
#define REG(off) (BLE_BASE + (off))

/* Set 0: a name and the commissioning service's UUID (little endian in
 * AD); sets 1-3: an iBeacon, an Eddystone-UID and bare Flags. */
#define ADV_HEX "0509" "4c4d5031" "1107" "0000706d616c0f9a6b4d1e5c0100c3a7"
#define IBEACON_HEX "0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002c5"
#define EDDYSTONE_HEX "0201060303aafe1716aafe00eeedd1ebeac04e5defa0170bdb87539b670000"
#define FLAGS_HEX "020106"

struct lamp_thread {
    char *dir;
    struct ble_medium *md;
    GMutex lock;
    GCond cond;
    bool ready, finish;
    char addr[18];
};

static struct lamp_thread lt;
static char *sock_path;
static int fd = -1;

static void run_cmd(struct machine *m, uint32_t c, uint32_t a0, uint32_t a1, uint32_t a2,
                    const char *hex)
{
    uint8_t buf[BLE_ADV_MAX];
    size_t len = hex ? strlen(hex) / 2 : 0;

    if (len) {
        g_assert(hex_decode(hex, buf, len));
        memcpy(machine_sram_range_rw(m, A_IN, (uint32_t)len), buf, len);
    }
    reg_write(m, REG(BLE_REG_ARG0), a0);
    reg_write(m, REG(BLE_REG_ARG1), a1);
    reg_write(m, REG(BLE_REG_ARG2), a2);
    reg_write(m, REG(BLE_REG_BUF), A_IN);
    reg_write(m, REG(BLE_REG_LEN), (uint32_t)len);
    reg_write(m, REG(BLE_REG_CMD), c);
    g_assert_cmpuint(reg_read(m, REG(BLE_REG_ERRCODE)), ==, 0);
}

/* The lamp's thread: a machine on its own context, as a fleet worker
 * runs it; its firmware's part played through the registers. */
static gpointer lamp_main(gpointer data)
{
    GMainContext *ctx = g_main_context_new();
    struct machine *m;
    static const char *const beacons[] = { IBEACON_HEX, EDDYSTONE_HEX, FLAGS_HEX };

    (void)data;
    g_main_context_push_thread_default(ctx);
    m = bench_machine_new(lt.dir, 5, NULL);
    g_assert(m);
    m->cfg.ble_ops = &ble_medium_radio_ops;
    m->cfg.ble_medium = lt.md;
    reg_write(m, REG(BLE_REG_CTRL), BLE_CTRL_EN | BLE_CTRL_IE);
    run_cmd(m, BLE_CMD_SET_ADV, 0, 0, 0, ADV_HEX);
    run_cmd(m, BLE_CMD_ADV_START, 0, 0, 0, NULL);
    for (unsigned set = 1; set <= 3; set++) {
        run_cmd(m, BLE_CMD_ADVSET_PARAMS, set, 100 * set, (uint32_t)-4, NULL);
        run_cmd(m, BLE_CMD_ADVSET_DATA, set, 0, 0, beacons[set - 1]);
        run_cmd(m, BLE_CMD_ADVSET_START, set, 0, 0, NULL);
    }
    ble_medium_address(machine_ble_radio(m), lt.addr);

    g_mutex_lock(&lt.lock);
    lt.ready = true;
    g_cond_broadcast(&lt.cond);
    while (!lt.finish) {
        g_mutex_unlock(&lt.lock);
        g_main_context_iteration(ctx, FALSE); /* a central's connect kicks the lamp here */
        g_usleep(1000);
        g_mutex_lock(&lt.lock);
    }
    g_mutex_unlock(&lt.lock);
    ble_medium_forget(lt.md, machine_ble_radio(m));
    machine_free(m);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    return NULL;
}

static GThread *lamp;

static int setup(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    lt.dir = bench_tmpdir();
    lt.md = ble_medium_new();
    g_mutex_init(&lt.lock);
    g_cond_init(&lt.cond);
    sock_path = g_build_filename(lt.dir, "ble.sock", NULL);
    if (!ble_medium_listen(lt.md, sock_path, NULL))
        return 1;
    lamp = g_thread_new("lamp", lamp_main, NULL);
    g_mutex_lock(&lt.lock);
    while (!lt.ready)
        g_cond_wait(&lt.cond, &lt.lock);
    g_mutex_unlock(&lt.lock);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(sa.sun_path, sock_path, sizeof(sa.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        return 1;
    return fcntl(fd, F_SETFL, O_NONBLOCK) == 0 ? 0 : 1;
}

static int teardown(void)
{
    close(fd);
    g_mutex_lock(&lt.lock);
    lt.finish = true;
    g_mutex_unlock(&lt.lock);
    g_thread_join(lamp);
    /* the medium's thread takes the events the lamp left */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    ble_medium_free(lt.md);
    g_unlink(sock_path);
    g_free(sock_path);
    bench_rmdir(lt.dir);
    g_free(lt.dir);
    g_mutex_clear(&lt.lock);
    g_cond_clear(&lt.cond);
    return 0;
}

/* Sends a command and runs the medium's loop until its final line;
 * returns every line, the final one last. */
static GPtrArray *call(const char *command)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autofree char *out = g_strconcat(command, "\n", NULL);
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    g_assert(write(fd, out, strlen(out)) == (ssize_t)strlen(out));
    while (g_get_monotonic_time() < end) {
        char chunk[1024], *nl;
        ssize_t n;
        g_main_context_iteration(NULL, FALSE);
        n = read(fd, chunk, sizeof(chunk));
        if (n > 0)
            g_string_append_len(buf, chunk, n);
        else if (n < 0 && errno != EAGAIN)
            break;
        while ((nl = strchr(buf->str, '\n'))) {
            char *line = g_strndup(buf->str, (gsize)(nl - buf->str));
            g_string_erase(buf, 0, nl - buf->str + 1);
            g_ptr_array_add(lines, line);
            if (g_str_has_prefix(line, "ok") || g_str_has_prefix(line, "err"))
                return lines;
        }
        g_usleep(1000);
    }
    CU_FAIL("no final line from the medium within 10 s");
    return lines;
}

static bool has_line(GPtrArray *lines, const char *want)
{
    for (guint i = 0; i < lines->len; i++)
        if (!strcmp(lines->pdata[i], want))
            return true;
    fprintf(stderr, "no line '%s' among:\n", want);
    for (guint i = 0; i < lines->len; i++)
        fprintf(stderr, "  %s\n", (char *)lines->pdata[i]);
    return false;
}

static void scan_shows_every_set_of_the_lamp(void)
{
    g_autoptr(GPtrArray) lines = call("scan");
    g_autofree char *adv = g_strdup_printf("adv %s LMP1 %s", lt.addr, COMMISSION_SERVICE_UUID);
    g_autofree char *ib = g_strdup_printf(
        "ibeacon %s e2c56db5-dffb-48d2-b060-d0f5a71096e0 1 2 -59", lt.addr);
    g_autofree char *ed = g_strdup_printf(
        "eddystone-uid %s edd1ebeac04e5defa017 0bdb87539b67 -18", lt.addr);
    g_autofree char *raw = g_strdup_printf("broadcast %s " FLAGS_HEX, lt.addr);

    CU_ASSERT_EQUAL(lines->len, 5);
    CU_ASSERT_TRUE(has_line(lines, adv));
    CU_ASSERT_TRUE(has_line(lines, ib));
    CU_ASSERT_TRUE(has_line(lines, ed));
    CU_ASSERT_TRUE(has_line(lines, raw));
    CU_ASSERT_STRING_EQUAL(lines->pdata[lines->len - 1], "ok 4");
}

/* A central on the lamp stops its connectable advertising; the beacons
 * go on, which is what lets a phone locate itself by a commissioned lamp. */
static void a_linked_lamp_still_beacons(void)
{
    g_autofree char *connect = g_strdup_printf("connect %s", lt.addr);
    g_autoptr(GPtrArray) reply = call(connect);
    g_autoptr(GPtrArray) lines = NULL;
    g_autofree char *ib = g_strdup_printf(
        "ibeacon %s e2c56db5-dffb-48d2-b060-d0f5a71096e0 1 2 -59", lt.addr);

    CU_ASSERT_TRUE(g_str_has_prefix(reply->pdata[reply->len - 1], "ok connected"));
    lines = call("scan");
    CU_ASSERT_EQUAL(lines->len, 4);
    CU_ASSERT_TRUE(has_line(lines, ib));
    for (guint i = 0; i < lines->len; i++)
        CU_ASSERT_FALSE(g_str_has_prefix(lines->pdata[i], "adv "));
    CU_ASSERT_STRING_EQUAL(lines->pdata[lines->len - 1], "ok 3");
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("medium", setup, teardown);
    CU_add_test(s, "scan_shows_every_set_of_the_lamp", scan_shows_every_set_of_the_lamp);
    CU_add_test(s, "a_linked_lamp_still_beacons", a_linked_lamp_still_beacons);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
