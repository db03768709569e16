/* tools/lampcloud/broker.c: Debian's mosquitto as the lamps' broker.
 * The configuration is written from the fleet each start: mutual TLS 1.2
 * with the one suite the lamps speak, lamps verified against the fleet's
 * device CA, the server certificate from its cloud CA, and the registry
 * plugin deciding who may connect (registry_plugin.c), no connection cap
 * (a fleet of tens of thousands: docs/cloud.md#large-fleets).  Retained state
 * persists in the state directory.  mosquitto's log comes through our
 * standard output: the plugin's admissions and refusals always, the rest
 * with --verbose. */
#include "lampcloud.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MOSQUITTO "/usr/sbin/mosquitto"
#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)

struct broker {
    GSubprocess *proc;
    GDataInputStream *log;
    GCancellable *cancel;
    bool verbose;
    GString *tail; /* the last lines, for an error at start */
};

static bool write_conf(const struct cloud_site *s, const char *plugin, const char *path,
                       GError **error)
{
    g_autofree char *ca = g_build_filename(s->fleet_dir, "device-ca.crt", NULL);
    g_autofree char *registry = g_build_filename(s->fleet_dir, "registry.sqlite", NULL);
    g_autofree char *crt = cloud_site_path(s, "server.crt");
    g_autofree char *key = cloud_site_path(s, "server.key");
    g_autofree char *persist = cloud_site_path(s, "mosquitto-db");
    g_autofree char *text = NULL;

    if (g_mkdir_with_parents(persist, 0700) != 0) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "cannot create %s", persist);
        return false;
    }
    text = g_strdup_printf(
        "# Written by lampcloud serve at every start; edits are lost.\n"
        "per_listener_settings false\n"
        "listener %d %s\n"
        /* no cap but the descriptors lampcloud raised for it (one per
         * lamp); the listen backlog is 100, fixed in mosquitto 2.0.11
         * (docs/cloud.md#large-fleets) */
        "max_connections -1\n"
        "cafile %s\n"
        "certfile %s\n"
        "keyfile %s\n"
        "require_certificate true\n"
        "tls_version tlsv1.2\n"
        "ciphers ECDHE-ECDSA-AES128-GCM-SHA256\n"
        "plugin %s\n"
        "plugin_opt_registry %s\n"
        "allow_anonymous false\n"
        "persistence true\n"
        "persistence_location %s/\n"
        "autosave_interval 5\n"
        "max_keepalive 120\n"
        /* no cap on a client's queue of QoS 1 messages (mosquitto's
         * default, 1000, drops the rest): the follower, the cloud's record
         * of every lamp, takes the retained state of the whole fleet at
         * each subscribe and every lamp's reports after a broker restart
         * at once, and a fault report dropped there is lost though the
         * lamp had its PUBACK.  Lamps hold clean sessions: nothing queues
         * for them while they are away (docs/robustness.md#cloud-outages) */
        "max_queued_messages 0\n"
        /* MQTT packets are small: no Nagle wait on the TLS records */
        "set_tcp_nodelay true\n"
        "log_dest stderr\n"
        "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
        "connection_messages true\n"
        "%s",
        s->mqtt_port, s->host, ca, crt, key, plugin, registry, persist,
        /* as root mosquitto would switch to user mosquitto, who cannot
         * read the keys lampcloud just wrote (mode 0600) */
        geteuid() == 0 ? "user root\n" : "");
    return g_file_set_contents(path, text, -1, error);
}

static void on_log_line(GObject *src, GAsyncResult *res, gpointer user);

static void read_next(struct broker *b)
{
    g_data_input_stream_read_line_async(b->log, G_PRIORITY_DEFAULT, b->cancel, on_log_line, b);
}

