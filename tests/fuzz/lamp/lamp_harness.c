/* tests/fuzz/lamp/lamp_harness.c: one lamp driven by hostile input, and
 * its oracle (lamp_harness.h).
 *
 * The input is a list of operations, each a kind byte (its value modulo
 * OPS) and the kind's arguments; bytes missing at the end read as 0:
 *   LINE n text    a console line: text (CR and LF made spaces) and CR,
 *                  then the lamp runs until its next prompt (LINE_WAIT)
 *   BYTES n bytes  raw console bytes (the update transfer's frames, a
 *                  line in pieces), then BYTES_WAIT
 *   CONNECT m      a BLE central connects with ATT MTU 23 + 2m
 *   WRITE i n v    writes v (n bytes) to characteristic i (modulo how many
 *                  the lamp's GATT table has: every one is reachable)
 *   READ i         reads characteristic i
 *   SUBSCRIBE s    subscribes (s odd) or not to characteristic s / 2
 *   DISCONNECT     the central leaves
 *   WAIT t         the lamp runs (t + 1) * 20 ms of virtual time
 *   MQTT n bytes   the broker sends bytes in the TLS stream (packets of
 *                  the fuzzer's making: lengths, types, PUBACK ids)
 *   PUBLISH t q n payload  the broker publishes payload on the lamp's
 *                  subscribed topic t (modulo their number), QoS q & 1,
 *                  packet id q >> 1
 *   TLS n bytes    bytes straight onto the connection: TLS records
 *   HTTPS n bytes  the image server answers a download the lamp started
 *                  (after a PUBLISH of an offer on ota or appctl/NAME for
 *                  https://localhost:8443/...): status line, headers,
 *                  Range answers, body, cut anywhere
 *   COMMISSION f n ssid n pass n proxy  a credentials blob the lamp
 *                  accepts (blob_maker.h), for the nonce and n its info
 *                  shows now, carrying these WiFi fields (made valid:
 *                  SSID 1-32 bytes, passphrase 8-63, no NUL), the proxy
 *                  record when f is odd; written to the credentials
 *                  characteristic over a connection made if needed
 * Each BLE and network operation is followed by BLE_WAIT or NET_WAIT of
 * virtual time.  At most MAX_OPS operations are applied. */
#include "lamp_harness.h"

#include "blob_maker.h"
#include "cloud_peer.h"
#include "config.h"
#include "flash_store.h"
#include "guest_heap.h"
#include "host_io.h"
#include "net_env.h"
#include "lamp.h"
#include "medium.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    OP_LINE, OP_BYTES, OP_CONNECT, OP_WRITE, OP_READ, OP_SUBSCRIBE, OP_DISCONNECT, OP_WAIT,
    OP_MQTT, OP_PUBLISH, OP_TLS, OP_HTTPS, OP_COMMISSION, OPS
};
#define MAX_OPS 64u
#define MS 1000000ull
#define LINE_WAIT (3000 * MS)     /* a command's answer, at most */
#define BYTES_WAIT (100 * MS)
#define BLE_WAIT (300 * MS)       /* a credentials blob's verification fits */
#define SETTLE (1000 * MS)        /* after the input, before judging */
/* Back to the prompt from anywhere: a console transfer the input left
 * open gives up after 10 s of silence (console_rx.c QUIET_LIMIT_S). */
#define PROMPT_BACK (15000 * MS)
#define BOOT_LIMIT (30000 * MS)
#define ONLINE_LIMIT (120000 * MS) /* join, resolve, dial, handshake, MQTT */
#define NET_WAIT (300 * MS)
/* The warm-up download's offer: newer than the build's 1.0.0. */
#define WARM_UP_VERSION "9.0.0"
/* The access point the lamp is given (`wifi`, the development stand-in
 * for BLE commissioning). */
#define AP_SSID "fuzz-lab"
#define AP_PASS "fuzz-lab-pass"
/* Rounds of host I/O and peer answers run back to back between slices:
 * each round trip of the socketpair is one. */
