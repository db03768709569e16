/* sim/serve_cmd.c: `lampsim serve`: a fleet run as a service until it is
 * stopped (SIGINT, SIGTERM): the twin of every lamp, the control API and
 * its event stream, Prometheus metrics (serve_api.h), progress on the
 * terminal and a summary at the end (docs/api.md, docs/twin.md,
 * docs/metrics.md). */
#include "commands.h"

#define CMD_NAME "serve"

#include "config.h"
#include "event_hub.h"
#include "fleet_setup.h"
#include "profile_runner.h"
#include "serve_api.h"
#include "sim_error.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define TOKEN_FILE "serve.token"
#define URL_FILE "serve.url"
#define EVENT_QUEUE 20000 /* events held between two drains of the hub */

struct serve_options {
    int port, twin_ms, signal_status;
    char *address, *web, *load_profile;
    gboolean metrics_auth, no_web;
    double progress_s, stop_after_s;
};

static void serve_options_add(GOptionContext *ctx, struct serve_options *o)
{
    GOptionEntry entries[] = {
        { "address", 0, 0, G_OPTION_ARG_STRING, &o->address,
          "Listen on this IP address (default 127.0.0.1; 0.0.0.0: every interface, e.g. a "
          "pod's IP for Prometheus: the API is then reachable from the network, protected "
          "by the token only, and /metrics is open unless --metrics-auth)", "ADDR" },
        { "port", 0, 0, G_OPTION_ARG_INT, &o->port,
          "Serve the API and /metrics on ADDR:PORT (default 0: a free port); the URL is "
          "printed and written to STATE_DIR/" URL_FILE, "PORT" },
        { "twin-period", 0, 0, G_OPTION_ARG_INT, &o->twin_ms,
          "Refresh every lamp's twin record this often, in ms (default 1000; 100 to 60000)",
          "MS" },
        { "web", 0, 0, G_OPTION_ARG_FILENAME, &o->web,
          "Serve the web view's static files from DIR at / (default: the repository's web/ "
          "folder, " LAMPSIM_WEB_DIR ", when it exists)", "DIR" },
        { "no-web", 0, 0, G_OPTION_ARG_NONE, &o->no_web, "Serve no static files at /", NULL },
        { "metrics-auth", 0, 0, G_OPTION_ARG_NONE, &o->metrics_auth,
          "/metrics wants the bearer token too (default: open: it holds fleet totals only, "
          "and a Prometheus scrape config then needs no secret)", NULL },
        { "progress", 0, 0, G_OPTION_ARG_DOUBLE, &o->progress_s,
          "Print a progress line to standard error this often when the fleet changed, in "
          "seconds (default 10; 0: never)", "SECONDS" },
        { "load-profile", 0, 0, G_OPTION_ARG_FILENAME, &o->load_profile,
          "Run the load profile in FILE from the start (docs/profiles.md): a ramp, churn, "
          "storms, OTA campaigns, commissioning waves (not --profile, which is the lamps' fuse "
          "profile)", "FILE" },
        { "signal-status", 0, 0, G_OPTION_ARG_INT, &o->signal_status,
          "Exit with this status when stopped by SIGINT or SIGTERM (default 0; --stop-after "
          "still exits 0).  A shard in a Kubernetes Job wants it non-zero: a pod that ends "
          "with 0 completes its index, so a shard stopped by a node drain would never run "
          "again (deploy/k8s, docs/scale.md)", "N" },
        { "stop-after", 0, 0, G_OPTION_ARG_DOUBLE, &o->stop_after_s,
          "Stop by itself after this many seconds, as on SIGTERM (default: run until stopped)",
          "SECONDS" },
        G_OPTION_ENTRY_NULL,
    };

    g_option_context_add_main_entries(ctx, entries, NULL);
}

