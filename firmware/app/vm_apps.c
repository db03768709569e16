/* firmware/app/vm_apps.c: the partner-app runtime (vm_apps.h).  The
 * platform keeps each app's record here, in privileged RAM: its manifest
 * (APIs, quotas), its timers and the events it handles, its instruction
 * count this second; the app's Lua state is in its arena (vm.c), which
 * only the VM writes.  An entry into the VM is a load or one callback,
 * each with the manifest's instruction quota per callback and the 1 s
 * time budget behind it (vm_timer.c). */
#include "vm_apps.h"

#include "vm_internal.h"

#include "app_pkg.h"
#include "beacon.h"
#include "clock.h"
#include "log.h"
#include "partitions.h"
#include "vm_strikes.h"

#include <stdio.h>
#include <string.h>

_Static_assert(VM_APPS_MAX == APP_MAX_INSTALLED, "an arena for each installed app");

#define SECOND_MS 1000u
#define WHY_MAX 128u
/* A sensor reading is looked at this often at least while an app has a
 * handler for it (movement wakes the loop at once; lux and temperature
 * change slowly and raise no interrupt of their own). */
#define SENSOR_LOOK_MS 1000u

/* Writes that wear flash: a burst, then one a period. */
struct bucket {
    uint32_t tokens, refill_ms;
};

struct app {
    bool used;                       /* a record (any state) */
    bool loaded;                     /* its state lives in its arenas */
    bool loading;                    /* its top-level chunk runs */
    struct app_pkg_header m;         /* the manifest it was loaded with */
    unsigned first_arena, arenas;    /* while loaded or loading: VM_ARENAS_FOR(quota_memory) */
    uint32_t flags;                  /* VM_JOB_* */
    int kv_pair;
    const char *state;
    char why[WHY_MAX];
    struct vm_app_timers timers;
    uint32_t events;                 /* VM_EV_* it has handlers for */
    uint32_t pending;                /* VM_EV_* changed since its last callback */
    uint32_t second_start_ms, insns_second;
    uint32_t callbacks, budget_ends, errors;
    uint32_t owner;                  /* vm_new_owner at its load */
    struct bucket light, storage;    /* its flash writes: light changes, storage writes */
    uint32_t beacon_set_ms;          /* its last change of the beacon slot */
    bool beacon_set;                 /* it changed it at least once */
};

static struct app apps[VM_APPS_MAX];
static unsigned next_turn; /* round robin: whose callback is looked at first */
static int beacon_owner = -1; /* the slot of the app holding the beacons' app slot */
static uint32_t sensors_looked_ms;
static void (*reporter)(const char *name, const char *state, const char *why);

void vm_apps_set_reporter(void (*fn)(const char *name, const char *state, const char *why))
{
    reporter = fn;
}

static void set_state(struct app *a, const char *state, const char *why)
{
    a->state = state;
    snprintf(a->why, sizeof(a->why), "%s", why);
    if (why[0])
        LOG_INF("app: %s: %s: %s", a->m.name, state, why);
    else
        LOG_INF("app: %s: %s", a->m.name, state);
    if (reporter)
        reporter(a->m.name, state, why);
}

/* Its state is gone (a fault, its time, a quota, an unload): the arena
 * wiped, its timers and events forgotten. */
static void tear_down(struct app *a, const char *state, const char *why)
{
    unsigned slot = (unsigned)(a - apps);

    vm_arena_wipe(a->first_arena, a->arenas, 0);
    vm_app_msgs_reset(slot);
    if (beacon_owner == (int)slot) {
        beacon_owner = -1;
        beacon_set_app_slot(false, 0);
    }
    a->loaded = a->loading = false;
    memset(&a->timers, 0, sizeof(a->timers));
    a->events = a->pending = 0;
    set_state(a, state, why);
}

const char *vm_apps_loaded_name(unsigned slot)
{
    return slot < VM_APPS_MAX && apps[slot].loaded ? apps[slot].m.name : NULL;
}

void vm_apps_init(void)
{
    vm_app_msgs_init();
}

/* No app loaded: the main loop's calls return at once, reading no
 * register (an idle lamp without apps is as cheap as before them). */
static bool any_loaded(void)
{
    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        if (apps[i].loaded)
            return true;
    return false;
}