#define PUMP_ROUNDS 8
#define SLICE_INSNS 200000u
#define KEPT_LINES 40u
#define SEED 1u
/* The lamp's serial: a factory would give each its own (sim/provision.c). */
#define SERIAL "LMP-F0220001"
#define STATE_DIR "lamp"

struct lamp_harness {
    struct lamp *lamp;
    struct machine *m;
    struct ble_medium *medium;
    struct net_env *env;
    struct cloud_peer *peer;
    char *template;             /* the provisioned lamp every run starts from */
    uint64_t wall_clock_s;      /* the RTC's start (the template's time) */
    char *state_dir;
    struct ble_attr chars[BLE_ATTRS_MAX]; /* the characteristics, in handle order */
    size_t n_chars;
    uint16_t info_handle, creds_handle;   /* the commissioning service's */
    struct blob_maker *blobs;   /* NULL: the registry does not hold this lamp's key */
    struct guest_heap heap;
    GQueue last_lines;          /* char *, the console's last KEPT_LINES */
    bool excused;               /* the lamp acknowledged a reset or fault it was asked for */
    bool judge_all;             /* lamp_harness_judge_all: no excuses */
    /* the status answer being read: crash records (all, from the VM); -1 until seen */
    long crashes, crashes_vm;
    bool uptime_seen;
    /* the baseline */
    uint64_t resets0;
    long lamp_crashes0;         /* crash records not from the app VM */
    struct guest_heap_usage heap0;
    unsigned sockets0;          /* the NET module's open sockets */
};

static void on_line(struct lamp *lamp, const char *line, gpointer user)
{
    struct lamp_harness *h = user;
    long all, vm;

    (void)lamp;
    g_queue_push_tail(&h->last_lines, g_strdup(line));
    if (h->last_lines.length > KEPT_LINES)
        g_free(g_queue_pop_head(&h->last_lines));
    /* The console's own words for the two commands that exist to reset or
     * fault the lamp (console.c, selftest.c): asked for, not found. */
    if (!h->judge_all && (strcmp(line, "rebooting") == 0 ||
                          (g_str_has_prefix(line, "selftest ") && strstr(line, ": trying to "))))
        h->excused = true;
    if (sscanf(line, "crash records stored: %ld (%ld from the app VM)", &all, &vm) == 2) {
        h->crashes = all;
        h->crashes_vm = vm;
    }
    if (g_str_has_prefix(line, "uptime: "))
        h->uptime_seen = true;
}

typedef bool (*until_fn)(struct lamp_harness *h, guint arg);

/* What the host did for the lamp (socket events) and what the peer
 * answers, until neither has anything more: at slice boundaries only, so
 * the lamp sees it at the same instruction in every run. */
static void pump(struct lamp_harness *h)
{
    for (unsigned i = 0; i < PUMP_ROUNDS; i++) {
        cloud_peer_step(h->peer);
        if (!g_main_context_iteration(NULL, FALSE))
            break;
    }
    cloud_peer_step(h->peer);
}

/* Runs the lamp until done says so, virtual time reaches now + ns, or it
 * cannot run on (off, locked up, asleep with nothing armed). */
static void run_until(struct lamp_harness *h, uint64_t ns, until_fn done, guint arg)
{
    uint64_t limit = machine_now_ns(h->m) + ns;

    for (;;) {
        pump(h);
        if (h->excused || (done && done(h, arg)))
            return;
        enum machine_state st = machine_state(h->m);
        if (st == MACHINE_OFF || st == MACHINE_LOCKED_UP || st == MACHINE_HALTED)
            return;
        if (machine_now_ns(h->m) >= limit)
            return;
        if (st == MACHINE_SLEEPING) {
            /* input typed at a prompt wakes the lamp now */
            lamp_run(h->lamp, SLICE_INSNS);
            if (machine_state(h->m) != MACHINE_SLEEPING)
                continue;
            if (machine_next_deadline_ns(h->m) == UINT64_MAX)
                return;
            machine_skip_until(h->m, limit);
            continue;
        }
        lamp_run(h->lamp, SLICE_INSNS);
    }
}

