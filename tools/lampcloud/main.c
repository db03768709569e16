/* tools/lampcloud/main.c: lampcloud, the reference cloud for lampsim
 * (docs/cloud.md#the-reference-cloud).
 *   lampcloud serve --fleet DIR        broker, image server, commissioning, follower
 *   lampcloud images                   the image server alone (serve --no-image-server)
 *   lampcloud desired SERIAL JSON      set a lamp's desired state
 *   lampcloud notify-ota SERIAL IMAGE  offer an update image to a lamp
 *   lampcloud installer add|remove NAME  installer accounts (commissioning)
 *   lampcloud app deploy|remove|status   partner apps (app_cmd.c) */
#include "lampcloud.h"
#include "app_cmd.h"
#include "cli.h"
#include "factory.h"
#include "host_limits.h"
#include "https_service.h"
#include "installers.h"

#include <cjson/cJSON.h>
#include <glib-unix.h>
#include <mosquitto.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#ifndef LAMPCLOUD_PLUGIN
#error "LAMPCLOUD_PLUGIN: the built registry plugin's path"
#endif
/* Descriptors the cloud keeps beyond one per connected lamp: its
 * listeners, the follower, log pipes, the registry. */
#define FDS_BESIDES_LAMPS 64
#define CLOUD_CERT_DAYS 30

/* The broker's server certificate (cloud CA) and the cloud's own client
 * identities (device CA), issued afresh at every start. */
static bool issue_identities(const struct cloud_site *s, GError **error)
{
    g_autofree char *san = g_strdup_printf(g_hostname_is_ip_address(s->server_name)
                                               ? "IP:%s" : "DNS:%s,IP:%s",
                                           s->server_name, s->host);
    const char *clients[] = { CLOUD_FOLLOWER_ID, CLOUD_CLI_ID };
    g_autofree char *k = cloud_site_path(s, "server.key"), *c = cloud_site_path(s, "server.crt");

    if (!factory_issue_pem(s->fleet_dir, true, s->server_name, san, CLOUD_CERT_DAYS, k, c, error))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(clients); i++) {
        g_autofree char *base = g_strdelimit(g_strdup(clients[i]), ":", '-');
        g_autofree char *kp = g_strdup_printf("%s/%s.key", s->state_dir, base);
        g_autofree char *cp = g_strdup_printf("%s/%s.crt", s->state_dir, base);
        if (!factory_issue_pem(s->fleet_dir, false, clients[i], NULL, CLOUD_CERT_DAYS, kp, cp,
                               error))
            return false;
    }
    return true;
}

static gboolean on_signal(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_CONTINUE;
}

struct watch {
    struct broker *broker;
    GMainLoop *loop;
};

static gboolean check_broker(gpointer data)
{
    struct watch *w = data;
    g_autofree char *why = NULL;

    if (broker_exited(w->broker, &why)) {
        cloud_say("lampcloud: %s; stopping", why);
        g_main_loop_quit(w->loop);
    }
    return G_SOURCE_CONTINUE;
}