/* Checks the options and fills in the defaults GOption cannot hold. */
static const char *serve_options_check(struct serve_options *o)
{
    if (!o->address)
        o->address = g_strdup("127.0.0.1");
    if (o->port < 0 || o->port > 65535)
        return "--port must be between 0 and 65535";
    if (o->signal_status < 0 || o->signal_status > 255)
        return "--signal-status must be between 0 and 255";
    if (o->twin_ms < 100 || o->twin_ms > 60000)
        return "--twin-period must be between 100 and 60000 ms";
    if (o->progress_s < 0 || o->stop_after_s < 0)
        return "--progress and --stop-after cannot be negative";
    if (o->web && o->no_web)
        return "--web and --no-web exclude each other";
    if (o->web && !g_file_test(o->web, G_FILE_TEST_IS_DIR))
        return "--web: not a directory";
    if (!g_hostname_is_ip_address(o->address))
        return "--address must be an IP address (127.0.0.1, 0.0.0.0, ::, a pod's IP)";
    return NULL;
}

struct serve {
    GMainLoop *loop;
    struct fleet *fleet;
    struct event_hub *hub;
    struct serve_api *api;
    struct profile_runner *profile;   /* --load-profile, or NULL */
    bool stopped_by_signal;   /* not by --stop-after */
    guint stop_source;     /* the --stop-after timer while it is pending */
    char last_progress[256];
};

/* On the workers: console lines go to the event stream when somebody
 * listens. */
static void on_line(struct lamp *lamp, const char *line, gpointer data)
{
    struct serve *sv = data;

    if (event_hub_listening(sv->hub, EVENT_CONSOLE))
        event_hub_push(sv->hub, EVENT_CONSOLE, lamp_serial(lamp), line);
}

static gboolean on_signal(gpointer data)
{
    struct serve *sv = data;

    fprintf(stderr, "lampsim serve: stopping: saving the lamps and closing the sockets\n");
    sv->stopped_by_signal = true;
    g_main_loop_quit(sv->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean on_stop_after(gpointer data)
{
    struct serve *sv = data;

    fprintf(stderr, "lampsim serve: --stop-after reached\n");
    g_main_loop_quit(sv->loop);
    sv->stop_source = 0; /* removed by returning: not again at the end */
    return G_SOURCE_REMOVE;
}

static void sum_all(struct fleet *f, struct twin_totals *sum)
{
    struct twin_totals t;

    *sum = (struct twin_totals){ 0 };
    for (unsigned w = 0; w < fleet_threads(f); w++) {
        fleet_twin_totals(f, w, &t);
        sum->lamps += t.lamps;
        sum->running += t.running;
        sum->by_netstate[SYSCTL_NETSTATE_ONLINE] += t.by_netstate[SYSCTL_NETSTATE_ONLINE];
        sum->tls_full += t.tls_full;
        sum->tls_resumed += t.tls_resumed;
        sum->tls_failed += t.tls_failed;
        sum->drops += t.drops;
        sum->watchdog_resets += t.watchdog_resets;
    }
}

static gboolean on_progress(gpointer data)
{
    struct serve *sv = data;
    struct twin_totals s;
    struct serve_counters c;
    char line[256];

    sum_all(sv->fleet, &s);
    serve_api_counters(sv->api, &c);
    g_snprintf(line, sizeof(line),
               "%u lamps: %u running, %u online; handshakes %" G_GUINT64_FORMAT " full, %"
               G_GUINT64_FORMAT " resumed, %" G_GUINT64_FORMAT " failed; %u event clients",
               s.lamps, s.running, s.by_netstate[SYSCTL_NETSTATE_ONLINE], s.tls_full,
               s.tls_resumed, s.tls_failed, c.sse_clients);
    if (strcmp(line, sv->last_progress)) {
        fprintf(stderr, "lampsim serve: %s\n", line);
        g_strlcpy(sv->last_progress, line, sizeof(sv->last_progress));
    }
    return G_SOURCE_CONTINUE;
}

/* 32 random bytes from the kernel, as hex. */
static char *new_token(GError **error)
{
    guint8 raw[32];
    GString *hex = g_string_new(NULL);

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_STATE_DIR, "the API token: getrandom: %s",
                    g_strerror(errno));
        g_string_free(hex, TRUE);
        return NULL;
    }
    for (unsigned i = 0; i < sizeof(raw); i++)
        g_string_append_printf(hex, "%02x", raw[i]);
    return g_string_free(hex, FALSE);
}