static struct app *find(const char *name)
{
    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        if (apps[i].used && !strncmp(apps[i].m.name, name, sizeof(apps[i].m.name)))
            return &apps[i];
    return NULL;
}

/* Which arenas the loaded (or loading) apps hold: bit i is arena i. */
static uint32_t arenas_held(void)
{
    uint32_t held = 0;

    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        if (apps[i].loaded || apps[i].loading)
            held |= ((1u << apps[i].arenas) - 1u) << apps[i].first_arena;
    return held;
}

/* The first of n contiguous free arenas, or -1.  Lowest first: the
 * free ones stay together at the top as long as apps come and go in
 * order. */
static int free_arenas(unsigned n)
{
    uint32_t held = arenas_held(), want = (1u << n) - 1u;

    for (unsigned first = 0; n && first + n <= VM_ARENAS; first++)
        if (!(held & (want << first)))
            return (int)first;
    return -1;
}

int vm_apps_free_arena(void)
{
    return free_arenas(1);
}

static unsigned count_free_arenas(void)
{
    return VM_ARENAS - (unsigned)__builtin_popcount(arenas_held());
}

/* The gate's calls for the running app (slot): only a loaded app, or one
 * loading, has timers and events; a console run's slot has neither. */
static struct app *app_at(unsigned slot)
{
    return slot < VM_APPS_MAX && (apps[slot].loaded || apps[slot].loading) ? &apps[slot] : NULL;
}

int32_t vm_apps_timer_start(unsigned slot, uint32_t ms, bool periodic)
{
    struct app *a = app_at(slot);

    if (!a)
        return VM_EINVAL;
    return vm_app_timers_start(&a->timers, a->m.quota_timers, clock_ms(), ms, periodic);
}

int32_t vm_apps_timer_cancel(unsigned slot, uint32_t id)
{
    struct app *a = app_at(slot);

    return a ? vm_app_timers_cancel(&a->timers, id) : VM_EINVAL;
}

int32_t vm_apps_set_events(unsigned slot, uint32_t events)
{
    struct app *a = app_at(slot);

    if (!a)
        return VM_EINVAL;
    a->events = events;
    a->pending &= events;
    /* Its first look at a reading is its baseline, not an event. */
    vm_app_sensors_changes(events);
    return 0;
}

int32_t vm_apps_beacon(unsigned slot, uint32_t value)
{
    struct app *a = app_at(slot);
    uint32_t now = clock_ms();

    if (!a || value > VM_BEACON_RELEASE)
        return VM_EINVAL;
    if (beacon_owner >= 0 && beacon_owner != (int)slot)
        return VM_EBUSY;
    if (a->beacon_set && now - a->beacon_set_ms < VM_BEACON_PERIOD_MS)
        return VM_EQUOTA; /* each change rebuilds both frames on the air */
    a->beacon_set = true;
    a->beacon_set_ms = now;
    beacon_owner = value == VM_BEACON_RELEASE ? -1 : (int)slot;
    beacon_set_app_slot(value != VM_BEACON_RELEASE, (uint16_t)value);
    return 0;
}

/* A token a period, up to the burst: an app on a fast timer cannot wear
 * a flash record out. */
static bool take(struct bucket *b, uint32_t burst, uint32_t period_ms)
{
    uint32_t now = clock_ms();

    while (b->tokens < burst && now - b->refill_ms >= period_ms) {
        b->tokens++;
        b->refill_ms += period_ms;
    }
    if (b->tokens == burst)
        b->refill_ms = now;
    if (!b->tokens)
        return false;
    b->tokens--;
    return true;
}

bool vm_apps_light_admit(unsigned slot)
{
    struct app *a = app_at(slot);

    return !a || take(&a->light, VM_LIGHT_BURST, VM_LIGHT_REFILL_MS);
}

bool vm_apps_storage_admit(unsigned slot)
{
    struct app *a = app_at(slot);

    return a && take(&a->storage, VM_STORAGE_BURST, VM_STORAGE_REFILL_MS);
}

/* The instructions an entry used count against the app's second. */
static bool over_second_quota(struct app *a, uint32_t executed)
{
    uint32_t now = clock_ms();

    if (now - a->second_start_ms >= SECOND_MS) {
        a->second_start_ms = now;
        a->insns_second = 0;
    }
    a->insns_second += executed;
    return a->insns_second > a->m.quota_insns_second;
}

