/* tools/lampinstall/main.c: lampinstall, the installer-app stand-in
 * (docs/commissioning.md, docs/tools.md#lampinstall).  It logs in to the
 * cloud's commissioning service, finds lamps on lampsim's virtual BLE
 * medium, and for each one reads its lamp info, asks the cloud for the
 * blob that carries the site's WiFi settings to that lamp, writes it, and
 * reports what the lamp answered.  It never sees a key. */
#include "cloud_client.h"
#include "transport.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

struct options {
    char *cloud, *ca, *user, *password_file, *ble_socket, *bluez, *ssid, *passphrase, *proxy;
    char *save_blobs, *replay_blob;
    char **serials;
    gboolean again, tamper;
    int jobs, timeout_ms, scan_ms;
};

struct attempt {
    char addr[256];   /* the transport's id of the lamp */
    struct lamp_info info;
    bool in_flight;
};

struct tally {
    unsigned accepted, refused, failed, skipped;
};

static void options_clear(struct options *o)
{
    char **strings[] = { &o->cloud, &o->ca, &o->user, &o->password_file, &o->ble_socket,
                         &o->bluez, &o->ssid, &o->passphrase, &o->proxy, &o->save_blobs,
                         &o->replay_blob };
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
        g_clear_pointer(strings[i], g_free);
    g_clear_pointer(&o->serials, g_strfreev);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "lampinstall: %s (see lampinstall --help)\n", msg);
    return 2;
}

static char *read_password(const char *file, GError **error)
{
    g_autofree char *text = NULL;
    char line[1024];

    if (file) {
        if (!g_file_get_contents(file, &text, NULL, error))
            return NULL;
    } else {
        if (!fgets(line, sizeof(line), stdin)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "no password on standard input (or give --password-file)");
            return NULL;
        }
        text = g_strdup(line);
    }
    text[strcspn(text, "\r\n")] = 0;
    if (!*text) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the password is empty");
        return NULL;
    }
    return g_steal_pointer(&text);
}

static bool wanted(const struct options *o, const struct lamp_info *info)
{
    if (o->serials)
        return g_strv_contains((const char *const *)o->serials, info->serial);
    return o->again || !(info->flags & 1);
}

static void flip_ciphertext_bit(char *hex)
{
    /* the first ciphertext byte is at offset 54 of the blob */
    size_t pos = 2 * 54;
    if (strlen(hex) > pos)
        hex[pos] = hex[pos] == '0' ? '1' : '0';
}

/* Connect, read, get the blob, subscribe, write: the lamp then works on it. */
static bool start(struct transport *tr, struct cloud_client *cloud, const struct options *o,
                  struct attempt *a, struct tally *t)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *info = NULL, *blob = NULL;
    struct site_wifi wifi = { o->ssid, o->passphrase, o->proxy };
    long status = 0;

    if (!tr->ops->open(tr, a->addr, &error)) {
        printf("%s: cannot connect: %s\n", a->addr, error->message);
        t->failed++;
        return false;
    }
    if (!(info = tr->ops->read_info(tr, a->addr, &error)) ||
        !lamp_info_parse(info, &a->info, &error)) {
        printf("%s: lamp info: %s\n", a->addr, error->message);
        t->failed++;
        goto drop;
    }
    if (!wanted(o, &a->info)) {
        t->skipped++;
        goto drop;
    }
    if (o->replay_blob) {
        if (!g_file_get_contents(o->replay_blob, &blob, NULL, &error)) {
            printf("%s: %s\n", a->info.serial, error->message);
            t->failed++;
            goto drop;
        }
        g_strstrip(blob);
    } else if (!(blob = cloud_client_commission(cloud, &a->info, &wifi, &status, &error))) {
        printf("%s: the cloud refused: %s\n", a->info.serial, error->message);
        status == 401 || status == 403 || status == 409 ? t->refused++ : t->failed++;
        goto drop;
    }
    if (o->save_blobs) {
        g_autofree char *path = g_strdup_printf("%s/%s.hex", o->save_blobs, a->info.serial);
        if (!g_file_set_contents(path, blob, -1, &error)) {
            printf("%s: %s\n", a->info.serial, error->message);
            t->failed++;
            goto drop;
        }
    }
    if (o->tamper)
        flip_ciphertext_bit(blob);
    if (!tr->ops->send_blob(tr, a->addr, blob, &error)) {
        printf("%s: %s\n", a->info.serial, error->message);
        t->failed++;
        goto drop;
    }
    a->in_flight = true;
    return true;
