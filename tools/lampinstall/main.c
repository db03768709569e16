/* tools/lampinstall/main.c: lampinstall, the installer-app stand-in
 * (docs/commissioning.md, docs/tools.md#lampinstall).  It logs in to the
 * cloud's commissioning service, finds lamps on lampsim's virtual BLE
 * medium, and for each one reads its lamp info, asks the cloud for the
 * blob that carries the site's WiFi settings to that lamp, writes it, and
 * reports what the lamp answered.  It never sees a key. */
#include "ble_central.h"
#include "cloud_client.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define SERVICE_UUID "a7c30001-5c1e-4d6b-9a0f-6c616d700000"
#define INFO_UUID "a7c30002-5c1e-4d6b-9a0f-6c616d700000"
#define CREDS_UUID "a7c30003-5c1e-4d6b-9a0f-6c616d700000"
#define STATUS_UUID "a7c30004-5c1e-4d6b-9a0f-6c616d700000"

struct options {
    char *cloud, *ca, *user, *password_file, *ble_socket, *ssid, *passphrase, *proxy;
    char *save_blobs, *replay_blob;
    char **serials;
    gboolean again, tamper;
    int jobs, timeout_ms;
};

struct attempt {
    char addr[18];
    struct lamp_info info;
    bool in_flight;
};

struct tally {
    unsigned accepted, refused, failed, skipped;
};

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

/* Advertising lamps that offer the commissioning service. */
static GPtrArray *scan(struct ble_central *bc, GError **error)
{
    g_autoptr(GPtrArray) lines = NULL;
    GPtrArray *addrs = g_ptr_array_new_with_free_func(g_free);

    if (!ble_central_call(bc, "scan", NULL, &lines, error)) {
        g_ptr_array_unref(addrs);
        return NULL;
    }
    for (guint i = 0; i < lines->len; i++) {
        g_auto(GStrv) w = g_strsplit(lines->pdata[i], " ", 0);
        if (g_strv_length(w) >= 3 && !strcmp(w[0], "adv") &&
            g_strv_contains((const char *const *)w + 3, SERVICE_UUID))
            g_ptr_array_add(addrs, g_strdup(w[1]));
    }
    return addrs;
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
static bool start(struct ble_central *bc, struct cloud_client *cloud, const struct options *o,
                  struct attempt *a, struct tally *t)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *cmd = NULL, *reply = NULL, *blob = NULL;
    struct site_wifi wifi = { o->ssid, o->passphrase, o->proxy };
    long status = 0;

    cmd = g_strdup_printf("connect %s", a->addr);
    if (!ble_central_call(bc, cmd, NULL, NULL, &error)) {
        printf("%s: cannot connect: %s\n", a->addr, error->message);
        t->failed++;
        return false;
    }
    g_free(cmd);
    cmd = g_strdup_printf("read %s %s", a->addr, INFO_UUID);
    if (!ble_central_call(bc, cmd, &reply, NULL, &error) ||
        !lamp_info_parse(reply, &a->info, &error)) {
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
    g_free(cmd);
    cmd = g_strdup_printf("subscribe %s %s", a->addr, STATUS_UUID);
    if (!ble_central_call(bc, cmd, NULL, NULL, &error)) {
        printf("%s: subscribe: %s\n", a->info.serial, error->message);
        t->failed++;
        goto drop;
    }
    g_free(cmd);
    cmd = g_strdup_printf("write %s %s %s", a->addr, CREDS_UUID, blob);
    if (!ble_central_call(bc, cmd, NULL, NULL, &error)) {
        printf("%s: write: %s\n", a->info.serial, error->message);
        t->failed++;
        goto drop;
    }
    a->in_flight = true;
    return true;
drop:
    g_free(cmd);
    cmd = g_strdup_printf("disconnect %s", a->addr);
    ble_central_call(bc, cmd, NULL, NULL, NULL);
    return false;
}

/* The lamp's status notification, as text. */
static void finish(struct ble_central *bc, const struct options *o, struct attempt *a,
                   struct tally *t)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *ev = NULL, *cmd = NULL;

    for (;;) {
        g_free(ev);
        ev = ble_central_next_event(bc, a->addr, o->timeout_ms, &error);
        if (!ev) {
            printf("%s: %s\n", a->info.serial, error->message);
            t->failed++;
            break;
        }
        g_auto(GStrv) w = g_strsplit(ev, " ", 0);
        if (!strcmp(w[0], "disconnected")) {
            printf("%s: the lamp dropped the link before answering\n", a->info.serial);
            t->failed++;
            return;
        }
        if (g_strv_length(w) == 4 && !strcmp(w[2], STATUS_UUID)) {
            g_autoptr(GString) text = g_string_new(NULL);
            for (size_t i = 0; w[3][i] && w[3][i + 1]; i += 2)
                g_string_append_c(text, (char)(g_ascii_xdigit_value(w[3][i]) << 4 |
                                               g_ascii_xdigit_value(w[3][i + 1])));
            printf("%s: %s\n", a->info.serial, text->str);
            g_str_has_prefix(text->str, "accepted") ? t->accepted++ : t->refused++;
            break;
        }
    }
    cmd = g_strdup_printf("disconnect %s", a->addr);
    ble_central_call(bc, cmd, NULL, NULL, NULL);
}

static int run(const struct options *o)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *password = NULL;
    struct cloud_client *cloud = NULL;
    struct ble_central *bc = NULL;
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
    if (!(bc = ble_central_open(o->ble_socket, &error)) || !(addrs = scan(bc, &error)))
        goto fail;
    fprintf(stderr, "lampinstall: %u lamps advertise the commissioning service\n", addrs->len);
    for (guint i = 0; i < addrs->len; i += (guint)o->jobs) {
        guint n = MIN((guint)o->jobs, addrs->len - i);
        g_autofree struct attempt *batch = g_new0(struct attempt, n);
        for (guint k = 0; k < n; k++) {
            g_strlcpy(batch[k].addr, addrs->pdata[i + k], sizeof(batch[k].addr));
            start(bc, cloud, o, &batch[k], &t);
        }
        for (guint k = 0; k < n; k++)
            if (batch[k].in_flight)
                finish(bc, o, &batch[k], &t);
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
    ble_central_close(bc);
    cloud_client_free(cloud);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o = { .jobs = 32, .timeout_ms = 30000 };
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
        { NULL },
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
    if (!o.ble_socket)
        return usage_error("--ble-socket is required");
    if (!o.replay_blob && (!o.cloud || !o.ca || !o.user || !o.ssid || !o.passphrase))
        return usage_error("--cloud, --ca, --user, --ssid and --passphrase are required "
                           "(unless --replay-blob)");
    if (o.jobs < 1 || o.jobs > 1024)
        return usage_error("--jobs must be 1..1024");
    if (o.timeout_ms < 1)
        return usage_error("--timeout-ms must be positive");
    return run(&o);
}
