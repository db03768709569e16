/* firmware/app/vm_apps_console.c: the runtime's console commands
 * (vm_apps_console.h).  `app load` builds a manifest from its options,
 * with no package and no signature: development only, so scenarios can
 * test the runtime before the app store feeds it. */
#include "vm_apps_console.h"

#include "vm_apps.h"
#include "vm_gate.h"

#include "log.h"

#include <stdlib.h>
#include <string.h>

static const char *const api_names[] = { "light", "sensors", "messages", "storage", "timers", "log",
                                         "beacon" };
_Static_assert(APP_API_BEACON == 1u << 6, "api_names follows enum app_api");

static int parse_apis(char *list, uint32_t *apis)
{
    *apis = 0;
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        unsigned i;
        for (i = 0; i < sizeof(api_names) / sizeof(api_names[0]) && strcmp(name, api_names[i]); i++)
            ;
        if (i == sizeof(api_names) / sizeof(api_names[0]))
            return -1;
        *apis |= 1u << i;
    }
    return 0;
}

static int parse_number(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);

    if (!*s || *end || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* NAME KEY=VALUE... [probe] -- CODE */
static int parse_load(char *args, struct app_pkg_header *m, uint32_t *flags, int *kv_pair,
                      char **code)
{
    char *sep = strstr(args, " -- ");
    char *tok;
    bool timers_set = false, msgs_set = false, storage_set = false;
    uint32_t kv = UINT32_MAX;

    if (!sep)
        return -1;
    *sep = 0;
    *code = sep + 4;
    memset(m, 0, sizeof(*m));
    m->apis = APP_API_LOG;
    m->quota_memory = VM_HEAP_OF(1); /* one arena: four such apps fit */
    m->quota_insns_callback = 100000;
    m->quota_insns_second = 1000000;
    *flags = 0;
    tok = strtok(args, " ");
    if (!tok || strlen(tok) > APP_PKG_NAME_MAX)
        return -1;
    strncpy(m->name, tok, sizeof(m->name));
    /* strtok's state is shared with parse_apis: take the options first */
    char *opts[12];
    unsigned n = 0;
    while ((tok = strtok(NULL, " ")) && n < sizeof(opts) / sizeof(opts[0]))
        opts[n++] = tok;
    if (tok)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        char *eq = strchr(opts[i], '=');
        uint32_t *field = NULL;
        if (!strcmp(opts[i], "probe")) {
            *flags |= VM_JOB_PROBE;
            continue;
        }
        if (!eq)
            return -1;
        *eq++ = 0;
        if (!strcmp(opts[i], "apis")) {
            if (parse_apis(eq, &m->apis))
                return -1;
            continue;
        }
        if (!strcmp(opts[i], "mem"))
            field = &m->quota_memory;
        else if (!strcmp(opts[i], "cb"))
            field = &m->quota_insns_callback;
        else if (!strcmp(opts[i], "sec"))
            field = &m->quota_insns_second;
        else if (!strcmp(opts[i], "timers"))
            field = &m->quota_timers, timers_set = true;
        else if (!strcmp(opts[i], "msgs"))
            field = &m->quota_messages_minute, msgs_set = true;
        else if (!strcmp(opts[i], "storage"))
            field = &m->quota_storage, storage_set = true;
        else if (!strcmp(opts[i], "kv"))
            field = &kv;
        if (!field || parse_number(eq, field))
            return -1;
    }
    /* An API's quota defaults to a little when the API is asked for. */
    if (!timers_set && (m->apis & APP_API_TIMERS))
        m->quota_timers = 4;
    if (!msgs_set && (m->apis & APP_API_MESSAGES))
        m->quota_messages_minute = 10;
    if (!storage_set && (m->apis & APP_API_STORAGE))
        m->quota_storage = 1024;
    *kv_pair = kv == UINT32_MAX ? -1 : (int)(kv & 0xFF);
    return 0;
}

void vm_apps_console_load(char *args)
{
    struct app_pkg_header m;
    uint32_t flags;
    int kv_pair;
    char *code;

    if (parse_load(args, &m, &flags, &kv_pair, &code)) {
        LOG_ERR("usage: app load NAME [apis=light,sensors,timers,log,...] [mem=BYTES] [cb=INSNS] "
                "[sec=INSNS] [timers=N] [storage=BYTES kv=PAIR] [probe] -- CODE "
                "(mem: %u to %u, default %u, one arena; each %u KiB more takes another)",
                APP_QUOTA_MEMORY_MIN, APP_QUOTA_MEMORY_MAX, VM_HEAP_OF(1), VM_ARENA_SIZE / 1024u);
        return;
    }
    vm_app_load_flags(&m, code, strlen(code), kv_pair, flags);
}