static int cmd_serve(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *state = NULL, *host = NULL, *name = NULL, *images = NULL;
    g_autofree char *plugin = NULL;
    gint mqtt_port = 8883, https_port = 8443, commission_port = -1;
    gint64 cut_after = -1;
    gboolean verbose = FALSE, no_images = FALSE;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "The fleet (lampfactory fleet-init): CAs and registry", "DIR" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state, "Certificates, mosquitto.conf and retained messages (default " CLI_DEFAULT_STATE ")", "DIR" },
        { "host", 0, 0, G_OPTION_ARG_STRING, &host, "IPv4 address to listen on (default 127.0.0.1)", "ADDR" },
        { "server-name", 0, 0, G_OPTION_ARG_STRING, &name, "Name in the server certificate, as lamps are provisioned to reach it (default localhost)", "NAME" },
        { "mqtt-port", 0, 0, G_OPTION_ARG_INT, &mqtt_port, "Broker port (default 8883)", "PORT" },
        { "https-port", 0, 0, G_OPTION_ARG_INT, &https_port, "Image server port (default 8443)", "PORT" },
        { "commission-port", 0, 0, G_OPTION_ARG_INT, &commission_port, "Installers' commissioning service (HTTPS; default the MQTT port + 2, or any free port if that one is taken)", "PORT" },
        { "images", 0, 0, G_OPTION_ARG_FILENAME, &images, "Directory of update images served at https://NAME:PORT/FILE (default STATE/images)", "DIR" },
        { "cut-after", 0, 0, G_OPTION_ARG_INT64, &cut_after, "Testing: end every download without Range after N bytes of body", "N" },
        { "plugin", 0, 0, G_OPTION_ARG_FILENAME, &plugin, "The registry plugin for mosquitto (default: the built one)", "SO" },
        { "no-image-server", 0, 0, G_OPTION_ARG_NONE, &no_images, "Leave the image server (on --https-port) to `lampcloud images`, which is then stopped and started on its own (outage tests)", NULL },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Show all of mosquitto's log", NULL },
        G_OPTION_ENTRY_NULL,
    };
    struct cloud_site s = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    struct broker *broker = NULL;
    struct image_server *srv = NULL;
    struct follower *fol = NULL;
    struct commission_server *com = NULL;
    uint64_t nofile;
    int rc = 0;

    if (!cli_parse("serve", "", "Run the reference cloud until Ctrl-C: mosquitto with mutual TLS and "
               "the fleet registry, an HTTPS image server, the installers' HTTPS commissioning "
               "service, and a follower of every lamp's topics.",
               e, &argc, &argv, &rc))
        return rc;
    if (!fleet || argc > 1)
        return cli_usage_error("serve", "--fleet DIR is required");
    https_services_init(); /* before any thread */
    if (mqtt_port <= 0 || mqtt_port > 65535 || https_port <= 0 || https_port > 65535 ||
        commission_port == 0 || commission_port > 65535)
        return cli_usage_error("serve", "ports are 1 to 65535");
    s.fleet_dir = g_canonicalize_filename(fleet, NULL);
    s.state_dir = g_canonicalize_filename(state ? state : CLI_DEFAULT_STATE, NULL);
    s.host = g_strdup(host ? host : "127.0.0.1");
    s.server_name = g_strdup(name ? name : "localhost");
    s.images_dir = images ? g_canonicalize_filename(images, NULL)
                          : g_build_filename(s.state_dir, "images", NULL);
    s.mqtt_port = mqtt_port;
    s.https_port = https_port;
    /* a default next to the broker's, so a second cloud with other ports
     * does not collide on a fixed one */
    s.commission_port = commission_port > 0 ? commission_port
                        : mqtt_port + 2 <= 65535 ? mqtt_port + 2 : 0;
    {
        g_autofree char *reg = g_build_filename(s.fleet_dir, "registry.sqlite", NULL);
        if (!g_file_test(reg, G_FILE_TEST_EXISTS)) {
            fprintf(stderr, "lampcloud serve: %s has no registry.sqlite: not a fleet "
                            "(lampfactory fleet-init makes one)\n", s.fleet_dir);
            cloud_site_clear(&s);
            return 1;
        }
    }
    if (g_mkdir_with_parents(s.state_dir, 0700) != 0 || g_mkdir_with_parents(s.images_dir, 0755) != 0) {
        fprintf(stderr, "lampcloud serve: cannot create %s or %s\n", s.state_dir, s.images_dir);
        cloud_site_clear(&s);
        return 1;
    }
    /* mosquitto holds a descriptor per lamp and never raises its own soft
     * limit (often 1024): it inherits ours. */
    if (!host_raise_nofile(&nofile, NULL, &error)) {
        rc = cli_fail("serve", error);
        cloud_site_clear(&s);
        return rc;
    }
    mosquitto_lib_init();
    /* the commissioning service last of the listeners: its default port
     * gives way to the others; lampcloud.ini then says which it got */
    if (!issue_identities(&s, &error) ||
        !(broker = broker_start(&s, plugin ? plugin : LAMPCLOUD_PLUGIN, verbose, &error)) ||
        (!no_images && !(srv = image_server_start(&s, cut_after, false, -1, &error))) ||
        !(com = commission_server_start(&s, commission_port < 0, &error)) ||
        !cloud_site_save(&s, &error) || !(fol = follower_start(&s, &error))) {
        rc = cli_fail("serve", error);
        goto out;
    }
    cloud_say("lampcloud: broker mqtts://%s:%d (TLS 1.2, client certificates from %s/device-ca.crt)",
              s.server_name, s.mqtt_port, s.fleet_dir);
    cloud_say("lampcloud: broker takes up to about %llu lamps (RLIMIT_NOFILE %llu, raised to the "
              "hard limit; docs/cloud.md#large-fleets)",
              nofile > FDS_BESIDES_LAMPS ? (unsigned long long)(nofile - FDS_BESIDES_LAMPS) : 0ull,
              (unsigned long long)nofile);
    cloud_say("lampcloud: images https://%s:%d/ from %s%s", s.server_name, s.https_port,
              s.images_dir,
              no_images ? " (served by `lampcloud images`: --no-image-server)"
              : cut_after >= 0 ? " (downloads without Range cut short: --cut-after)" : "");
    cloud_say("lampcloud: commissioning https://%s:%d/api/", s.server_name, s.commission_port);
    cloud_say("lampcloud: registry %s/registry.sqlite; ready", s.fleet_dir);
    loop = g_main_loop_new(NULL, FALSE);
    struct watch w = { broker, loop };
    g_unix_signal_add(SIGINT, on_signal, loop);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_timeout_add(500, check_broker, &w);
    g_main_loop_run(loop);
    cloud_say("lampcloud: stopping");