static bool prompts_past(struct lamp_harness *h, guint before)
{
    return lamp_prompts_seen(h->lamp) > before;
}

static bool status_answered(struct lamp_harness *h, guint unused)
{
    (void)unused;
    return h->uptime_seen;
}

static bool online(struct lamp_harness *h, guint unused)
{
    struct machine_fw_status fw;

    (void)unused;
    machine_get_fw_status(h->m, &fw);
    return fw.netstate == SYSCTL_NETSTATE_ONLINE && cloud_peer_online(h->peer);
}

static bool image_asked(struct lamp_harness *h, guint unused)
{
    (void)unused;
    return cloud_peer_image_asked(h->peer);
}

static bool ready(struct lamp_harness *h, guint unused)
{
    (void)unused;
    return lamp_prompts_seen(h->lamp) > 0 && ble_radio_advertising(machine_ble_radio(h->m));
}

static void print_last_lines(struct lamp_harness *h)
{
    fprintf(stderr, "lamp-fuzz: the console's last lines:\n");
    for (GList *l = h->last_lines.head; l; l = l->next)
        fprintf(stderr, "  | %s\n", (const char *)l->data);
}

/* The normal request: back at the prompt, `status` answered in full.  It
 * also reads the crash records stored.  false with why. */
static bool normal_request(struct lamp_harness *h, GString *why)
{
    guint before = lamp_prompts_seen(h->lamp);

    /* Ends whatever the input left half typed (it runs as a command). */
    lamp_type(h->lamp, "\r", 1);
    run_until(h, PROMPT_BACK, prompts_past, before);
    if (h->excused)
        return true;
    if (!prompts_past(h, before)) {
        g_string_printf(why, "the console shows no prompt %llu s after a CR",
                        (unsigned long long)(PROMPT_BACK / 1000 / MS));
        return false;
    }
    h->crashes = h->crashes_vm = -1;
    h->uptime_seen = false;
    lamp_type(h->lamp, "status\r", 7);
    run_until(h, LINE_WAIT, status_answered, 0);
    if (h->excused)
        return true;
    if (!h->uptime_seen || h->crashes < 0) {
        g_string_printf(why, "`status` got no full answer in %llu ms",
                        (unsigned long long)(LINE_WAIT / MS));
        return false;
    }
    return true;
}

static bool judge_heap(struct lamp_harness *h, struct guest_heap_usage *u, GString *why)
{
    g_autoptr(GError) error = NULL;

    if (!guest_heap_walk(h->m, &h->heap, u, &error)) {
        g_string_assign(why, error->message);
        return false;
    }
    return true;
}

/* The provisioned lamp kept for the firmware images the build has now
 * (named for their hash: a rebuilt firmware gets a new lamp). */
static char *template_path(GError **error)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    static const char *const images[] = { "bootloader.bin", "app.img" };

    for (size_t i = 0; i < G_N_ELEMENTS(images); i++) {
        g_autofree char *path = g_build_filename(LAMPSIM_FIRMWARE_DIR, images[i], NULL);
        g_autofree char *bytes = NULL;
        gsize len;
        if (!g_file_get_contents(path, &bytes, &len, error))
            return NULL;
        g_checksum_update(sum, (const guchar *)bytes, (gssize)len);
    }
    return g_strdup_printf("%s-%.16s.img", LAMP_FUZZ_TEMPLATE, g_checksum_get_string(sum));
}

static struct lamp_config lamp_config_for(struct lamp_harness *h, const char *state_dir)
{
    return (struct lamp_config){
        .state_dir = state_dir,
        .firmware_dir = LAMPSIM_FIRMWARE_DIR,
        .fleet_dir = LAMPSIM_DEV_FLEET_DIR,
        .serial = SERIAL,
        .time_mode = MACHINE_TIME_DETERMINISTIC,
        .seeded = true,
        .seed = SEED,
        .log_mask = MACHINE_LOG_GUEST_ERROR,
        .net_env = h->env,
        .cloud = CLOUD_PEER_HOST ":" G_STRINGIFY(CLOUD_PEER_PORT),
        .ble_medium = h->medium,
    };
}