/* A fault or a time overrun: the state may be corrupt, so it goes; a
 * fault is also a crash record and a strike, and the last strike
 * disables the app. */
static void torn_down_by(struct app *a, uint32_t status)
{
    char why[WHY_MAX];

    snprintf(why, sizeof(why), "%s", vm_exit_why(status));
    if (status == VM_EXIT_FAULT) {
        vm_store_fault(a->m.name);
        if (!vm_strikes_admit(a->m.name)) {
            tear_down(a, "disabled", why);
            return;
        }
    }
    tear_down(a, "faulted", why);
}

/* One entry as app a, the job filled in; the verdict. */
static uint32_t enter(struct app *a, const char *source, size_t len)
{
    struct vm_ctx ctx = { .name = a->m.name, .apis = a->m.apis, .slot = (unsigned)(a - apps),
                          .first_arena = a->first_arena, .arenas = a->arenas, .owner = a->owner,
                          .kv_pair = a->kv_pair, .quota_storage = a->m.quota_storage,
                          .quota_messages = a->m.quota_messages_minute,
                          .source = source, .source_len = len };
    uint32_t status;

    vm_job->flags = a->flags;
    vm_job->apis = a->m.apis;
    vm_job->budget = a->m.quota_insns_callback;
    vm_job->arena = vm_arena_of(a->first_arena);
    status = vm_enter_as(&ctx);
    if (status == VM_EXIT_BUDGET)
        vm_job->executed = a->m.quota_insns_callback;
    return status;
}

int vm_app_load_flags(const struct app_pkg_header *manifest, const char *source, size_t len,
                      int kv_pair, uint32_t flags)
{
    struct app *a;
    uint32_t status;
    unsigned arenas;
    int first, err = app_pkg_check_manifest(manifest);

    if (err) {
        LOG_ERR("app: load refused: %s", app_pkg_strerror(err));
        return -1;
    }
    if (len == 0 || len > APP_PKG_SOURCE_MAX || kv_pair < -1 || kv_pair >= (int)APP_MAX_INSTALLED) {
        LOG_ERR("app: %s: load refused: source of %lu bytes (1 to %lu), storage pair %d",
                manifest->name, (unsigned long)len, (unsigned long)APP_PKG_SOURCE_MAX, kv_pair);
        return -1;
    }
    if (!vm_available())
        return -1;
    if (!vm_strikes_admit(manifest->name)) {
        if (reporter)
            reporter(manifest->name, "disabled", "disabled after its fault strikes");
        return -1;
    }
    vm_app_unload(manifest->name);
    a = NULL;
    for (unsigned i = 0; i < VM_APPS_MAX && !a; i++)
        if (!apps[i].used)
            a = &apps[i];
    /* A stopped app's record makes room: it has no state left. */
    for (unsigned i = 0; i < VM_APPS_MAX && !a; i++)
        if (!apps[i].loaded)
            a = &apps[i];
    if (!a) {
        LOG_ERR("app: %s: load refused: %u apps are loaded", manifest->name, VM_APPS_MAX);
        return -1;
    }
    arenas = VM_ARENAS_FOR(manifest->quota_memory);
    first = free_arenas(arenas);
    if (first < 0) {
        char why[WHY_MAX];
        unsigned free_n = count_free_arenas();
        snprintf(why, sizeof(why), "needs %u arena%s of %u KiB for %lu bytes of memory, %u free%s",
                 arenas, arenas == 1 ? "" : "s", VM_ARENA_SIZE / 1024u,
                 (unsigned long)manifest->quota_memory, free_n,
                 free_n >= arenas ? " but not contiguous" : "");
        LOG_ERR("app: %s: load refused: %s", manifest->name, why);
        if (reporter)
            reporter(manifest->name, "stopped", why);
        return -1;
    }
    memset(a, 0, sizeof(*a));
    a->used = a->loading = true;
    a->first_arena = (unsigned)first;
    a->arenas = arenas;
    a->m = *manifest;
    a->flags = flags;
    a->kv_pair = kv_pair;
    a->second_start_ms = clock_ms();
    a->owner = vm_new_owner();
    a->light = (struct bucket){ VM_LIGHT_BURST, a->second_start_ms };
    a->storage = (struct bucket){ VM_STORAGE_BURST, a->second_start_ms };
    vm_arena_wipe(a->first_arena, a->arenas, manifest->quota_memory);
    vm_app_msgs_reset((unsigned)(a - apps));
    memset(vm_job, 0, sizeof(*vm_job));
    vm_job->what = VM_DO_LOAD;
    status = enter(a, source, len);
    a->loading = false;
    switch (status) {
    case VM_EXIT_OK:
        a->loaded = true;
        if (over_second_quota(a, vm_job->executed)) {
            tear_down(a, "stopped", "instruction quota per second exceeded");
            return -1;
        }
        set_state(a, "running", "");
        return 0;
    case VM_EXIT_FAULT:
    case VM_EXIT_TIME:
    case VM_EXIT_BAD_SVC:
        torn_down_by(a, status);
        return -1;
    default: {
        char why[WHY_MAX];
        snprintf(why, sizeof(why), "%s while loading%s",
                 status == VM_EXIT_BUDGET ? "instruction quota per callback exceeded"
                                          : vm_exit_why(status),
                 vm_arena_of(a->first_arena)->heap.hit_cap ? " (the memory quota was reached)"
                                                                 : "");
        tear_down(a, "stopped", why);
        return -1;
    }
    }
}