drop:
    tr->ops->close(tr, a->addr);
    return false;
}

/* The lamp's status notification. */
static void finish(struct transport *tr, const struct options *o, struct attempt *a,
                   struct tally *t)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = tr->ops->await_status(tr, a->addr, o->timeout_ms, &error);

    if (!text) {
        printf("%s: %s\n", a->info.serial, error->message);
        t->failed++;
    } else {
        printf("%s: %s\n", a->info.serial, text);
        g_str_has_prefix(text, "accepted") ? t->accepted++ : t->refused++;
    }
    tr->ops->close(tr, a->addr);
}

static int run(const struct options *o)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *password = NULL;
    struct cloud_client *cloud = NULL;
    struct transport *tr = NULL;
    g_autoptr(GPtrArray) addrs = NULL;
    struct tally t = { 0 };
    int rc = 1;

    if (!o->replay_blob) {
        if (!(password = read_password(o->password_file, &error)))
            goto fail;
        if (!(cloud = cloud_client_new(o->cloud, o->ca, &error)) ||
            !cloud_client_login(cloud, o->user, password, &error))
            goto fail;
        memset(password, 0, strlen(password));
        fprintf(stderr, "lampinstall: logged in to %s as %s\n", o->cloud, o->user);
    }
    tr = o->bluez ? transport_bluez_new(o->bluez, o->scan_ms, &error)
                  : transport_medium_new(o->ble_socket, &error);
    if (!tr || !(addrs = tr->ops->scan(tr, &error)))
        goto fail;
    fprintf(stderr, "lampinstall: %u lamps advertise the commissioning service\n", addrs->len);
    for (guint i = 0; i < addrs->len; i += (guint)o->jobs) {
        guint n = MIN((guint)o->jobs, addrs->len - i);
        g_autofree struct attempt *batch = g_new0(struct attempt, n);
        for (guint k = 0; k < n; k++) {
            g_strlcpy(batch[k].addr, addrs->pdata[i + k], sizeof(batch[k].addr));
            start(tr, cloud, o, &batch[k], &t);
        }
        for (guint k = 0; k < n; k++)
            if (batch[k].in_flight)
                finish(tr, o, &batch[k], &t);
        fflush(stdout);
        if (addrs->len > (guint)o->jobs)
            fprintf(stderr, "lampinstall: %u/%u lamps done\n", i + n, addrs->len);
    }
    fprintf(stderr, "lampinstall: %u accepted, %u refused, %u failed, %u skipped\n", t.accepted,
            t.refused, t.failed, t.skipped);
    rc = t.refused || t.failed || t.accepted == 0 ? 1 : 0;
    goto out;
fail:
    fprintf(stderr, "lampinstall: %s\n", error->message);
