/* firmware/app/vm_strikes.c: strikes against each partner app and their
 * nvstore record (vm_strikes.h, docs/formats.md#nvstore). */
#include "vm_strikes.h"

#include "crash_format.h"
#include "hw.h"
#include "log.h"
#include "nv_record.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RECORD_MAGIC 0x32535041u /* "APS2": one entry per app (APS1 held one app) */

/* Names as crash records hold them (CRASH_REASON_SIZE), so a strike and
 * the record of its fault name the app alike.  An entry without strikes
 * is free. */
struct entry {
    uint32_t strikes;
    char app[CRASH_REASON_SIZE];
};
struct record {
    struct nv_record_head head;
    struct entry e[VM_STRIKES_APPS];
    uint32_t crc;
};
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");
_Static_assert(CRASH_REASON_SIZE % 4 == 0, "the record is whole words");

/* A record whose names are not terminated was not written by this code. */
static bool named(const void *p)
{
    const struct record *r = p;

    for (unsigned i = 0; i < VM_STRIKES_APPS; i++)
        if (!memchr(r->e[i].app, 0, sizeof(r->e[i].app)))
            return false;
    return true;
}

static const struct nv_record_area area = {
    .base = NVSTORE_APP_STRIKES, .magic = RECORD_MAGIC, .size = sizeof(struct record),
    .check = named,
};

static struct record now; /* SRAM, off the stack; what nvstore holds */

static void save(void)
{
    uint32_t err;

    /* On a flash failure the strikes still count in RAM until the reset. */
    if ((err = nv_record_save(&area, &now)) != 0)
        LOG_ERR("app: saving the strikes failed (flash error 0x%02lx); a reset forgets them",
                (unsigned long)err);
}

static struct entry *find(const char *app)
{
    for (unsigned i = 0; i < VM_STRIKES_APPS; i++)
        if (now.e[i].strikes && !strncmp(now.e[i].app, app, sizeof(now.e[i].app) - 1))
            return &now.e[i];
    return NULL;
}

/* A free entry, or the one with the fewest strikes: a disabled app keeps
 * its place while apps with fewer strikes come and go. */
static struct entry *take(const char *app)
{
    struct entry *e = &now.e[0];
    size_t i;

    for (unsigned k = 1; k < VM_STRIKES_APPS && e->strikes; k++)
        if (now.e[k].strikes < e->strikes)
            e = &now.e[k];
    if (e->strikes)
        LOG_WRN("app: %s's %lu strikes are forgotten to count %s's", e->app,
                (unsigned long)e->strikes, app);
    memset(e, 0, sizeof(*e));
    for (i = 0; app[i] && i < sizeof(e->app) - 1; i++)
        e->app[i] = app[i];
    return e;
}

static void say_disabled(const struct entry *e)
{
    LOG_ERR("app: %s is disabled after %lu faults; redeploying it or `app enable` lifts it",
            e->app, (unsigned long)e->strikes);
}

void vm_strikes_init(void)
{
    const struct record *r = nv_record_newest(&area);

    if (r)
        now = *r;
    for (unsigned i = 0; i < VM_STRIKES_APPS; i++)
        if (now.e[i].strikes >= VM_STRIKES_MAX)
            say_disabled(&now.e[i]);
}

bool vm_strikes_admit(const char *app)
{
    const struct entry *e = find(app);

    if (!e || e->strikes < VM_STRIKES_MAX)
        return true;
    say_disabled(e);
    return false;
}

void vm_strikes_add(const char *app)
{
    struct entry *e = find(app);

    if (!e)
        e = take(app);
    e->strikes++;
    save();
    if (e->strikes >= VM_STRIKES_MAX)
        LOG_ERR("app: %s: fault strike %lu of %u; the app is disabled until it is redeployed "
                "(`app enable`)", app, (unsigned long)e->strikes, VM_STRIKES_MAX);
    else
        LOG_ERR("app: %s: fault strike %lu of %u", app, (unsigned long)e->strikes, VM_STRIKES_MAX);
}

void vm_strikes_forgive(const char *app)
{
    struct entry *e = find(app);

    if (!e)
        return;
    LOG_INF("app: %s is redeployed; its %lu strikes are cleared", app, (unsigned long)e->strikes);
    memset(e, 0, sizeof(*e));
    save();
}

void vm_strikes_clear(void)
{
    bool any = false;

    for (unsigned i = 0; i < VM_STRIKES_APPS; i++)
        any |= now.e[i].strikes != 0;
    if (any) {
        memset(now.e, 0, sizeof(now.e));
        save();
    }
    LOG_INF("app: enabled; no strikes");
}
