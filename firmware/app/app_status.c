/* firmware/app/app_status.c: see app_status.h. */
#include "app_status.h"

#include "app_package.h"
#include "app_topics.h"
#include "netmgr.h"

#include <stdio.h>
#include <string.h>

/* The reasons are the lamp's own sentences; a quote or backslash in one
 * becomes an apostrophe so the JSON stays whole. */
static void json_safe(char *out, size_t cap, const char *text)
{
    size_t i = 0;

    for (; text && *text && i + 1 < cap; text++)
        out[i++] = (*text == '"' || *text == '\\' || (unsigned char)*text < 0x20) ? '\'' : *text;
    out[i] = 0;
}

int app_status_publish(const char *name, const char *state, const char *version, const char *why)
{
    char topic[16 + APP_PKG_NAME_SIZE], json[256], ver[20], reason[160];

    snprintf(topic, sizeof(topic), APP_SUFFIX_STATUS_FMT, name);
    json_safe(ver, sizeof(ver), version);
    json_safe(reason, sizeof(reason), why);
    snprintf(json, sizeof(json), "{\"state\":\"%s\",\"version\":\"%s\"%s%s%s}", state, ver,
             why ? ",\"why\":\"" : "", why ? reason : "", why ? "\"" : "");
    return netmgr_publish(topic, json, true, NULL);
}