static bool set_errno_error(GError **error, const char *what)
{
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", what, g_strerror(e));
    return false;
}

/* Runs that start together (the fuzz suite's tests in parallel on a fresh
 * build) make the template and the cloud peer's certificate in turn: two
 * provisioning at once would each enter the lamp's key in the fleet's
 * registry and the template kept could hold the other's, and a certificate
 * and its key could come from two runs.  Returns the lock's descriptor
 * (closing it releases the lock), or -1. */
static int template_lock(GError **error)
{
    g_autofree char *path = g_strdup_printf("%s.lock", LAMP_FUZZ_TEMPLATE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0)
        return set_errno_error(error, path), -1;
    if (flock(fd, LOCK_EX) != 0) {
        set_errno_error(error, path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Provisioning makes new keys each time (host entropy), and their
 * certificates' lengths show in the heap: the first run provisions the
 * lamp and keeps it as template, and every run starts from that, so that
 * an input runs the same in each process (called under template_lock). */
static bool ensure_template(struct lamp_harness *h, const char *template, GError **error)
{
    g_autofree char *dir = g_build_filename(h->state_dir, "provision", NULL);
    g_autofree char *store = g_build_filename(dir, FLASH_STORE_FILE, NULL);
    g_autofree char *tmp = g_strdup_printf("%s.%d", template, (int)getpid());
    g_autofree char *bytes = NULL;
    gsize len;

    if (g_file_test(template, G_FILE_TEST_EXISTS))
        return true;
    struct lamp_config cfg = lamp_config_for(h, dir);
    struct lamp *fresh = lamp_new(&cfg, error);
    if (!fresh)
        return false;
    lamp_free(fresh);
    if (!g_file_get_contents(store, &bytes, &len, error) ||
        !g_file_set_contents(tmp, bytes, (gssize)len, error))
        return false;
    if (rename(tmp, template) != 0)
        return set_errno_error(error, template);
    return true;
}

/* The machine is named after its state directory, and its BLE address
 * derives from the name: a relative one, made in the temporary directory,
 * keeps every run of an input the same.  Its RTC starts at the template's
 * time: after the fleet's CAs and the lamp's certificate were issued. */
static bool make_lamp(struct lamp_harness *h, GError **error)
{
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *dir = g_build_filename(h->state_dir, STATE_DIR, NULL);
    g_autofree char *store = g_build_filename(dir, FLASH_STORE_FILE, NULL);
    g_autofree char *bytes = NULL;
    struct lamp_config cfg = lamp_config_for(h, STATE_DIR);
    struct stat st;
    gsize len;

    h->template = template_path(error);
    if (!h->template || !ensure_template(h, h->template, error))
        return false;
    if (stat(h->template, &st) != 0)
        return set_errno_error(error, h->template);
    h->wall_clock_s = (uint64_t)st.st_mtime;
    cfg.wall_clock_s = h->wall_clock_s;
    if (g_mkdir_with_parents(dir, 0755) != 0)
        return set_errno_error(error, dir);
    if (!g_file_get_contents(h->template, &bytes, &len, error) ||
        !g_file_set_contents(store, bytes, (gssize)len, error))
        return false;
    if (chdir(h->state_dir) != 0)
        return set_errno_error(error, h->state_dir);
    h->lamp = lamp_new(&cfg, error);
    if (chdir(cwd) != 0)
        return set_errno_error(error, cwd);
    return h->lamp != NULL;
}

/* One download before the snapshot, answered 404: the lamp keeps the
 * image server's TLS session for its next download (the `ota` session
 * slot, docs/firmware.md#dialing-a-server), a few hundred bytes of heap
 * that every input's first download would otherwise seem to leak. */
static bool warm_up_download(struct lamp_harness *h, GError **error)
{
    static const char offer[] = "{\"url\":\"https://" CLOUD_PEER_HOST ":"
        G_STRINGIFY(CLOUD_PEER_IMAGE_PORT) "/warm-up.img\",\"version\":\"" WARM_UP_VERSION
        "\",\"size\":1}";
    static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    const char *const *topics;
    guint n = cloud_peer_topics(h->peer, &topics);
    const char *ota = NULL;

    for (guint i = 0; i < n; i++)
        if (g_str_has_suffix(topics[i], "/ota"))
            ota = topics[i];
    if (!ota) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "the lamp did not subscribe to an ota topic (%u topics)", n);
        return false;
    }
    cloud_peer_publish(h->peer, ota, 1, 1, (const uint8_t *)offer, strlen(offer));
    run_until(h, ONLINE_LIMIT, image_asked, 0);
    if (!cloud_peer_image_asked(h->peer)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "the lamp did not ask the image server for an offered image");
        return false;
    }
    cloud_peer_send_https(h->peer, (const uint8_t *)not_found, strlen(not_found));
    run_until(h, SETTLE, NULL, 0);
    return true;
}

