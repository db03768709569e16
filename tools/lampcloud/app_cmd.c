/* tools/lampcloud/app_cmd.c: `lampcloud app deploy|remove|status`, the
 * cloud's side of partner-app delivery (docs/cloud.md#partner-apps).
 * Each verb parses its options, then runs its phases from app_deploy.c. */
#include "app_cmd.h"
#include "app_deploy.h"
#include "app_status.h"
#include "app_topics.h"
#include "cli.h"

#include <mosquitto.h>
#include <stdio.h>
#include <string.h>

/* What deploy and remove share: `SERIAL|--all WHAT`, the running cloud's
 * site and the lamps the offer goes to. */
struct offer_cmd {
    const char *cmd;
    struct cloud_site site;
    GPtrArray *targets;
    guint revoked;
    const char *what; /* PACKAGE or NAME */
};

static void offer_cmd_close(struct offer_cmd *o)
{
    g_clear_pointer(&o->targets, g_ptr_array_unref);
    cloud_site_clear(&o->site);
}

/* Parses the command line and reads the site; check(what) refuses a bad
 * WHAT before anything is read.  False with *rc set when the command ends. */
static bool offer_cmd_open(struct offer_cmd *o, const char *cmd, const char *what_name,
                           const char *summary, bool (*check)(const char *, GError **),
                           int argc, char **argv, int *rc)
{
    g_autofree char *state = NULL, *args = g_strdup_printf("SERIAL|--all %s", what_name);
    g_autofree char *expect = g_strdup_printf("expected SERIAL and %s, or --all and %s",
                                              what_name, what_name);
    gboolean all = FALSE;
    GOptionEntry e[] = {
        { "all", 0, 0, G_OPTION_ARG_NONE, &all, "Every active lamp of the registry instead of one SERIAL", NULL },
        CLI_STATE_DIR_ENTRY(state),
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;

    memset(o, 0, sizeof(*o));
    o->cmd = cmd;
    if (!cli_parse(cmd, args, summary, e, &argc, &argv, rc))
        return false;
    if (argc != (all ? 2 : 3)) {
        *rc = cli_usage_error(cmd, expect);
        return false;
    }
    o->what = argv[argc - 1];
    if (!check(o->what, &error)) {
        *rc = cli_fail(cmd, error);
        return false;
    }
    if (!cloud_site_load(&o->site, state ? state : CLI_DEFAULT_STATE, &error)) {
        *rc = cli_fail(cmd, error);
        return false;
    }
    /* SERIAL must be active in the registry; --all: every active lamp */
    if (!(o->targets = app_targets(&o->site, all ? NULL : argv[1], &o->revoked, &error))) {
        *rc = cli_fail(cmd, error);
        offer_cmd_close(o);
        return false;
    }
    return true;
}

/* Offers one message to the targets and says what was done. */
static int offer(struct offer_cmd *o, const char *name, const char *payload, const char *what)
{
    g_autoptr(GError) error = NULL;
    bool ok;

    if (o->targets->len == 0) {
        fprintf(stderr, "lampcloud %s: the registry holds no active lamp (%u revoked)\n",
                o->cmd, o->revoked);
        return 1;
    }
    mosquitto_lib_init();
    ok = app_offer_publish(&o->site, o->targets, name, payload, &error);
    mosquitto_lib_cleanup();
    if (!ok)
        return cli_fail(o->cmd, error);
    for (guint i = 0; i < o->targets->len; i++) {
        const char *serial = o->targets->pdata[i];
        printf("%s: " APP_TOPIC_APPCTL_FMT " %s\n", serial, serial, name, payload);
    }
    printf("%s %s: %u lamp%s (retained: a lamp offline now gets it when it connects)", what, name,
           o->targets->len, o->targets->len == 1 ? "" : "s");
    if (o->revoked)
        printf("; %u revoked lamp%s left out", o->revoked, o->revoked == 1 ? "" : "s");
    printf("\n");
    return 0;
}

static bool package_exists(const char *path, GError **error)
{
    if (g_file_test(path, G_FILE_TEST_EXISTS))
        return true;
    g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT, "%s: no such file", path);
    return false;
}

