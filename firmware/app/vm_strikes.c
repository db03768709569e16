/* firmware/app/vm_strikes.c: strikes against the partner app and their
 * nvstore record (vm_strikes.h, docs/formats.md#nvstore). */
#include "vm_strikes.h"

#include "crash_format.h"
#include "hw.h"
#include "log.h"
#include "nv_record.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RECORD_MAGIC 0x31535041u /* "APS1" */

/* The app's name as crash records hold it (CRASH_REASON_SIZE), so a
 * strike and the record of its fault name the app alike. */
struct record {
    struct nv_record_head head;
    uint32_t strikes;
    char app[CRASH_REASON_SIZE];
    uint32_t crc;
};
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");
_Static_assert(CRASH_REASON_SIZE % 4 == 0, "the record is whole words");

/* A record whose name is not terminated was not written by this code. */
static bool named(const void *p)
{
    const struct record *r = p;

    return memchr(r->app, 0, sizeof(r->app)) != NULL;
}

static const struct nv_record_area area = {
    .base = NVSTORE_APP_STRIKES, .magic = RECORD_MAGIC, .size = sizeof(struct record),
    .check = named,
};

static struct record now; /* SRAM, off the stack; what nvstore holds */

static void save(uint32_t strikes, const char *app)
{
    uint32_t err;
    size_t i;

    now.strikes = strikes;
    memset(now.app, 0, sizeof(now.app));
    for (i = 0; app[i] && i < sizeof(now.app) - 1; i++)
        now.app[i] = app[i];
    /* On a flash failure the strikes still count in RAM until the reset. */
    if ((err = nv_record_save(&area, &now)) != 0)
        LOG_ERR("app: saving the strikes failed (flash error 0x%02lx); a reset forgets them",
                (unsigned long)err);
}

static bool same_app(const char *app)
{
    return strncmp(now.app, app, sizeof(now.app) - 1) == 0;
}

void vm_strikes_init(void)
{
    const struct record *r = nv_record_newest(&area);

    if (r)
        now = *r;
    if (now.strikes >= VM_STRIKES_MAX)
        LOG_ERR("app: %s is disabled after %lu faults; `app enable` or another app lifts it",
                now.app, (unsigned long)now.strikes);
}

bool vm_strikes_admit(const char *app)
{
    if (now.strikes == 0)
        return true;
    if (!same_app(app)) {
        LOG_INF("app: %s replaces %s; its %lu strikes are cleared", app, now.app,
                (unsigned long)now.strikes);
        save(0, "");
        return true;
    }
    if (now.strikes < VM_STRIKES_MAX)
        return true;
    LOG_ERR("app: %s is disabled after %lu faults; `app enable` or another app lifts it", app,
            (unsigned long)now.strikes);
    return false;
}

void vm_strikes_add(const char *app)
{
    uint32_t strikes = same_app(app) ? now.strikes + 1 : 1;

    save(strikes, app);
    if (strikes >= VM_STRIKES_MAX)
        LOG_ERR("app: %s: fault strike %lu of %u; the app is disabled until it is redeployed "
                "(`app enable`)", app, (unsigned long)strikes, VM_STRIKES_MAX);
    else
        LOG_ERR("app: %s: fault strike %lu of %u", app, (unsigned long)strikes, VM_STRIKES_MAX);
}

void vm_strikes_clear(void)
{
    if (now.strikes)
        save(0, "");
    LOG_INF("app: enabled; no strikes");
}