/* The characteristics every BLE operation picks from, the commissioning
 * service's among them, and the key its blobs need. */
static void learn_gatt(struct lamp_harness *h)
{
    struct ble_attr all[BLE_ATTRS_MAX];
    size_t n = ble_radio_attributes(machine_ble_radio(h->m), all);
    uint8_t info_uuid[16], creds_uuid[16];
    ble_uuid_parse(COMMISSION_INFO_UUID, info_uuid);
    ble_uuid_parse(COMMISSION_CREDS_UUID, creds_uuid);
    for (size_t i = 0; i < n; i++) {
        if (all[i].is_service)
            continue;
        h->chars[h->n_chars++] = all[i];
        if (memcmp(all[i].uuid, info_uuid, 16) == 0)
            h->info_handle = all[i].handle;
        if (memcmp(all[i].uuid, creds_uuid, 16) == 0)
            h->creds_handle = all[i].handle;
    }
    g_autoptr(GError) no_blobs = NULL;
    g_autofree char *registry = g_build_filename(LAMPSIM_DEV_FLEET_DIR, "registry.sqlite", NULL);
    h->blobs = blob_maker_new(registry, SERIAL, &no_blobs);
    if (!h->blobs)
        fprintf(stderr, "lamp-fuzz: no valid credentials blobs (COMMISSION does nothing): %s\n",
                no_blobs->message);
}

struct lamp_harness *lamp_harness_boot(GError **error)
{
    struct lamp_harness *h = g_new0(struct lamp_harness, 1);
    g_autofree char *elf = g_build_filename(LAMPSIM_FIRMWARE_DIR, "app.elf", NULL);
    g_autoptr(GString) why = g_string_new(NULL);
    struct machine_stats stats;
    int lock;

