/* firmware/app/app_delivery.c: see app_delivery.h.  One download at a
 * time for the whole lamp (https_download.h): notifications that arrive
 * while one runs (the retained ones of every app come together at each
 * connect, and an OTA download may be running) wait in a short queue, the
 * latest per app name, and start in turn. */
#include "app_delivery.h"

#include "app_package.h"
#include "app_status.h"
#include "app_topics.h"
#include "app_store.h"
#include "cJSON.h"
#include "https_download.h"
#include "log.h"
#include "netmgr.h"
#include "shadow.h"
#include "version_text.h"

#include <stdio.h>
#include <string.h>

#define TOPIC APP_TOPIC_APPCTL "/" /* lamp/SERIAL/appctl/NAME */
#define MAX_WAITING 6u  /* more than APP_MAX_INSTALLED: removals' names too */

struct offer {
    char name[APP_PKG_NAME_SIZE];
    char url[160], version[16];
    uint32_t size;
};

static struct offer waiting[MAX_WAITING];
static unsigned n_waiting;
static struct offer cur;         /* the download running */
static char msg_name[APP_PKG_NAME_SIZE]; /* the name of the message being handled */

static void drop_waiting(const char *name)
{
    for (unsigned i = 0; i < n_waiting; i++)
        if (!strcmp(waiting[i].name, name)) {
            memmove(&waiting[i], &waiting[i + 1], (n_waiting - 1 - i) * sizeof(waiting[0]));
            n_waiting--;
            return;
        }
}

/* The header's name and version, once the first APP_PKG_HEADER_SIZE bytes
 * passed: a package that is not the one notified is refused at once (the
 * store verifies the whole package, signature first, at the end). */
static uint8_t head[APP_PKG_HEADER_SIZE];

static const char *check_head(void)
{
    const struct app_pkg_header *h = (const struct app_pkg_header *)head;
    static char why[96];
    char ver[16];

    if (strncmp(h->name, cur.name, APP_PKG_NAME_SIZE) != 0) {
        snprintf(why, sizeof(why), "the package is not %s's", cur.name);
        return why;
    }
    version_text(h->app_version, ver, sizeof(ver));
    if (strcmp(ver, cur.version) != 0) {
        snprintf(why, sizeof(why), "the package is version %s, not %s", ver, cur.version);
        return why;
    }
    return NULL;
}

static const char *write_bytes(const uint8_t *data, size_t len)
{
    uint32_t at = app_store_received();
    const char *why;

    if (at < sizeof(head)) {
        size_t n = sizeof(head) - at < len ? sizeof(head) - at : len;
        memcpy(head + at, data, n);
        if (at + n == sizeof(head) && (why = check_head()) != NULL)
            return why;
    }
    return app_store_write(data, len);
}

static const char *restart(void)
{
    return app_store_begin(cur.size);
}

static void complete(void)
{
    struct app_pkg_header h;
    int err;
    const char *why = app_store_finish(&h, &err);

    if (why) {
        LOG_ERR("appctl: %s %s refused: %s; the installed apps stay", cur.name, cur.version, why);
        app_status_publish(cur.name, "refused", cur.version, why);
        return;
    }
    LOG_INF("appctl: %s %s installed (slot %d)", cur.name, cur.version, app_store_slot(cur.name));
    app_status_publish(cur.name, "installed", cur.version, NULL);
}

static void interrupted(const char *why)
{
    app_status_publish(cur.name, "interrupted", cur.version, why);
}

static void gave_up(const char *state, const char *why)
{
    app_store_abort();
    LOG_ERR("appctl: %s %s: %s: %s; the installed apps stay", cur.name, cur.version, state, why);
    app_status_publish(cur.name, state, cur.version, why);
}

static const struct https_download_sink sink = {
    .topic = "appctl", .write = write_bytes, .received = app_store_received, .restart = restart,
    .complete = complete, .interrupted = interrupted, .gave_up = gave_up,
};