out:
    follower_stop(fol);
    commission_server_stop(com);
    image_server_stop(srv);
    broker_stop(broker);
    mosquitto_lib_cleanup();
    cloud_site_clear(&s);
    return rc;
}

/* The image server of a running `serve --no-image-server`, in a process of
 * its own: killing it is an image server outage the broker does not see. */
static int cmd_images(int argc, char **argv)
{
    g_autofree char *state = NULL;
    gint64 cut_after = -1, hold_after = -1, cut_every = -1;
    GOptionEntry e[] = {
        CLI_STATE_DIR_ENTRY(state),
        { "cut-every", 0, 0, G_OPTION_ARG_INT64, &cut_every, "Testing: end every download, with Range too, after N bytes of body (a flaky server)", "N" },
        { "cut-after", 0, 0, G_OPTION_ARG_INT64, &cut_after, "Testing: end every download without Range after N bytes of body", "N" },
        { "hold-after", 0, 0, G_OPTION_ARG_INT64, &hold_after, "Testing: stop every download without Range after N bytes of body and keep its connection open (so that a kill finds it under way)", "N" },
        G_OPTION_ENTRY_NULL,
    };
    struct cloud_site s = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    struct image_server *srv;
    int rc = 0;

    if (!cli_parse("images", "", "Run the image server of a `lampcloud serve --no-image-server` "
               "(its --https-port, certificate, registry and images directory, read from its "
               "lampcloud.ini) until Ctrl-C.", e, &argc, &argv, &rc))
        return rc;
    if (argc > 1)
        return cli_usage_error("images", "no arguments besides the options");
    if (cut_every >= 0 && cut_after >= 0)
        return cli_usage_error("images", "--cut-after and --cut-every exclude each other");
    https_services_init(); /* before any thread */
    if (!cloud_site_load(&s, state ? state : CLI_DEFAULT_STATE, &error) ||
        !(srv = image_server_start(&s, cut_every >= 0 ? cut_every : cut_after, cut_every >= 0,
                                  hold_after, &error))) {
        rc = cli_fail("images", error);
        cloud_site_clear(&s);
        return rc;
    }
    cloud_say("lampcloud: images https://%s:%d/ from %s%s%s%s; ready", s.server_name, s.https_port,
              s.images_dir, cut_after >= 0 ? " (downloads without Range cut short: --cut-after)" : "",
              cut_every >= 0 ? " (every download cut short: --cut-every)" : "",
              hold_after >= 0 ? " (downloads without Range held: --hold-after)" : "");
    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGINT, on_signal, loop);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_main_loop_run(loop);
    cloud_say("lampcloud: images stopping");
    image_server_stop(srv);
    cloud_site_clear(&s);
    return 0;
}