out:
    if (tr)
        tr->ops->free(tr);
    cloud_client_free(cloud);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = { .jobs = 32, .timeout_ms = 30000, .scan_ms = 10000 };
    GOptionEntry entries[] = {
        { "cloud", 0, 0, G_OPTION_ARG_STRING, &o.cloud,
          "The commissioning service, https://HOST:PORT (lampcloud serve prints it)", "URL" },
        { "ca", 0, 0, G_OPTION_ARG_FILENAME, &o.ca,
          "The CA the service's certificate must chain to (the fleet's cloud-ca.crt)", "FILE" },
        { "user", 0, 0, G_OPTION_ARG_STRING, &o.user, "Installer account name", "NAME" },
        { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &o.password_file,
          "Read the password from this file (default: the first line of standard input)", "FILE" },
        { "ble-socket", 0, 0, G_OPTION_ARG_FILENAME, &o.ble_socket,
          "lampsim's virtual BLE medium (lampsim run|fleet --ble-socket)", "PATH" },
        { "bluez", 0, 0, G_OPTION_ARG_STRING, &o.bluez,
          "Instead of the medium, use this host BlueZ adapter as the phone's radio (e.g. hci1; "
          "lamps shown by lampsim --bluez on another adapter in range)", "ADAPTER" },
        { "scan-ms", 0, 0, G_OPTION_ARG_INT, &o.scan_ms,
          "With --bluez: how long to scan for lamps (default 10000)", "MS" },
        { "ssid", 0, 0, G_OPTION_ARG_STRING, &o.ssid, "The site's WiFi network (1-32 bytes)", "SSID" },
        { "passphrase", 0, 0, G_OPTION_ARG_STRING, &o.passphrase,
          "Its WPA2 passphrase (8-63 characters)", "TEXT" },
        { "proxy", 0, 0, G_OPTION_ARG_STRING, &o.proxy, "The site's proxy, if any", "HOST:PORT" },
        { "serial", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.serials,
          "Commission this lamp (repeatable; default: every lamp in range not yet commissioned)",
          "SERIAL" },
        { "again", 0, 0, G_OPTION_ARG_NONE, &o.again,
          "Also commission lamps that already hold credentials", NULL },
        { "jobs", 0, 0, G_OPTION_ARG_INT, &o.jobs, "Lamps worked on at once (default 32)", "N" },
        { "timeout-ms", 0, 0, G_OPTION_ARG_INT, &o.timeout_ms,
          "How long a lamp may take to answer a blob (default 30000)", "MS" },
        { "save-blobs", 0, 0, G_OPTION_ARG_FILENAME, &o.save_blobs,
          "Keep each blob as DIR/SERIAL.hex (security tests: replays)", "DIR" },
        { "replay-blob", 0, 0, G_OPTION_ARG_FILENAME, &o.replay_blob,
          "Write the blob in this file instead of asking the cloud (security tests: what an "
          "attacker replaying a captured blob does; no login)", "FILE" },
        { "tamper", 0, 0, G_OPTION_ARG_NONE, &o.tamper,
          "Flip one ciphertext bit of each blob before writing it (security tests)", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- commission lamps over BLE");
    g_autoptr(GError) error = NULL;

    g_option_context_set_summary(ctx,
        "The installer-app stand-in: logs in to the reference cloud's commissioning service,\n"
        "finds lamps on lampsim's virtual BLE medium, and hands each one the site's WiFi\n"
        "settings encrypted for that lamp (docs/commissioning.md).");
    g_option_context_set_description(ctx,
        "Prints one line per lamp: SERIAL: accepted n=N, or SERIAL: rejected REASON: why.\n"
        "Exit status: 0 when every lamp worked on accepted, 1 when one refused or failed\n"
        "(or none was found), 2 for bad arguments.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        return usage_error(error->message);
    if (!o.ble_socket == !o.bluez)
        return usage_error("give one of --ble-socket (the virtual medium) or --bluez (an adapter)");
    if (!o.replay_blob && (!o.cloud || !o.ca || !o.user || !o.ssid || !o.passphrase))
        return usage_error("--cloud, --ca, --user, --ssid and --passphrase are required "
                           "(unless --replay-blob)");
    if (o.jobs < 1 || o.jobs > 1024)
        return usage_error("--jobs must be 1..1024");
    if (o.timeout_ms < 1)
        return usage_error("--timeout-ms must be positive");
    int rc = run(&o);
    options_clear(&o);
    return rc;
}