    g_queue_init(&h->last_lines);
    h->medium = ble_medium_new();
    h->env = net_env_new();
    h->state_dir = g_dir_make_tmp("lamp-fuzz-XXXXXX", error);
    if (!h->state_dir || !guest_heap_locate(elf, &h->heap, error) ||
        !net_env_add_ap(h->env, AP_SSID, AP_PASS, error))
        goto fail;
    if ((lock = template_lock(error)) < 0)
        goto fail;
    if (!make_lamp(h, error)) {
        close(lock);
        goto fail;
    }
    h->m = lamp_machine(h->lamp);
    /* The server certificate is kept with the template, from a day
     * before the lamp's clock starts. */
    h->peer = cloud_peer_new(LAMPSIM_DEV_FLEET_DIR, h->template,
                             (int64_t)h->wall_clock_s - 86400, error);
    close(lock);
    if (!h->peer)
        goto fail;
    machine_net_set_connector(h->m, cloud_peer_connect, h->peer);
    lamp_set_stop_at_lines(h->lamp, true);
    lamp_watch_lines(h->lamp, on_line, h);
    machine_power_on(h->m);
    run_until(h, BOOT_LIMIT, ready, 0);
    if (!ready(h, 0)) {
        print_last_lines(h);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "the lamp in %s did not reach its prompt and BLE advertising in %llu s",
                    h->state_dir, (unsigned long long)(BOOT_LIMIT / 1000 / MS));
        goto fail;
    }
    lamp_type(h->lamp, "wifi " AP_SSID " " AP_PASS "\r", strlen("wifi " AP_SSID " " AP_PASS "\r"));
    run_until(h, ONLINE_LIMIT, online, 0);
    if (!online(h, 0)) {
        print_last_lines(h);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "the lamp did not get online with the fuzzer's broker in %llu s",
                    (unsigned long long)(ONLINE_LIMIT / 1000 / MS));
        goto fail;
    }
    run_until(h, SETTLE, NULL, 0);
    if (!warm_up_download(h, error)) {
        print_last_lines(h);
        goto fail;
    }
    learn_gatt(h);
    if (!normal_request(h, why) || !judge_heap(h, &h->heap0, why)) {
        print_last_lines(h);
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "the booted lamp: %s", why->str);
        goto fail;
    }
    machine_get_stats(h->m, &stats);
    h->resets0 = stats.resets;
    struct machine_net_stats net;
    machine_get_net_stats(h->m, &net);
    h->sockets0 = net.open_sockets;
    h->lamp_crashes0 = h->crashes - h->crashes_vm;
    const char *const *topics;
    guint n_topics = cloud_peer_topics(h->peer, &topics);
    fprintf(stderr, "lamp-fuzz: lamp %s online at %.3f virtual s: %zu characteristics, "
            "%u topics, mbedTLS heap %u of %u bytes in %u blocks, reached %u\n", SERIAL,
            machine_now_ns(h->m) / 1e9, h->n_chars, n_topics, h->heap0.in_use, h->heap.size,
            h->heap0.blocks, h->heap0.high_water);
    return h;
fail:
    lamp_harness_free(h);
    return NULL;
}

void lamp_harness_free(struct lamp_harness *h)
{
    if (!h)
        return;
    if (h->lamp)
        lamp_free(h->lamp);
    cloud_peer_free(h->peer);
    blob_maker_free(h->blobs);
    if (h->env)
        net_env_unref(h->env);
    if (h->medium)
        ble_medium_free(h->medium);
    if (h->state_dir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", h->state_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "lamp-fuzz: could not remove %s\n", h->state_dir);
        g_free(h->state_dir);
    }
    g_queue_clear_full(&h->last_lines, g_free);
    g_free(h->template);
    g_free(h);
}

void lamp_harness_judge_all(struct lamp_harness *h)
{
    h->judge_all = true;
}

void lamp_harness_after_child(struct lamp_harness *h)
{
    cloud_peer_drain(h->peer);
}

bool lamp_harness_cover(struct lamp_harness *h, bool blocks, uint8_t *map, size_t size,
                        GError **error)
{
    return machine_set_coverage(h->m, blocks ? MACHINE_COVERAGE_BLOCKS : MACHINE_COVERAGE_EDGES,
                                map, size, error);
}

/* The input's bytes, read past their end as zeros. */
struct reader {
    const uint8_t *p;
    size_t left;
};