static int cmd_desired(int argc, char **argv)
{
    g_autofree char *state = NULL;
    GOptionEntry e[] = {
        CLI_STATE_DIR_ENTRY(state),
        G_OPTION_ENTRY_NULL,
    };
    struct cloud_site s = { 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *topic = NULL;
    cJSON *doc;
    int rc = 0;

    if (!cli_parse("desired", "SERIAL JSON", "Set a lamp's desired state, e.g. '{\"on\":false}' or "
               "'{\"level\":40}'; the cloud sends the lamp what differs from its reported state.",
               e, &argc, &argv, &rc))
        return rc;
    if (argc != 3)
        return cli_usage_error("desired", "expected SERIAL and a JSON object");
    doc = cJSON_Parse(argv[2]);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return cli_usage_error("desired", "the desired state must be a JSON object");
    }
    cJSON_Delete(doc);
    if (!cloud_site_load(&s, state ? state : CLI_DEFAULT_STATE, &error))
        return cli_fail("desired", error);
    mosquitto_lib_init();
    topic = g_strdup_printf("lamp/%s/shadow/desired", argv[1]);
    if (!cloud_publish(&s, topic, argv[2], true, &error))
        rc = cli_fail("desired", error);
    else
        printf("%s desired %s\n", argv[1], argv[2]);
    mosquitto_lib_cleanup();
    cloud_site_clear(&s);
    return rc;
}

/* The serials of a --serials file: one a line, blank lines skipped. */
static GPtrArray *read_serials(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *out;

    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    lines = g_strsplit(text, "\n", -1);
    out = g_ptr_array_new_with_free_func(g_free);
    for (char **l = lines; *l; l++) {
        g_strstrip(*l);
        if (**l)
            g_ptr_array_add(out, g_strdup(*l));
    }
    if (out->len == 0) {
        g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT, "%s: no serials", path);
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

static int cmd_notify_ota(int argc, char **argv)
{
    g_autofree char *state = NULL, *data = NULL, *base = NULL, *dest = NULL;
    g_autofree char *payload = NULL, *serials_file = NULL;
    GOptionEntry e[] = {
        CLI_STATE_DIR_ENTRY(state),
        { "serials", 0, 0, G_OPTION_ARG_FILENAME, &serials_file, "Offer it to every lamp listed in FILE (one serial a line) over one connection, instead of SERIAL", "FILE" },
        G_OPTION_ENTRY_NULL,
    };
    struct cloud_site s = { 0 };
    struct image_header h;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) serials = NULL, topics = NULL, payloads = NULL;
    const char *image;
    gsize len;
    int rc = 0;

    if (!cli_parse("notify-ota", "SERIAL IMAGE | --serials FILE IMAGE", "Offer a signed update "
               "image to a lamp (or to many): the image is copied into the served images "
               "directory and its HTTPS URL is published (retained) on lamp/SERIAL/ota.",
               e, &argc, &argv, &rc))
        return rc;
    if (argc != (serials_file ? 2 : 3))
        return cli_usage_error("notify-ota", serials_file ? "expected an image file"
                                                          : "expected SERIAL and an image file");
    image = argv[argc - 1];
    if (serials_file) {
        serials = read_serials(serials_file, &error);
    } else {
        serials = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(serials, g_strdup(argv[1]));
    }
    if (!serials || !cloud_site_load(&s, state ? state : CLI_DEFAULT_STATE, &error) ||
        !g_file_get_contents(image, &data, &len, &error) ||
        !factory_image_parse((const uint8_t *)data, len, &h, &error)) {
        rc = cli_fail("notify-ota", error);
        goto out;
    }
    base = g_path_get_basename(image);
    dest = g_build_filename(s.images_dir, base, NULL);
    if (!g_file_set_contents(dest, data, (gssize)len, &error)) {
        rc = cli_fail("notify-ota", error);
        goto out;
    }
    payload = g_strdup_printf("{\"url\":\"https://%s:%d/%s\",\"version\":\"%u.%u.%u\",\"size\":%zu}",
                              s.server_name, s.https_port, base, h.fw_version >> 16,
                              (h.fw_version >> 8) & 0xFF, h.fw_version & 0xFF, (size_t)len);
    topics = g_ptr_array_new_with_free_func(g_free);
    payloads = g_ptr_array_new();
    for (guint i = 0; i < serials->len; i++) {
        g_ptr_array_add(topics, g_strdup_printf("lamp/%s/ota", (char *)serials->pdata[i]));
        g_ptr_array_add(payloads, payload);
    }
    mosquitto_lib_init();
    if (!cloud_publish_all(&s, topics->len, (const char *const *)topics->pdata,
                           (const char *const *)payloads->pdata, true, &error))
        rc = cli_fail("notify-ota", error);
    else
        for (guint i = 0; i < serials->len; i++)
            printf("%s offered %s\n", (char *)serials->pdata[i], payload);
    mosquitto_lib_cleanup();
out:
    cloud_site_clear(&s);
    return rc;
}

