/* firmware/app/app_lifecycle.c: app_lifecycle.h.  The store verified each
 * package before committing it, and only privileged code can write its
 * slots, so a package read back from its slot is the one verified. */
#include "app_lifecycle.h"

#include "app_status.h"
#include "app_store.h"
#include "log.h"
#include "version_text.h"
#include "vm_apps.h"
#include "vm_strikes.h"

#include <string.h>

/* Installed apps the runtime did not take (vm_app_load logs and reports
 * why, below): most often not enough free arenas.  A removal frees
 * arenas, so then they are tried again. */
static char waiting[APP_MAX_INSTALLED][APP_PKG_NAME_SIZE];

static void set_waiting(const char *name, bool on)
{
    for (unsigned i = 0; i < APP_MAX_INSTALLED; i++)
        if (!strncmp(waiting[i], name, APP_PKG_NAME_SIZE))
            waiting[i][0] = 0;
    for (unsigned i = 0; on && i < APP_MAX_INSTALLED; i++)
        if (!waiting[i][0]) {
            strncpy(waiting[i], name, APP_PKG_NAME_SIZE - 1);
            return;
        }
}

static void load(const struct app_pkg_header *h, const char *source)
{
    set_waiting(h->name, vm_app_load(h, source, h->source_size, app_store_kv_pair(h->name)) != 0);
}

static void retry_waiting(void)
{
    char names[APP_MAX_INSTALLED][APP_PKG_NAME_SIZE];
    struct app_pkg_header h;
    const char *source;

    memcpy(names, waiting, sizeof(names));
    for (unsigned i = 0; i < APP_MAX_INSTALLED; i++)
        if (names[i][0] && app_store_find(names[i], &h, &source)) {
            LOG_INF("app: %s: trying again, now that an app was removed", names[i]);
            load(&h, source);
        }
}

/* The runtime's news, for the cloud: with the installed version. */
static void report(const char *name, const char *state, const char *why)
{
    struct app_pkg_header h;
    char ver[VERSION_TEXT_SIZE] = "";

    if (app_store_find(name, &h, NULL))
        version_text(h.app_version, ver, sizeof(ver));
    (void)app_status_publish(name, state, ver, why && why[0] ? why : NULL);
}

static void changed(const char *name, bool installed)
{
    struct app_pkg_header h;
    const char *source;

    vm_app_unload(name);
    set_waiting(name, false);
    if (!installed) {
        retry_waiting();
        return;
    }
    /* a redeployment forgives the faults of the copy it replaces */
    vm_strikes_forgive(name);
    if (app_store_find(name, &h, &source))
        load(&h, source);
    else
        LOG_ERR("app: %s: installed but not in the store; not started", name);
}

void app_lifecycle_start(void)
{
    struct app_pkg_header h;
    const char *source;

    vm_apps_set_reporter(report);
    app_store_set_listener(changed);
    for (unsigned i = 0; app_store_get(i, &h, &source); i++)
        load(&h, source);
}
