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

static void load(const struct app_pkg_header *h, const char *source)
{
    /* vm_app_load logs and reports (below) why an app does not run */
    (void)vm_app_load(h, source, h->source_size, app_store_kv_pair(h->name));
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
    if (!installed)
        return;
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