static bool write_file(const char *dir, const char *name, const char *text, int mode,
                       GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, error)) {
        g_prefix_error(error, "writing %s: ", path);
        return false;
    }
    return true;
}

static void remove_file(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (unlink(path) != 0 && errno != ENOENT)
        fprintf(stderr, "lampsim serve: removing %s: %s\n", path, g_strerror(errno));
}

/* --load-profile FILE read and checked; errors name FILE and the JSON
 * path. */
static bool read_profile(const char *file, struct load_profile *p, GError **error)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(file, &text, NULL, error))
        return false;
    if (!load_profile_parse(text, p, error) || !profile_runner_check_files(p, error)) {
        load_profile_clear(p);
        g_prefix_error(error, "%s:", file);
        return false;
    }
    return true;
}

static void on_profile_line(const char *line, gpointer data)
{
    fprintf(stderr, "lampsim serve: profile: %s\n", line);
}

static void profile_metrics(GString *page, gpointer data)
{
    profile_runner_metrics(data, page);
}

static void report_profile(struct profile_runner *r)
{
    struct profile_counts c;

    profile_runner_counts(r, &c);
    for (unsigned i = 0; i < PROFILE_ACT_COUNT; i++)
        printf("profile_%s: %" G_GUINT64_FORMAT "\n", profile_act_name(i), c.done[i]);
    for (unsigned i = 0; i < PROFILE_ACT_COUNT; i++)
        if (c.failed[i])
            printf("profile_%s_failed: %" G_GUINT64_FORMAT "\n", profile_act_name(i), c.failed[i]);
    printf("profile_storms: %" G_GUINT64_FORMAT "\n", c.storms);
    printf("profile_finished: %s\n", c.finished ? "yes" : "no");
}

/* The summary on standard output, one 'key: value' a line; shard,
 * fleet_lamps and provisioned_lamps as `lampsim fleet` names them, so a
 * shard's log reads the same whichever command ran it. */
static void report(struct serve *sv, const struct fleet_setup *setup, double wall_s, double cpu_s)
{
    struct twin_totals s;
    struct serve_counters c;

    sum_all(sv->fleet, &s);
    serve_api_counters(sv->api, &c);
    if (setup->fleet.shard.sharded) {
        printf("shard: %u/%u\n", setup->fleet.shard.index, setup->fleet.shard.count);
        printf("fleet_lamps: %d\n", setup->fleet.count);
    }
    printf("lamps: %u\n", s.lamps);
    /* made from the fleet before the start (POST /api/lamps not counted) */
    printf("provisioned_lamps: %u\n", setup->prov.new_lamps);
    printf("threads: %u\n", fleet_threads(sv->fleet));
    printf("served_s: %.1f\n", wall_s);
    printf("cpu_percent_of_core: %.2f\n", wall_s > 0 ? cpu_s * 100 / wall_s : 0.0);
    printf("lamps_running: %u\n", s.running);
    printf("lamps_online: %u\n", s.by_netstate[SYSCTL_NETSTATE_ONLINE]);
    printf("tls_full_handshakes: %" G_GUINT64_FORMAT "\n", s.tls_full);
    printf("tls_resumed_handshakes: %" G_GUINT64_FORMAT "\n", s.tls_resumed);
    printf("tls_failed_handshakes: %" G_GUINT64_FORMAT "\n", s.tls_failed);
    printf("connection_drops: %" G_GUINT64_FORMAT "\n", s.drops);
    printf("watchdog_resets: %" G_GUINT64_FORMAT "\n", s.watchdog_resets);
    printf("api_requests: %" G_GUINT64_FORMAT "\n", c.requests);
    printf("api_client_errors: %" G_GUINT64_FORMAT "\n", c.client_errors);
    printf("events_sent: %" G_GUINT64_FORMAT "\n", c.events_sent);
    printf("events_dropped: %" G_GUINT64_FORMAT "\n", c.events_dropped);
    if (sv->profile)
        report_profile(sv->profile);
}

