/* firmware/app/link_failures.c: the counters by reason. */
#include "link_failures.h"

#include "tls_alert.h"

#include <stdio.h>
#include <string.h>

static const char *const reason_names[LF_REASONS] = LINK_FAILURE_NAMES;

static uint32_t reasons[LF_REASONS];
static uint32_t alerts[TLS_ALERT_NAMED + 1]; /* the last: unregistered descriptions */

void link_failure_count(enum link_failure why)
{
    if (why >= LF_REASONS)
        return;
    reasons[why]++;
    link_failure_tell_twin(why);
}

/* Counted here by description; the twin counts them together. */
void link_failure_count_alert(uint8_t description)
{
    alerts[tls_alert_index(description)]++;
    link_failure_tell_twin(LF_ALERT_RECEIVED);
}

void link_failures_each(void (*fn)(const char *name, uint32_t n, void *user), void *user)
{
    char name[48];

    for (unsigned i = 0; i < LF_REASONS; i++)
        if (reasons[i])
            fn(reason_names[i], reasons[i], user);
    for (unsigned i = 0; i <= TLS_ALERT_NAMED; i++)
        if (alerts[i]) {
            snprintf(name, sizeof(name), "alert_%s", tls_alert_index_name(i));
            fn(name, alerts[i], user);
        }
}

struct json_out {
    char *out;
    size_t cap, len;
    int more;
};

static void append(const char *name, uint32_t n, void *user)
{
    struct json_out *j = user;
    char item[64];
    /* room kept for the closing ,"more":true} */
    static const size_t tail = sizeof(",\"more\":true}");
    int k = snprintf(item, sizeof(item), "%s\"%s\":%lu", j->len > 1 ? "," : "", name,
                     (unsigned long)n);

    if (k < 0 || (size_t)k >= sizeof(item) || j->len + (size_t)k + tail > j->cap) {
        j->more = 1;
        return;
    }
    memcpy(j->out + j->len, item, (size_t)k);
    j->len += (size_t)k;
}

size_t link_failures_json(char *out, size_t cap)
{
    struct json_out j = { out, cap, 1, 0 };
    static const size_t least = sizeof("{\"more\":true}");

    if (cap < least) {
        if (cap)
            out[0] = 0;
        return 0;
    }
    out[0] = '{';
    link_failures_each(append, &j);
    if (j.more) {
        const char *m = j.len > 1 ? ",\"more\":true" : "\"more\":true";
        memcpy(out + j.len, m, strlen(m));
        j.len += strlen(m);
    }
    out[j.len++] = '}';
    out[j.len] = 0;
    return j.len;
}

void link_failures_clear(void)
{
    memset(reasons, 0, sizeof(reasons));
    memset(alerts, 0, sizeof(alerts));
}
