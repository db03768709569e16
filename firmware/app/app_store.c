/* firmware/app/app_store.c: the installed partner apps in the app
 * partition (app_store.h, docs/firmware.md#the-app-store).  An install
 * writes the free slot, verifies the package where it lies and commits it
 * with a trailer (include/app_slot.h); only then is the slot of the app it
 * replaces erased.  Until the trailer's magic is programmed the old app is
 * the installed one; after it, the new one, whose higher sequence number
 * wins at boot over an old copy a power cut left behind. */
#include "app_store.h"

#include "app_pkg.h"
#include "app_slot.h"
#include "app_versions.h"
#include "crc32.h"
#include "flashctl.h"
#include "log.h"

#include <string.h>

struct slot {
    bool used;                 /* holds a committed package */
    uint32_t seq;
    uint32_t kv_pair;
    struct app_pkg_header h;
};

static struct slot slots[APP_SLOTS];
static app_store_listener listener;

/* The install in progress. */
static bool receiving;
static unsigned target;
static uint32_t expected, received;
static const char *failed;
static uint8_t page[FLASH_PAGE_SIZE] __attribute__((aligned(4)));

static const uint8_t *slot_bytes(unsigned i)
{
    return (const uint8_t *)APP_SLOT_ADDR(i);
}

static const struct app_slot_trailer *trailer_of(unsigned i)
{
    return (const struct app_slot_trailer *)(APP_SLOT_ADDR(i) + APP_SLOT_TRAILER_OFFSET);
}

static uint32_t trailer_crc(const struct app_slot_trailer *t)
{
    return crc32_update(0, &t->seq, offsetof(struct app_slot_trailer, crc) -
                                        offsetof(struct app_slot_trailer, seq));
}

/* A committed slot: trailer whole, package bytes as committed, header sound. */
static bool read_slot(unsigned i, struct slot *s)
{
    const struct app_slot_trailer *t = trailer_of(i);

    s->used = false;
    if (t->magic != APP_SLOT_MAGIC || trailer_crc(t) != t->crc || t->pkg_len > APP_PKG_MAX_SIZE ||
        t->kv_pair >= APP_MAX_INSTALLED || crc32_update(0, slot_bytes(i), t->pkg_len) != t->pkg_crc ||
        app_pkg_parse(slot_bytes(i), t->pkg_len, &s->h) != APP_PKG_OK)
        return false;
    s->seq = t->seq;
    s->kv_pair = t->kv_pair;
    s->used = true;
    return true;
}

static const char *flash_error(uint32_t err)
{
    return err & FLASHCTL_SR_WPERR ? "the app partition is write-protected"
                                   : "flash error in the app partition";
}

/* Erases a slot, the trailer's sector first: from the first operation on
 * the slot no longer counts as committed. */
static uint32_t erase_slot(unsigned i)
{
    uint32_t err = 0;

    for (uint32_t off = APP_SLOT_SIZE; off && !err; off -= FLASH_SECTOR_SIZE)
        err = flashctl_erase(APP_SLOT_ADDR(i) + off - FLASH_SECTOR_SIZE);
    return err;
}

static uint32_t erase_kv_pair(uint32_t pair)
{
    uint32_t err = flashctl_erase(APP_KV_PAIR_ADDR(pair));

    return err ? err : flashctl_erase(APP_KV_PAIR_ADDR(pair) + FLASH_SECTOR_SIZE);
}

static bool same_name(const struct app_pkg_header *h, const char *name)
{
    return strncmp(h->name, name, APP_PKG_NAME_SIZE) == 0;
}

static int slot_of(const char *name)
{
    for (unsigned i = 0; i < APP_SLOTS; i++)
        if (slots[i].used && same_name(&slots[i].h, name))
            return (int)i;
    return -1;
}

static bool is_installed(const char *name)
{
    return slot_of(name) >= 0;
}

static unsigned installed_count(void)
{
    unsigned n = 0;

    for (unsigned i = 0; i < APP_SLOTS; i++)
        n += slots[i].used;
    return n;
}