static uint8_t next_byte(struct reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

static size_t next_bytes(struct reader *r, uint8_t *out, size_t max)
{
    size_t n = next_byte(r);
    n = MIN(n, MIN(max, r->left));
    memcpy(out, r->p, n);
    r->p += n, r->left -= n;
    return n;
}

/* A WiFi field of the COMMISSION operation, made one the blob may carry:
 * between min and max bytes (padded with pad), NULs made pad. */
static char *wifi_field(struct reader *r, size_t min, size_t max, char pad)
{
    uint8_t raw[256];
    size_t n = next_bytes(r, raw, max);
    char *out = g_malloc(MAX(n, min) + 1);

    for (size_t i = 0; i < MAX(n, min); i++)
        out[i] = i < n && raw[i] ? (char)raw[i] : pad;
    out[MAX(n, min)] = 0;
    return out;
}

static void commission(struct lamp_harness *h, struct reader *r)
{
    struct ble_radio *radio = machine_ble_radio(h->m);
    uint8_t flags = next_byte(r), info[BLE_VALUE_MAX];
    g_autofree char *ssid = wifi_field(r, 1, 32, 's');
    g_autofree char *pass = wifi_field(r, 8, 63, 'p');
    g_autofree char *proxy = flags & 1 ? wifi_field(r, 0, 63, 'x') : NULL;
    struct commission_wifi wifi = { ssid, pass, proxy };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) blob = NULL;
    size_t len = 0;

    if (!h->blobs || !h->info_handle || !h->creds_handle)
        return;
    if (!ble_radio_connected(radio))
        ble_radio_connect(radio, 247);
    if (ble_radio_read(radio, h->info_handle, info, &len) != BLE_OK)
        return;
    blob = blob_maker_build(h->blobs, info, len, &wifi, &error);
    if (blob)
        ble_radio_write(radio, h->creds_handle, g_bytes_get_data(blob, NULL),
                        g_bytes_get_size(blob));
}

static const struct ble_attr *characteristic(struct lamp_harness *h, uint8_t i)
{
    return h->n_chars ? &h->chars[i % h->n_chars] : NULL;
}

static void apply(struct lamp_harness *h, struct reader *r)
{
    struct ble_radio *radio = machine_ble_radio(h->m);
    uint8_t buf[256], value[BLE_VALUE_MAX];
    const struct ble_attr *a;
    size_t n;
    guint before;

    switch (next_byte(r) % OPS) {
    case OP_LINE:
        n = next_bytes(r, buf, sizeof(buf) - 1);
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '\r' || buf[i] == '\n')
                buf[i] = ' ';
        buf[n++] = '\r';
        before = lamp_prompts_seen(h->lamp);
        lamp_type(h->lamp, (const char *)buf, n);
        run_until(h, LINE_WAIT, prompts_past, before);
        break;
    case OP_BYTES:
        n = next_bytes(r, buf, sizeof(buf));
        lamp_type(h->lamp, (const char *)buf, n);
        run_until(h, BYTES_WAIT, NULL, 0);
        break;
    case OP_CONNECT:
        ble_radio_connect(radio, (uint16_t)(23 + 2 * next_byte(r)));
        run_until(h, BLE_WAIT, NULL, 0);
        break;
    case OP_WRITE:
        a = characteristic(h, next_byte(r));
        n = next_bytes(r, value, sizeof(value));
        if (a)
            ble_radio_write(radio, a->handle, value, n);
        run_until(h, BLE_WAIT, NULL, 0);
        break;
    case OP_READ:
        a = characteristic(h, next_byte(r));
        if (a)
            ble_radio_read(radio, a->handle, value, &n);
        run_until(h, BLE_WAIT, NULL, 0);
        break;
    case OP_SUBSCRIBE: {
        uint8_t s = next_byte(r);
        a = characteristic(h, s >> 1);
        if (a)
            ble_radio_subscribe(radio, a->handle, s & 1);
        run_until(h, BLE_WAIT, NULL, 0);
        break;
    }
    case OP_DISCONNECT:
        ble_radio_disconnect(radio);
        run_until(h, BLE_WAIT, NULL, 0);
        break;
    case OP_WAIT:
        run_until(h, (next_byte(r) + 1u) * 20 * MS, NULL, 0);
        break;
    case OP_MQTT:
        n = next_bytes(r, buf, sizeof(buf));
        cloud_peer_send_mqtt(h->peer, buf, n);
        run_until(h, NET_WAIT, NULL, 0);
        break;
    case OP_PUBLISH: {
        const char *const *topics;
        guint n_topics = cloud_peer_topics(h->peer, &topics);
        uint8_t t = next_byte(r), qos = next_byte(r);
        n = next_bytes(r, buf, sizeof(buf));
        if (n_topics)
            cloud_peer_publish(h->peer, topics[t % n_topics], qos & 1, (uint16_t)(qos >> 1),
                               buf, n);
        run_until(h, NET_WAIT, NULL, 0);
        break;
    }
    case OP_TLS:
        n = next_bytes(r, buf, sizeof(buf));
        cloud_peer_send_raw(h->peer, buf, n);
        run_until(h, NET_WAIT, NULL, 0);
        break;
    case OP_HTTPS:
        n = next_bytes(r, buf, sizeof(buf));
        cloud_peer_send_https(h->peer, buf, n);
        run_until(h, NET_WAIT, NULL, 0);
        break;
    case OP_COMMISSION:
        commission(h, r);
        run_until(h, BLE_WAIT, NULL, 0);
        break;
    }
}