/* The first line of standard input, without its line end; not echoed
 * when it is a terminal.  NULL if there is none. */
static char *read_password(void)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (tty) {
        fprintf(stderr, "password: ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    n = getline(&line, &cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = 0;
    return line;
}

/* The registry of --fleet, or of the fleet the running serve uses. */
static char *registry_of(const char *fleet, const char *state, GError **error)
{
    struct cloud_site s = { 0 };
    char *path;

    if (fleet)
        return g_build_filename(fleet, "registry.sqlite", NULL);
    if (!cloud_site_load(&s, state ? state : CLI_DEFAULT_STATE, error))
        return NULL;
    path = g_build_filename(s.fleet_dir, "registry.sqlite", NULL);
    cloud_site_clear(&s);
    return path;
}

static int cmd_installer(int argc, char **argv)
{
    g_autofree char *fleet = NULL, *state = NULL, *registry = NULL;
    gboolean replace = FALSE;
    GOptionEntry e[] = {
        { "fleet", 0, 0, G_OPTION_ARG_FILENAME, &fleet, "The fleet whose registry holds the accounts (default: the one of the running serve)", "DIR" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state, "Without --fleet: the running cloud's state directory (default " CLI_DEFAULT_STATE ")", "DIR" },
        { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, "add: set a new password for an existing installer", NULL },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    const char *verb, *name;
    char *password;
    bool ok;
    int rc = 0;

    if (!cli_parse("installer", "add|remove NAME", "Installer accounts for BLE commissioning, in the "
               "fleet registry (table installers, PBKDF2-HMAC-SHA256). add reads the password "
               "from the first line of standard input.", e, &argc, &argv, &rc))
        return rc;
    if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove")))
        return cli_usage_error("installer", "expected add NAME or remove NAME");
    verb = argv[1];
    name = argv[2];
    if (!(registry = registry_of(fleet, state, &error)))
        return cli_fail("installer", error);
    if (!g_file_test(registry, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "lampcloud installer: %s does not exist: not a fleet (lampfactory "
                        "fleet-init makes one)\n", registry);
        return 1;
    }
    if (!strcmp(verb, "remove")) {
        ok = installer_remove(registry, name, &error);
    } else {
        if (!(password = read_password()) || !*password) {
            free(password);
            return cli_usage_error("installer", "no password on standard input (the first line)");
        }
        ok = installer_add(registry, name, password, replace, &error);
        OPENSSL_cleanse(password, strlen(password));
        free(password);
    }
    if (!ok) {
        fprintf(stderr, "lampcloud installer: %s\n", error->message);
        return g_error_matches(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT) ? 2 : 1;
    }
    printf("installer %s %s in %s\n", name, !strcmp(verb, "remove") ? "removed" : "added",
           registry);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    { "serve", cmd_serve, "run the broker, the image server, commissioning and the follower until Ctrl-C" },
    { "desired", cmd_desired, "set a lamp's desired state (JSON)" },
    { "notify-ota", cmd_notify_ota, "offer an update image to a lamp over HTTPS" },
    { "images", cmd_images, "run the image server alone (for serve --no-image-server)" },
    { "installer", cmd_installer, "add or remove an installer account (commissioning logins)" },
    { "app", cmd_app, "deploy or remove a partner app on lamps, show their apps' status" },
};

static void print_help(FILE *f)
{
    fprintf(f, "usage: lampcloud COMMAND [OPTIONS]\n\n"
               "The reference cloud for lampsim lamps (docs/cloud.md).\n\ncommands:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nlampcloud COMMAND --help describes each. Exit status: 0 done, 1 failed, "
               "2 bad arguments.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_help(stdout);
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "lampcloud: unknown command '%s'\n", argv[1]);
    print_help(stderr);
    return 2;
}