int app_store_init(void)
{
    int rc = 0;

    app_versions_init();
    for (unsigned i = 0; i < APP_SLOTS; i++)
        read_slot(i, &slots[i]);
    /* Two committed copies of a name: an upgrade was cut before it erased
     * the old one.  The later commit is the app; finish the upgrade. */
    for (unsigned i = 0; i < APP_SLOTS; i++)
        for (unsigned j = i + 1; j < APP_SLOTS && slots[i].used; j++) {
            unsigned old;
            uint32_t err;
            if (!slots[j].used || !same_name(&slots[i].h, slots[j].h.name))
                continue;
            old = (int32_t)(slots[j].seq - slots[i].seq) > 0 ? i : j;
            LOG_INF("app: %s: finishing an interrupted upgrade (erasing slot %u)",
                    slots[old].h.name, old);
            if ((err = erase_slot(old)) != 0) {
                LOG_ERR("app: erasing slot %u failed: %s (0x%02lx)", old, flash_error(err),
                        (unsigned long)err);
                rc = -1;
            }
            slots[old].used = false;
        }
    for (unsigned i = 0; i < APP_SLOTS; i++)
        if (slots[i].used)
            LOG_INF("app: %s %lu.%lu.%lu installed (slot %u)", slots[i].h.name,
                    (unsigned long)(slots[i].h.app_version >> 16),
                    (unsigned long)(slots[i].h.app_version >> 8 & 0xFF),
                    (unsigned long)(slots[i].h.app_version & 0xFF), i);
    return rc;
}

static bool get_slot(unsigned s, struct app_pkg_header *h, const char **source)
{
    if (h)
        *h = slots[s].h;
    if (source)
        *source = (const char *)slot_bytes(s) + APP_PKG_HEADER_SIZE;
    return true;
}

bool app_store_get(unsigned i, struct app_pkg_header *h, const char **source)
{
    for (unsigned s = 0; s < APP_SLOTS; s++)
        if (slots[s].used && i-- == 0)
            return get_slot(s, h, source);
    return false;
}

bool app_store_find(const char *name, struct app_pkg_header *h, const char **source)
{
    int s = slot_of(name);

    return s >= 0 && get_slot((unsigned)s, h, source);
}

int app_store_slot(const char *name)
{
    return slot_of(name);
}

int app_store_kv_pair(const char *name)
{
    int s = slot_of(name);

    return s < 0 ? -1 : (int)slots[s].kv_pair;
}

void app_store_set_listener(app_store_listener fn)
{
    listener = fn;
}

bool app_store_busy(void)
{
    return receiving;
}

uint32_t app_store_received(void)
{
    return received;
}

void app_store_abort(void)
{
    /* The target slot was never committed: it stays free. */
    receiving = false;
    received = expected = 0;
}

const char *app_store_begin(uint32_t total_len)
{
    uint32_t err;

    app_store_abort();
    if (total_len < APP_PKG_HEADER_SIZE || total_len > APP_PKG_MAX_SIZE)
        return "package size out of range (a header to the largest package a slot holds)";
    /* One slot more than apps: there is always a free one. */
    for (target = 0; target < APP_SLOTS && slots[target].used; target++)
        ;
    if (target == APP_SLOTS)
        return "no free package slot";
    if ((err = erase_slot(target)) != 0)
        return flash_error(err);
    receiving = true;
    expected = total_len;
    failed = NULL;
    return NULL;
}

static const char *flush_page(void)
{
    uint32_t addr = APP_SLOT_ADDR(target) + (received - 1) / FLASH_PAGE_SIZE * FLASH_PAGE_SIZE;
    uint32_t err = flashctl_program_page(addr, page);

    return err ? flash_error(err) : NULL;
}

const char *app_store_write(const uint8_t *data, size_t len)
{
    if (!receiving)
        return "no install in progress";
    while (len && !failed) {
        uint32_t in_page = received % FLASH_PAGE_SIZE, n = FLASH_PAGE_SIZE - in_page;

        if (n > len)
            n = (uint32_t)len;
        if (received + n > expected) {
            failed = "more bytes than the package length given";
            break;
        }
        memcpy(page + in_page, data, n);
        received += n;
        data += n;
        len -= n;
        if (received % FLASH_PAGE_SIZE == 0)
            failed = flush_page();
    }
    return failed;
}

/* The floor the package must reach: the installed app's version, or the
 * highest ever installed under the name when that is higher. */
static void version_floor(const char *name, struct app_pkg_header *floor)
{
    struct app_pkg_header installed;
    uint32_t v = app_versions_floor(name);

    memset(floor, 0, sizeof(*floor));
    strncpy(floor->name, name, APP_PKG_NAME_SIZE - 1);
    if (app_store_find(name, &installed, NULL) && installed.app_version > v)
        v = installed.app_version;
    floor->app_version = v;
}

