/* firmware/app/vm_app_timers.c: an app's timers (vm_internal.h), kept by
 * the platform: the VM holds only each timer's handler, keyed by the id
 * handed out here, so a timer fires only when the platform says so and
 * an app cannot hold more than its manifest's quota_timers. */
#include "vm_internal.h"

#include <stdint.h>

#define N_TIMERS (sizeof(((struct vm_app_timers *)0)->t) / sizeof(struct vm_app_timer))

/* Deadlines compare by difference: clock_ms wraps after 49 days. */
static int32_t until(uint32_t due, uint32_t now)
{
    return (int32_t)(due - now);
}

unsigned vm_app_timers_live(const struct vm_app_timers *ts)
{
    unsigned n = 0;

    for (unsigned i = 0; i < N_TIMERS; i++)
        n += ts->t[i].live;
    return n;
}

int32_t vm_app_timers_start(struct vm_app_timers *ts, uint32_t quota, uint32_t now,
                            uint32_t ms, bool periodic)
{
    if (vm_app_timers_live(ts) >= quota)
        return VM_EQUOTA;
    for (unsigned i = 0; i < N_TIMERS; i++) {
        struct vm_app_timer *t = &ts->t[i];
        if (t->live)
            continue;
        t->live = true;
        t->due_ms = now + ms;
        t->period_ms = periodic ? ms : 0;
        return (int32_t)i + 1;
    }
    return VM_EQUOTA;
}

int32_t vm_app_timers_cancel(struct vm_app_timers *ts, uint32_t id)
{
    if (id < 1 || id > N_TIMERS || !ts->t[id - 1].live)
        return VM_EINVAL;
    ts->t[id - 1].live = false;
    return 0;
}

bool vm_app_timers_take_due(struct vm_app_timers *ts, uint32_t now, int32_t *id, bool *once)
{
    for (unsigned i = 0; i < N_TIMERS; i++) {
        struct vm_app_timer *t = &ts->t[i];
        if (!t->live || until(t->due_ms, now) > 0)
            continue;
        *id = (int32_t)i + 1;
        *once = t->period_ms == 0;
        if (*once) {
            t->live = false;
        } else {
            t->due_ms += t->period_ms;
            /* Late by more than a period (the lamp was busy): no burst to
             * catch up, the next one a period from now. */
            if (until(t->due_ms, now) <= 0)
                t->due_ms = now + t->period_ms;
        }
        return true;
    }
    return false;
}

uint32_t vm_app_timers_ms_to_next(const struct vm_app_timers *ts, uint32_t now)
{
    uint32_t next = UINT32_MAX;

    for (unsigned i = 0; i < N_TIMERS; i++) {
        const struct vm_app_timer *t = &ts->t[i];
        if (!t->live)
            continue;
        int32_t d = until(t->due_ms, now);
        if (d <= 0)
            return 0;
        if ((uint32_t)d < next)
            next = (uint32_t)d;
    }
    return next;
}