/* Runs the service until a signal or --stop-after; the fleet is made. */
static int serve_fleet(struct serve *sv, struct fleet_setup *s, const struct serve_options *o)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL, *url = NULL;
    const char *dir = s->lamp.state_dir;
    const char *web = o->no_web ? NULL
                      : o->web ? o->web
                      : g_file_test(LAMPSIM_WEB_DIR, G_FILE_TEST_IS_DIR) ? LAMPSIM_WEB_DIR : NULL;
    struct serve_api_config ac = {
        .fleet = sv->fleet, .hub = sv->hub, .web_dir = web, .metrics_auth = o->metrics_auth,
        .networked = fleet_options_networked(&s->fleet), .provision_threads = (guint)s->fleet.provision_threads,
        .more_metrics = sv->profile ? profile_metrics : NULL, .more_metrics_data = sv->profile,
    };
    const char *host;
    guint port, sig[2], progress = 0;
    gint64 t0 = g_get_monotonic_time();
    double cpu0 = fleet_setup_cpu_seconds();

    if (!(token = new_token(&error)) || !write_file(dir, TOKEN_FILE, token, 0600, &error)) {
        fprintf(stderr, "lampsim serve: %s\n", error->message);
        return 2;
    }
    ac.token = token;
    sv->api = serve_api_new(&ac);
    if (!serve_api_listen(sv->api, o->address, (guint)o->port, &port, &error)) {
        fprintf(stderr, "lampsim serve: %s; pick another with --port (0: any free one) or "
                "--address\n", error->message);
        return 2;
    }
    if (strcmp(o->address, "127.0.0.1"))
        fprintf(stderr, "lampsim serve: warning: listening on %s: the API is reachable from the "
                "network, protected by the token only; /metrics %s\n", o->address,
                o->metrics_auth ? "wants the token too" : "is open to anyone (--metrics-auth "
                "closes it)");
    /* the base without a trailing slash, so that "$URL/api/lamps" is the
     * route; for every interface, the loopback one a local client uses;
     * an IPv6 address in brackets (RFC 3986) */
    host = !strcmp(o->address, "0.0.0.0") ? "127.0.0.1" : !strcmp(o->address, "::") ? "::1"
                                                                                     : o->address;
    url = g_strdup_printf(strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host, port);
    if (!write_file(dir, URL_FILE, url, 0644, &error)) {
        fprintf(stderr, "lampsim serve: %s\n", error->message);
        return 2;
    }
    fprintf(stderr, "lampsim serve: %u lamps on %u threads; API at %s/api/ (token in %s/%s), "
            "metrics at %s/metrics%s\n", fleet_live(sv->fleet), fleet_threads(sv->fleet), url,
            dir, TOKEN_FILE, url, web ? "; web view at /" : "");
    sig[0] = g_unix_signal_add(SIGINT, on_signal, sv);
    sig[1] = g_unix_signal_add(SIGTERM, on_signal, sv);
    if (o->progress_s > 0)
        progress = g_timeout_add((guint)(o->progress_s * 1000), on_progress, sv);
    if (o->stop_after_s > 0)
        sv->stop_source = g_timeout_add((guint)(o->stop_after_s * 1000), on_stop_after, sv);
    if (sv->profile)
        profile_runner_start(sv->profile);
    g_main_loop_run(sv->loop);
    g_source_remove(sig[0]);
    g_source_remove(sig[1]);
    if (progress)
        g_source_remove(progress);
    if (sv->stop_source)
        g_source_remove(sv->stop_source);
    report(sv, s, (g_get_monotonic_time() - t0) / 1e6, fleet_setup_cpu_seconds() - cpu0);
    return sv->stopped_by_signal ? o->signal_status : 0;
}