static int app_deploy(int argc, char **argv)
{
    g_autofree char *url = NULL, *payload = NULL, *about = NULL;
    struct app_package pkg = { 0 };
    g_autoptr(GError) error = NULL;
    struct offer_cmd o;
    bool replaced;
    int rc = 0;

    if (!offer_cmd_open(&o, "app deploy", "PACKAGE",
                        "Deliver a partner app: PACKAGE (lampfactory sign-app) is checked as a "
                        "lamp checks it (structure, manifest, fleet, signature), copied into the "
                        "image server's directory as NAME-x.y.z.lpk (served over HTTPS with the "
                        "lamps' client certificates and Range, as update images), and the offer "
                        "{\"url\":...,\"version\":...,\"size\":N} is published retained on "
                        "lamp/SERIAL/appctl/NAME to the lamp or to every active lamp (--all).",
                        package_exists, argc, argv, &rc))
        return rc;
    if (!app_package_load(o.what, o.site.fleet_dir, &pkg, &error)) {
        rc = cli_fail(o.cmd, error);
        goto out;
    }
    about = app_package_describe(&pkg);
    printf("package %s\n", about);
    if (!(url = app_package_serve(&o.site, &pkg, &replaced, &error))) {
        rc = cli_fail(o.cmd, error);
        goto out;
    }
    if (replaced)
        fprintf(stderr, "lampcloud %s: warning: %s held another package of %s %s, now "
                        "replaced: a lamp resuming its download will refuse it (a new "
                        "version avoids that)\n", o.cmd, pkg.file_name, pkg.h.name, pkg.version);
    printf("served at %s\n", url);
    payload = app_offer_install(url, &pkg);
    rc = offer(&o, pkg.h.name, payload, "offered");
out:
    app_package_clear(&pkg);
    offer_cmd_close(&o);
    return rc;
}

static bool name_valid(const char *name, GError **error)
{
    if (app_name_valid(name))
        return true;
    g_set_error(error, LAMPCLOUD_ERROR, LAMPCLOUD_ERROR_INPUT,
                "'%s' is not an app name (1 to %u of a-z 0-9 _ -)", name, APP_PKG_NAME_MAX);
    return false;
}

static int app_remove(int argc, char **argv)
{
    struct offer_cmd o;
    int rc = 0;

    if (!offer_cmd_open(&o, "app remove", "NAME",
                        "Remove the partner app NAME: " APP_OFFER_REMOVE " is published retained "
                        "on lamp/SERIAL/appctl/NAME (replacing the install offer) to the lamp or "
                        "to every active lamp (--all).", name_valid, argc, argv, &rc))
        return rc;
    rc = offer(&o, o.what, APP_OFFER_REMOVE, "removal of");
    offer_cmd_close(&o);
    return rc;
}

static int app_status(int argc, char **argv)
{
    const char *cmd = "app status";
    g_autofree char *state = NULL;
    GOptionEntry e[] = {
        CLI_STATE_DIR_ENTRY(state),
        G_OPTION_ENTRY_NULL,
    };
    struct cloud_site s = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) retained = NULL;
    g_autoptr(GString) table = NULL;
    g_autofree char *filter = NULL;
    const char *serial;
    int rc = 0;

    if (!cli_parse(cmd, "[SERIAL]",
                   "The partner apps of one lamp or of every lamp, as the broker holds them: "
                   "the cloud's last offer on lamp/SERIAL/appctl/NAME (a version or remove) and "
                   "the lamp's last retained status on lamp/SERIAL/appctl/NAME/status (state, "
                   "version, why).  States: " APP_STATES_INSTALL " (installing), "
                   APP_STATES_RUNTIME " (running).", e, &argc, &argv, &rc))
        return rc;
    if (argc > 2)
        return cli_usage_error(cmd, "expected at most one SERIAL");
    serial = argc == 2 ? argv[1] : NULL;
    if (!cloud_site_load(&s, state ? state : CLI_DEFAULT_STATE, &error)) {
        rc = cli_fail(cmd, error);
        goto out;
    }
    /* a serial the registry does not know is a typo, not "no apps"; a
     * revoked lamp's last words are still shown */
    if (serial && !app_lamp_known(&s, serial, false, &error)) {
        rc = cli_fail(cmd, error);
        goto out;
    }
    filter = g_strdup_printf(APP_TOPIC_APPCTL_ALL_FMT, serial ? serial : "+");
    mosquitto_lib_init();
    retained = cloud_read_retained(&s, filter, &error);
    mosquitto_lib_cleanup();
    if (!retained) {
        rc = cli_fail(cmd, error);
        goto out;
    }
    table = g_string_new(NULL);
    if (app_status_table(retained, table))
        fputs(table->str, stdout);
    else
        printf("no app offers or statuses %s%s\n", serial ? "for lamp " : "on any lamp",
               serial ? serial : "");
out:
    cloud_site_clear(&s);
    return rc;
}

int cmd_app(int argc, char **argv)
{
    static const struct {
        const char *verb;
        int (*fn)(int, char **);
    } verbs[] = { { "deploy", app_deploy }, { "remove", app_remove }, { "status", app_status } };

    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: lampcloud app deploy SERIAL|--all PACKAGE\n"
               "       lampcloud app remove SERIAL|--all NAME\n"
               "       lampcloud app status [SERIAL]\n\n"
               "Partner apps (docs/cloud.md#partner-apps): offer a signed package to lamps,\n"
               "remove an app, show what the lamps reported.  lampcloud app VERB --help\n"
               "describes each.\n");
        return 0;
    }
    for (size_t i = 0; argc >= 2 && i < G_N_ELEMENTS(verbs); i++)
        if (!strcmp(argv[1], verbs[i].verb))
            return verbs[i].fn(argc - 1, argv + 1);
    return cli_usage_error("app", argc >= 2 ? "unknown verb: deploy, remove or status"
                                            : "expected deploy, remove or status");
}
