/* tools/lampcloud/registry_acl.c: see registry_acl.h. */
#include "registry_acl.h"

#include "app_topics.h"

#include <string.h>

static bool is_cloud(const char *id)
{
    return !strncmp(id, REGISTRY_CLOUD_PREFIX, strlen(REGISTRY_CLOUD_PREFIX));
}

enum registry_admission registry_admit(const char *registry, const char *cn, const char *id,
                                       enum registry_status *status, char *err, size_t errlen)
{
    *status = REGISTRY_UNKNOWN;
    if (!id || strcmp(id, cn) != 0)
        return REGISTRY_REFUSE_ID;
    if (is_cloud(cn))
        return REGISTRY_ADMIT_CLOUD;
    *status = registry_lookup(registry, cn, err, errlen);
    return *status == REGISTRY_ACTIVE ? REGISTRY_ADMIT_LAMP : REGISTRY_REFUSE_LAMP;
}

/* lamp/ID/appctl/NAME (and not its /status): the cloud's offer of an
 * app, which only the cloud writes (the broker keeps it retained as the
 * record of what the cloud asked; docs/cloud.md#partner-apps). */
static bool is_app_offer(const char *rest)
{
    static const char appctl[] = APP_TOPIC_APPCTL "/";
    const char *name;

    if (strncmp(rest, appctl, strlen(appctl)))
        return false;
    name = rest + strlen(appctl);
    return *name && !strchr(name, '/');
}

bool registry_acl_allows(const char *id, const char *topic, bool write)
{
    const size_t prefix = strlen(APP_TOPIC_LAMP_PREFIX);
    size_t n;

    if (!id)
        return false;
    if (is_cloud(id))
        return true;
    n = strlen(id);
    return !strncmp(topic, APP_TOPIC_LAMP_PREFIX, prefix) && !strncmp(topic + prefix, id, n) &&
           topic[prefix + n] == '/' && !(write && is_app_offer(topic + prefix + n + 1));
}