static void on_log_line(GObject *src, GAsyncResult *res, gpointer user)
{
    g_autofree char *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res,
                                                                 NULL, NULL);
    struct broker *b = user;
    const char *msg;

    if (!line)
        return; /* EOF, or cancelled */
    /* "1795694142: text" */
    msg = strstr(line, ": ");
    msg = msg ? msg + 2 : line;
    g_string_append_printf(b->tail, "  %s\n", msg);
    if (b->tail->len > 4096)
        g_string_erase(b->tail, 0, (gssize)(b->tail->len - 4096));
    /* A lamp that loses power leaves without a TLS close_notify: normal
     * for lamps, so only --verbose shows the OpenSSL complaint about it. */
    /* "Outgoing messages are being dropped for client ID." is a loss */
    if (b->verbose || g_str_has_prefix(msg, "lampcloud:") || strstr(msg, "being dropped") ||
        g_str_has_prefix(msg, "New client connected") || strstr(msg, " disconnected") ||
        (strstr(msg, "Error") && !strstr(msg, "unexpected eof while reading")) ||
        (strstr(msg, "Warning") && !strstr(msg, "should not be run as root")))
        cloud_say("broker: %s", msg);
    read_next(b);
}

static bool port_open(const char *host, int port)
{
    g_autoptr(GSocketClient) c = g_socket_client_new();
    g_autoptr(GSocketConnection) conn = NULL;

    g_socket_client_set_timeout(c, 1);
    conn = g_socket_client_connect_to_host(c, host, (guint16)port, NULL, NULL);
    return conn != NULL;
}

struct broker *broker_start(const struct cloud_site *s, const char *plugin, bool verbose,
                            GError **error)
{
    g_autofree char *conf = cloud_site_path(s, "mosquitto.conf");
    struct broker *b;
    gint64 deadline;

    if (!g_file_test(MOSQUITTO, G_FILE_TEST_IS_EXECUTABLE)) {
        g_set_error(error, LAMPCLOUD_ERROR, 0,
                    MOSQUITTO " not found: install Debian's mosquitto (tools/setup.sh does)");
        return NULL;
    }
    if (!g_file_test(plugin, G_FILE_TEST_EXISTS)) {
        g_set_error(error, LAMPCLOUD_ERROR, 0, "registry plugin %s not found (--plugin)", plugin);
        return NULL;
    }
    if (port_open(s->host, s->mqtt_port)) {
        g_set_error(error, LAMPCLOUD_ERROR, 0,
                    "%s:%d is already in use (another broker?); choose --mqtt-port", s->host,
                    s->mqtt_port);
        return NULL;
    }
    if (!write_conf(s, plugin, conf, error))
        return NULL;
    b = g_new0(struct broker, 1);
    b->verbose = verbose;
    b->tail = g_string_new(NULL);
    b->cancel = g_cancellable_new();
    b->proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDIN_INHERIT,
                               error, MOSQUITTO, "-c", conf, NULL);
    if (!b->proc) {
        broker_stop(b);
        return NULL;
    }
    b->log = g_data_input_stream_new(g_subprocess_get_stderr_pipe(b->proc));
    read_next(b);
    deadline = g_get_monotonic_time() + READY_TIMEOUT_US;
    while (!port_open(s->host, s->mqtt_port)) {
        g_autofree char *why = NULL;
        while (g_main_context_iteration(NULL, FALSE))
            ;
        if (broker_exited(b, &why) || g_get_monotonic_time() > deadline) {
            g_set_error(error, LAMPCLOUD_ERROR, 0, "mosquitto did not start (%s); its log:\n%s",
                        why ? why : "its port never opened", b->tail->str);
            broker_stop(b);
            return NULL;
        }
        g_usleep(50000);
    }
    while (g_main_context_iteration(NULL, FALSE))
        ;
    return b;
}

bool broker_exited(struct broker *b, char **why)
{
    if (!g_subprocess_get_identifier(b->proc)) {
        if (why)
            *why = g_strdup_printf("mosquitto exited with status %d",
                                   g_subprocess_get_if_exited(b->proc)
                                       ? g_subprocess_get_exit_status(b->proc)
                                       : 128 + g_subprocess_get_term_sig(b->proc));
        return true;
    }
    return false;
}

void broker_stop(struct broker *b)
{
    if (!b)
        return;
    if (b->proc && g_subprocess_get_identifier(b->proc)) {
        g_subprocess_send_signal(b->proc, SIGTERM);
        g_subprocess_wait(b->proc, NULL, NULL);
    }
    g_cancellable_cancel(b->cancel);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_clear_object(&b->log);
    g_clear_object(&b->proc);
    g_clear_object(&b->cancel);
    g_string_free(b->tail, TRUE);
    g_free(b);
}