int cmd_serve(int argc, char **argv)
{
    struct fleet_setup s;
    struct serve_options o = { .twin_ms = 1000, .progress_s = 10 };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- run a fleet as a service: twin, control API, events, metrics");
    g_autoptr(GError) error = NULL;
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func(g_free);
    struct serve sv = { .loop = loop };
    struct load_profile profile = { 0 };
    const char *why;
    int rc = 0;

    fleet_setup_init(&s);
    fleet_setup_add_options(&s, ctx, SIM_CMD_SERVE);
    serve_options_add(ctx, &o);
    g_option_context_set_description(ctx,
        "Runs until SIGINT or SIGTERM (or --stop-after): then every lamp's state is\n"
        "saved, the sockets are closed, a summary ('key: value' lines) goes to\n"
        "standard output, and the status is 0 (--signal-status N after a signal).\n"
        "Progress goes to standard error.\n"
        "Exit status 2: bad arguments, an unusable state directory or lamp, or a\n"
        "port that cannot be had. Routes: docs/api.md; the twin: docs/twin.md;\n"
        "metrics: docs/metrics.md.\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        rc = usage_error(CMD_NAME, error->message);
    else if (argc > 1)
        rc = usage_error(CMD_NAME, "unexpected argument; see lampsim serve --help");
    else if (!fleet_setup_check(&s, SIM_CMD_SERVE, &error))
        rc = usage_error(CMD_NAME, error->message);
    else if ((why = serve_options_check(&o)))
        rc = usage_error(CMD_NAME, why);
    else if (o.load_profile && !read_profile(o.load_profile, &profile, &error)) {
        fprintf(stderr, "lampsim serve: %s\n", error->message);
        rc = 2;
    }
    if (rc)
        goto done;
    if (s.fleet.ap) {
        /* every lamp is given the access point at its console, at every
         * boot (a lamp added later too) */
        g_auto(GStrv) ap = g_strsplit(s.fleet.ap, ":", 2);
        for (char **l = s.lamp.console_input; l && *l; l++)
            g_ptr_array_add(inputs, g_strdup(*l));
        g_ptr_array_add(inputs, g_strdup_printf("wifi %s %s", ap[0], ap[1]));
        g_ptr_array_add(inputs, NULL);
        s.cfg.console_input = (const char *const *)inputs->pdata;
    }
    if (!fleet_setup_prepare(&s, &error)) {
        fprintf(stderr, "lampsim serve: %s\n", error->message);
        rc = 2;
        goto done;
    }
    sv.hub = event_hub_new(EVENT_QUEUE);
    sv.fleet = fleet_setup_start(&s, (guint)o.twin_ms, sv.hub, on_line, &sv, &error);
    if (!sv.fleet) {
        fprintf(stderr, "lampsim serve: %s\n", error->message);
        rc = 2;
        goto done;
    }
    if (o.load_profile) {
        struct profile_runner_config pc = {
            .fleet = sv.fleet, .networked = fleet_options_networked(&s.fleet),
            .provision_threads = (guint)s.fleet.provision_threads, .log = on_profile_line,
        };
        /* checked above; an image removed since is refused here */
        if (!(sv.profile = profile_runner_new(&profile, &pc, &error))) {
            fprintf(stderr, "lampsim serve: %s:%s\n", o.load_profile, error->message);
            rc = 2;
        }
    }
    if (!rc)
        rc = serve_fleet(&sv, &s, &o);
    /* the listener and the streams first: no request reaches a lamp
     * being freed; then the profile, which acts on lamps */
    serve_api_free(sv.api);
    profile_runner_free(sv.profile);
    g_clear_error(&error);
    if (!fleet_free_saving(sv.fleet, &error)) {
        fprintf(stderr, "lampsim serve: %s\n", error->message);
        rc = 2;
    }
    remove_file(s.lamp.state_dir, URL_FILE);
    remove_file(s.lamp.state_dir, TOKEN_FILE);
done:
    event_hub_free(sv.hub);
    fleet_setup_clear(&s);
    load_profile_clear(&profile);
    g_free(o.web);
    g_free(o.load_profile);
    g_free(o.address);
    return rc;
}