enum lamp_verdict lamp_harness_run(struct lamp_harness *h, const uint8_t *data, size_t size,
                                   GString *why)
{
    struct reader r = { data, size };
    struct machine_stats stats;
    struct guest_heap_usage heap;
    g_autoptr(GError) error = NULL;

    if (!host_io_after_fork(NULL, &error)) {
        g_string_printf(why, "the harness: %s", error->message);
        return LAMP_BROKEN;
    }
    for (unsigned op = 0; op < MAX_OPS && r.left > 0 && !h->excused; op++)
        apply(h, &r);
    run_until(h, SETTLE, NULL, 0);
    if (h->excused)
        return LAMP_EXCUSED;

    /* Every broken promise is named, not only the first. */
    enum machine_state st = machine_state(h->m);
    bool answered = st != MACHINE_LOCKED_UP && st != MACHINE_OFF && normal_request(h, why);
    if (h->excused)
        return LAMP_EXCUSED;
    g_autoptr(GString) all = g_string_new(answered ? NULL : why->str);
    machine_get_stats(h->m, &stats);
    if (st == MACHINE_LOCKED_UP || machine_state(h->m) == MACHINE_LOCKED_UP)
        g_string_append(all, "; the core locked up");
    if (stats.resets != h->resets0)
        g_string_append_printf(all, "; the lamp reset %llu time(s) (watchdog %llu, lockup %llu)",
                               (unsigned long long)(stats.resets - h->resets0),
                               (unsigned long long)lamp_watchdog_resets(h->lamp),
                               (unsigned long long)lamp_lockup_resets(h->lamp));
    if (answered && h->crashes - h->crashes_vm != h->lamp_crashes0)
        g_string_append_printf(all, "; crash records not from the app VM: %ld, %ld before",
                               h->crashes - h->crashes_vm, h->lamp_crashes0);
    /* A connection the input opened (a download) holds its TLS buffers
     * rightly: the heap is compared only with no download under way and
     * no more sockets open than at the snapshot. */
    struct machine_net_stats net;
    machine_get_net_stats(h->m, &net);
    bool comparable = net.open_sockets <= h->sockets0 && !cloud_peer_downloading(h->peer);
    if (!judge_heap(h, &heap, why))
        g_string_append_printf(all, "; %s", why->str);
    else if (comparable && heap.in_use > h->heap0.in_use)
        g_string_append_printf(all, "; the mbedTLS heap holds %u bytes in %u blocks after the "
                               "input, %u in %u before (a leak)", heap.in_use, heap.blocks,
                               h->heap0.in_use, h->heap0.blocks);
    if (all->len == 0) {
        /* what an input did, for whoever writes seeds */
        if (g_getenv("LAMPSIM_FUZZ_SHOW_CONSOLE"))
            print_last_lines(h);
        return LAMP_SURVIVED;
    }
    g_string_assign(why, all->str[0] == ';' ? all->str + 2 : all->str);
    print_last_lines(h);
    return LAMP_BROKEN;
}