/* Programs the trailer, the magic last. */
static uint32_t commit(uint32_t seq, uint32_t kv_pair)
{
    struct app_slot_trailer t = {
        .magic = APP_SLOT_MAGIC, .seq = seq, .pkg_len = received, .kv_pair = kv_pair,
        .pkg_crc = crc32_update(0, slot_bytes(target), received),
    };
    const uint32_t *w = (const uint32_t *)&t;
    uint32_t addr = APP_SLOT_ADDR(target) + APP_SLOT_TRAILER_OFFSET, err = 0;

    t.crc = trailer_crc(&t);
    for (unsigned i = 1; i < sizeof(t) / 4 && !err; i++)
        err = flashctl_program(addr + 4 * i, w[i]);
    return err ? err : flashctl_program(addr, w[0]);
}

/* A pair no installed app holds; its content (a removed app's, or one a
 * cut removal left) is erased before the new app gets it. */
static int free_kv_pair(void)
{
    for (uint32_t p = 0; p < APP_MAX_INSTALLED; p++) {
        bool taken = false;
        for (unsigned s = 0; s < APP_SLOTS; s++)
            taken |= slots[s].used && slots[s].kv_pair == p;
        if (!taken)
            return (int)p;
    }
    return -1;
}

const char *app_store_finish(struct app_pkg_header *installed, int *err)
{
    struct app_pkg_header h, floor;
    struct app_pkg_keys keys;
    const char *why;
    uint32_t seq = 0, ferr;
    int old, pair, rc;

    *err = 0;
    if (!receiving)
        return "no install in progress";
    receiving = false;
    if (failed)
        return failed;
    if (received != expected)
        return "truncated: fewer bytes than the package length given";
    if (received % FLASH_PAGE_SIZE) {
        memset(page + received % FLASH_PAGE_SIZE, 0xFF, FLASH_PAGE_SIZE - received % FLASH_PAGE_SIZE);
        if ((why = flush_page()) != NULL)
            return why;
    }
    /* Everything below reads the package in flash, not what was sent. */
    if ((rc = app_pkg_parse(slot_bytes(target), received, &h)) != APP_PKG_OK) {
        *err = rc;
        return app_pkg_strerror(rc);
    }
    old = slot_of(h.name);
    if (old < 0 && installed_count() >= APP_MAX_INSTALLED)
        return "as many apps are installed as a lamp holds: remove one first";
    if ((why = app_pkg_keys_load(&keys)) != NULL)
        return why;
    version_floor(h.name, &floor);
    if ((rc = app_pkg_verify(slot_bytes(target), received, &keys, &floor, &h)) != APP_PKG_OK) {
        *err = rc;
        return app_pkg_strerror(rc);
    }
    /* The floor before the commit: a cut between them leaves the floor at
     * a version that may be installed again (equal is no downgrade). */
    if ((ferr = app_versions_raise(h.name, h.app_version, is_installed)) != 0)
        return flash_error(ferr);
    pair = old >= 0 ? (int)slots[old].kv_pair : free_kv_pair();
    if (pair < 0)
        return "no free key/value pair";
    if (old < 0 && (ferr = erase_kv_pair((uint32_t)pair)) != 0)
        return flash_error(ferr);
    for (unsigned s = 0; s < APP_SLOTS; s++)
        if (slots[s].used && (int32_t)(slots[s].seq - seq) > 0)
            seq = slots[s].seq;
    if ((ferr = commit(seq + 1, (uint32_t)pair)) != 0)
        return flash_error(ferr);
    slots[target] = (struct slot){ .used = true, .seq = seq + 1, .kv_pair = (uint32_t)pair, .h = h };
    if (old >= 0) {
        slots[old].used = false;
        /* The new copy is committed: a failure here leaves two copies,
         * which the next boot resolves as it does after a cut. */
        if ((ferr = erase_slot((unsigned)old)) != 0)
            LOG_ERR("app: %s: erasing its old slot %d failed: %s", h.name, old, flash_error(ferr));
    }
    if (installed)
        *installed = h;
    if (listener)
        listener(h.name, true);
    return NULL;
}

const char *app_store_remove(const char *name)
{
    int s = slot_of(name);
    uint32_t err, pair;

    if (s < 0)
        return "no app of that name is installed";
    pair = slots[s].kv_pair;
    if ((err = erase_slot((unsigned)s)) != 0)
        return flash_error(err);
    slots[s].used = false;
    /* A cut before the pair is erased leaves stale data in a pair no app
     * holds; the next app given it erases it first (free_kv_pair). */
    if ((err = erase_kv_pair(pair)) != 0)
        LOG_ERR("app: %s: erasing its storage failed: %s", name, flash_error(err));
    if (listener)
        listener(name, false);
    return NULL;
}