int vm_app_load(const struct app_pkg_header *manifest, const char *source, size_t len,
                int kv_pair)
{
    return vm_app_load_flags(manifest, source, len, kv_pair, 0);
}

void vm_app_unload(const char *name)
{
    struct app *a = find(name);

    if (!a)
        return;
    if (a->loaded)
        tear_down(a, "stopped", "unloaded");
    a->used = false;
}

/* What is due for a: a timer, a message, then a sensor event; false
 * when nothing.  A message is taken into the job at once. */
static bool due(struct app *a, uint32_t now, uint32_t *event, int32_t *arg, bool *once)
{
    if (vm_app_timers_take_due(&a->timers, now, arg, once)) {
        *event = VM_EV_TIMER;
        return true;
    }
    if (vm_app_msgs_pending((unsigned)(a - apps))) {
        *event = VM_EV_MESSAGE;
        *arg = 0;
        *once = false;
        return true;
    }
    for (uint32_t ev = VM_EV_OCCUPANCY; ev <= VM_EV_TEMPERATURE; ev <<= 1)
        if (a->pending & ev) {
            a->pending &= ~ev;
            *event = ev;
            *arg = vm_app_sensors_value(ev);
            *once = false;
            return true;
        }
    return false;
}

static void dispatch(struct app *a, uint32_t event, int32_t arg, bool once)
{
    uint32_t status;
    char why[WHY_MAX];

    memset(vm_job, 0, sizeof(*vm_job));
    if (event == VM_EV_MESSAGE)
        vm_app_msgs_take((unsigned)(a - apps), vm_job);
    vm_job->what = VM_DO_CALL;
    vm_job->event = event;
    vm_job->arg = arg;
    vm_job->once = once;
    a->callbacks++;
    status = enter(a, NULL, 0);
    switch (status) {
    case VM_EXIT_OK:
        break;
    case VM_EXIT_BUDGET:
        /* That callback ended; the app and its state go on. */
        a->budget_ends++;
        snprintf(why, sizeof(why), "instruction quota per callback exceeded (%lu); the callback "
                 "was ended", (unsigned long)a->m.quota_insns_callback);
        set_state(a, "running", why);
        break;
    case VM_EXIT_FAULT:
    case VM_EXIT_TIME:
    case VM_EXIT_BAD_SVC:
        torn_down_by(a, status);
        return;
    default:
        a->errors++; /* its error is logged (VM_OP_ERROR); its state goes on */
        break;
    }
    if (over_second_quota(a, vm_job->executed))
        tear_down(a, "stopped", "instruction quota per second exceeded");
}

