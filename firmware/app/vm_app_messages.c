/* firmware/app/vm_app_messages.c: the apps' messages (vm_internal.h,
 * docs/cloud.md#app-messages): an app publishes and subscribes only
 * below lamp/SERIAL/app/NAME/, NAME its own (the platform's record of
 * the app, never the VM's say), at most quota_messages_minute publishes a
 * minute.  A netmgr client with run-time subscriptions (netmgr.h: takes,
 * resubscribe) delivers what arrives into the app's inbox of one
 * message; the runtime calls its handler from the main loop.  A message
 * that finds the inbox full is dropped and counted. */
#include "vm_internal.h"

#include "app_topics.h"
#include "clock.h"
#include "log.h"
#include "netmgr.h"

#include <stdio.h>
#include <string.h>

#define MINUTE_MS 60000u

struct app_msgs {
    char subs[VM_MSG_SUBS_MAX][VM_MSG_SUB_MAX + 1];
    unsigned n_subs;
    uint32_t minute_start_ms, sent;
    bool inbox_full;
    char inbox_sub[VM_MSG_SUB_MAX + 1];
    uint32_t inbox_len;
    char inbox[VM_MSG_PAYLOAD_MAX];
    uint32_t dropped;
};

static struct app_msgs msgs[VM_APPS_MAX];

/* app/NAME/SUB */
static void suffix_of(char *out, size_t cap, const char *app, const char *sub)
{
    snprintf(out, cap, APP_SUFFIX_APP_FMT, app, sub);
}

void vm_app_msgs_reset(unsigned slot)
{
    memset(&msgs[slot], 0, sizeof(msgs[slot]));
    msgs[slot].minute_start_ms = clock_ms();
}

int32_t vm_app_msg_publish(unsigned slot, const char *app, uint32_t quota, const char *sub,
                           uint32_t sub_len, const char *payload, uint32_t len)
{
    struct app_msgs *m = &msgs[slot];
    char suffix[4 + APP_PKG_NAME_SIZE + 1 + VM_MSG_SUB_MAX + 1], s[VM_MSG_SUB_MAX + 1];
    static char text[VM_MSG_PAYLOAD_MAX + 1];
    uint32_t now = clock_ms();

    if (!vm_msg_sub_ok(sub, sub_len) || len > VM_MSG_PAYLOAD_MAX || memchr(payload, 0, len))
        return VM_EINVAL;
    if (now - m->minute_start_ms >= MINUTE_MS) {
        m->minute_start_ms = now;
        m->sent = 0;
    }
    if (m->sent >= quota)
        return VM_EQUOTA;
    m->sent++; /* an attempt counts, online or not: the quota bounds the app, not the link */
    memcpy(s, sub, sub_len);
    s[sub_len] = 0;
    memcpy(text, payload, len);
    text[len] = 0;
    suffix_of(suffix, sizeof(suffix), app, s);
    return netmgr_publish(suffix, text, false, NULL) == 0 ? 0 : VM_EIO;
}

int32_t vm_app_msg_subscribe(unsigned slot, const char *app, const char *sub, uint32_t sub_len)
{
    struct app_msgs *m = &msgs[slot];
    char suffix[4 + APP_PKG_NAME_SIZE + 1 + VM_MSG_SUB_MAX + 1];

    if (!vm_msg_sub_ok(sub, sub_len))
        return VM_EINVAL;
    for (unsigned i = 0; i < m->n_subs; i++)
        if (strlen(m->subs[i]) == sub_len && !memcmp(m->subs[i], sub, sub_len))
            return 0;
    if (m->n_subs == VM_MSG_SUBS_MAX)
        return VM_EQUOTA;
    memcpy(m->subs[m->n_subs], sub, sub_len);
    m->subs[m->n_subs][sub_len] = 0;
    suffix_of(suffix, sizeof(suffix), app, m->subs[m->n_subs]);
    m->n_subs++;
    netmgr_subscribe(suffix); /* offline: resubscribe names it at the connect */
    return 0;
}

bool vm_app_msgs_pending(unsigned slot)
{
    return msgs[slot].inbox_full;
}

void vm_app_msgs_take(unsigned slot, struct vm_job *job)
{
    struct app_msgs *m = &msgs[slot];

    memcpy(job->msg_sub, m->inbox_sub, sizeof(job->msg_sub));
    memcpy(job->msg, m->inbox, m->inbox_len);
    job->msg_len = m->inbox_len;
    m->inbox_full = false;
}

uint32_t vm_app_msgs_dropped(unsigned slot)
{
    return msgs[slot].dropped;
}

/* suffix "app/NAME/SUB": the loaded app's slot and its subscription's
 * index, or -1. */
static int match(const char *suffix, unsigned *slot)
{
    if (strncmp(suffix, APP_TOPIC_APP "/", sizeof(APP_TOPIC_APP)))
        return -1;
    const char *name = suffix + sizeof(APP_TOPIC_APP), *sub = strchr(name, '/');
    if (!sub)
        return -1;
    for (unsigned i = 0; i < VM_APPS_MAX; i++) {
        const char *app = vm_apps_loaded_name(i);
        if (!app || strlen(app) != (size_t)(sub - name) || strncmp(app, name, (size_t)(sub - name)))
            continue;
        for (unsigned j = 0; j < msgs[i].n_subs; j++)
            if (!strcmp(msgs[i].subs[j], sub + 1)) {
                *slot = i;
                return (int)j;
            }
    }
    return -1;
}

static bool takes(const char *suffix)
{
    unsigned slot;

    return match(suffix, &slot) >= 0;
}

static void message(const char *suffix, const char *payload, size_t len)
{
    unsigned slot;
    int j = match(suffix, &slot);
    struct app_msgs *m;

    if (j < 0)
        return;
    m = &msgs[slot];
    if (m->inbox_full || len > VM_MSG_PAYLOAD_MAX) {
        m->dropped++;
        LOG_WRN("app: %s: a message on %s dropped (%s)", vm_apps_loaded_name(slot), suffix,
                m->inbox_full ? "its last one is not handled yet" : "longer than 256 bytes");
        return;
    }
    memcpy(m->inbox_sub, m->subs[j], sizeof(m->inbox_sub));
    memcpy(m->inbox, payload, len);
    m->inbox_len = (uint32_t)len;
    m->inbox_full = true;
}

static void resubscribe(void (*subscribe)(const char *suffix))
{
    char suffix[4 + APP_PKG_NAME_SIZE + 1 + VM_MSG_SUB_MAX + 1];

    for (unsigned i = 0; i < VM_APPS_MAX; i++) {
        const char *app = vm_apps_loaded_name(i);
        for (unsigned j = 0; app && j < msgs[i].n_subs; j++) {
            suffix_of(suffix, sizeof(suffix), app, msgs[i].subs[j]);
            subscribe(suffix);
        }
    }
}

static const struct netmgr_client client = {
    .message = message, .takes = takes, .resubscribe = resubscribe,
};

void vm_app_msgs_init(void)
{
    if (netmgr_register(&client) != 0)
        LOG_ERR("app: netmgr has no room for the apps' messages; apps get none");
}