/* The first waiting offer, when nothing downloads and no install runs. */
static void start_next(void)
{
    const char *why;

    if (!n_waiting || https_download_running() || app_store_busy())
        return;
    cur = waiting[0];
    drop_waiting(cur.name);
    if (!https_download_url_ok(cur.url)) {
        LOG_ERR("appctl: %s refused: not an https://host[:port]/path URL: %s", cur.name, cur.url);
        app_status_publish(cur.name, "refused", cur.version, "bad url");
        return;
    }
    if ((why = app_store_begin(cur.size)) != NULL) {
        LOG_ERR("appctl: %s %s refused: %s", cur.name, cur.version, why);
        app_status_publish(cur.name, "refused", cur.version, why);
        return;
    }
    LOG_INF("appctl: %s %s: downloading %s", cur.name, cur.version, cur.url);
    app_status_publish(cur.name, "downloading", cur.version, NULL);
    if (!https_download_start(&sink, cur.url)) /* checked above: cannot happen */
        gave_up("failed", "the download could not start");
}

static void remove_app(const char *name)
{
    struct app_pkg_header h;
    char ver[16];
    const char *why;

    drop_waiting(name);
    if (!app_store_find(name, &h, NULL)) {
        LOG_INF("appctl: %s: not installed; nothing to remove", name);
        return;
    }
    version_text(h.app_version, ver, sizeof(ver));
    if ((why = app_store_remove(name)) != NULL) {
        LOG_ERR("appctl: %s: not removed: %s", name, why);
        app_status_publish(name, "failed", ver, why);
        return;
    }
    LOG_INF("appctl: %s %s removed", name, ver);
    app_status_publish(name, "removed", ver, NULL);
}

static void apply(const cJSON *n)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(n, "url");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(n, "version");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(n, "size");
    struct app_pkg_header h;
    char installed[16];
    struct offer o = { 0 };

    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "remove"))) {
        remove_app(msg_name);
        return;
    }
    if (!cJSON_IsString(url) || !cJSON_IsString(ver) || !cJSON_IsNumber(size) ||
        strlen(url->valuestring) >= sizeof(o.url) || strlen(ver->valuestring) >= sizeof(o.version) ||
        size->valuedouble < 1 || size->valuedouble > APP_PKG_MAX_SIZE) {
        LOG_WRN("appctl: %s: notification without a url, version and size (1 to %u): ignored",
                msg_name, APP_PKG_MAX_SIZE);
        return;
    }
    if (app_store_find(msg_name, &h, NULL)) {
        version_text(h.app_version, installed, sizeof(installed));
        if (!strcmp(installed, ver->valuestring)) {
            LOG_INF("appctl: %s: %s already installed", msg_name, installed);
            app_status_publish(msg_name, "current", installed, NULL);
            return;
        }
    }
    if (https_download_running() == &sink && !strcmp(cur.name, msg_name) &&
        !strcmp(cur.url, url->valuestring))
        return; /* the retained notification again, after a reconnect */
    strcpy(o.name, msg_name);
    strcpy(o.url, url->valuestring);
    strcpy(o.version, ver->valuestring);
    o.size = (uint32_t)size->valuedouble;
    drop_waiting(o.name);
    if (n_waiting == MAX_WAITING) {
        LOG_ERR("appctl: %s: %u notifications already wait; ignored", o.name, MAX_WAITING);
        app_status_publish(o.name, "failed", o.version, "too many app notifications at once");
        return;
    }
    waiting[n_waiting++] = o;
    if (https_download_running() || app_store_busy())
        LOG_INF("appctl: %s %s waits for the download or install that runs", o.name, o.version);
    start_next();
}

/* The app's name from the topic suffix "appctl/NAME". */
static bool take_name(const char *suffix)
{
    const char *name = suffix + strlen(TOPIC);
    size_t n = strlen(name);

    if (n == 0 || n > APP_PKG_NAME_MAX ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
        LOG_WRN("appctl: ignored a notification for '%s': not an app name", name);
        return false;
    }
    memcpy(msg_name, name, n + 1);
    return true;
}

static void on_notification(const char *suffix, const char *payload, size_t len)
{
    /* An empty retained message is the cloud clearing the topic. */
    if (len == 0 || !take_name(suffix))
        return;
    shadow_json_message(suffix, payload, len, apply);
}

static void poll(uint32_t ev)
{
    (void)ev;
    start_next();
}

static uint32_t idle_ms(void)
{
    return n_waiting && !https_download_running() && !app_store_busy() ? 0 : UINT32_MAX;
}

static const struct netmgr_client client = {
    .topic = TOPIC "+", .message = on_notification, .poll = poll, .idle_ms = idle_ms,
};

void app_delivery_init(void)
{
    if (netmgr_register(&client) != 0)
        LOG_ERR("appctl: netmgr has no room for app delivery; apps come by console only");
}