/* The events that changed, marked pending for the apps that handle them. */
static void look_at_sensors(uint32_t now)
{
    uint32_t want = 0, changed;

    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        if (apps[i].loaded)
            want |= apps[i].events;
    if (!want)
        return;
    sensors_looked_ms = now;
    changed = vm_app_sensors_changes(want);
    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        if (apps[i].loaded)
            apps[i].pending |= changed & apps[i].events;
}

void vm_apps_poll(void)
{
    uint32_t now, event;
    int32_t arg;
    bool once;

    if (!any_loaded())
        return;
    now = clock_ms();
    look_at_sensors(now);
    for (unsigned n = 0; n < VM_APPS_MAX; n++) {
        struct app *a = &apps[(next_turn + n) % VM_APPS_MAX];
        if (a->loaded && due(a, now, &event, &arg, &once)) {
            next_turn = (unsigned)(a - apps) + 1;
            dispatch(a, event, arg, once);
            return; /* one callback a pass: the lamp's other tasks come first */
        }
    }
}

bool vm_apps_pending(void)
{
    uint32_t now;

    if (!any_loaded())
        return false;
    now = clock_ms();

    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        if (apps[i].loaded && (apps[i].pending || vm_app_msgs_pending(i) ||
                               vm_app_timers_ms_to_next(&apps[i].timers, now) == 0))
            return true;
    return false;
}

uint32_t vm_apps_idle_ms(void)
{
    uint32_t now, idle = UINT32_MAX;

    if (!any_loaded())
        return idle;
    now = clock_ms();

    for (unsigned i = 0; i < VM_APPS_MAX; i++) {
        const struct app *a = &apps[i];
        if (!a->loaded)
            continue;
        uint32_t t = vm_app_timers_ms_to_next(&a->timers, now);
        if (a->events & (VM_EV_LUX | VM_EV_TEMPERATURE)) {
            uint32_t since = now - sensors_looked_ms;
            uint32_t look = since >= SENSOR_LOOK_MS ? 0 : SENSOR_LOOK_MS - since;
            if (look < t)
                t = look;
        }
        if (t < idle)
            idle = t;
    }
    return idle;
}

static void print_apis(char *out, size_t size, uint32_t apis)
{
    static const char *const names[] = { "light", "sensors", "messages", "storage", "timers", "log",
                                         "beacon" };
    size_t n = 0;

    out[0] = 0;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (apis & (1u << i))
            n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? "," : "", names[i]);
}

void vm_apps_print_status(void)
{
    unsigned loaded = 0;

    for (unsigned i = 0; i < VM_APPS_MAX; i++)
        loaded += apps[i].loaded;
    LOG_INF("app: %u of %u apps loaded; %u of %u arenas of %u KiB free", loaded, VM_APPS_MAX,
            count_free_arenas(), VM_ARENAS, VM_ARENA_SIZE / 1024u);
    for (unsigned i = 0; i < VM_APPS_MAX; i++) {
        const struct app *a = &apps[i];
        const struct vm_heap *heap = &vm_arena_of(a->first_arena)->heap;
        char apis[64], where[24] = "";
        if (!a->used)
            continue;
        print_apis(apis, sizeof(apis), a->m.apis);
        if (a->loaded)
            snprintf(where, sizeof(where), " in arena%s %u%s%.0u", a->arenas > 1 ? "s" : "",
                     a->first_arena, a->arenas > 1 ? "-" : "",
                     a->arenas > 1 ? a->first_arena + a->arenas - 1 : 0);
        LOG_INF("app: %s: %s%s%s; apis %s; memory %lu of %lu%s (peak %lu); timers %u of %lu; "
                "callbacks %lu, ended by quota %lu, errors %lu; instructions this second %lu of %lu; "
                "messages dropped %lu",
                a->m.name, a->state, a->why[0] ? ": " : "", a->why, apis[0] ? apis : "none",
                (unsigned long)(a->loaded ? heap->used : 0), (unsigned long)a->m.quota_memory,
                where, (unsigned long)(a->loaded ? heap->peak : 0), vm_app_timers_live(&a->timers),
                (unsigned long)a->m.quota_timers, (unsigned long)a->callbacks,
                (unsigned long)a->budget_ends, (unsigned long)a->errors,
                (unsigned long)a->insns_second, (unsigned long)a->m.quota_insns_second,
                (unsigned long)vm_app_msgs_dropped(i));
    }
}
