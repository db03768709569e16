/* sim/bluez_exposure.c: lamps shown through the host's BlueZ adapter, a
 * window of them at a time, rotating. */
#include "bluez_exposure.h"

#include "bluez.h"
#include "machine.h"
#include "sim_error.h"

#include <stdio.h>
#include <string.h>

struct bluez_exposure {
    struct ble_bluez *bz;
    GPtrArray *candidates;  /* struct lamp * */
    GQueue shown;           /* struct lamp *, longest shown first */
    guint next;             /* the candidate to show next */
    guint count;
    guint rotate_source;
};

static void say(void *user, const char *message)
{
    (void)user;
    fprintf(stderr, "lampsim: bluez: %s\n", message);
}

static struct ble_radio *radio_of(struct lamp *lamp)
{
    return machine_ble_radio(lamp_machine(lamp));
}

static void show_next(struct bluez_exposure *e)
{
    struct lamp *lamp = g_ptr_array_index(e->candidates, e->next);

    e->next = (e->next + 1) % e->candidates->len;
    if (g_queue_find(&e->shown, lamp))
        return;
    ble_bluez_expose(e->bz, radio_of(lamp));
    g_queue_push_tail(&e->shown, lamp);
    fprintf(stderr, "lampsim: bluez: showing lamp %s\n", lamp_serial(lamp));
}

/* Whether the next candidate not shown has its GATT table up (it has
 * booted): rotating to a lamp still booting would show nothing. */
static bool next_is_ready(struct bluez_exposure *e)
{
    for (guint i = 0; i < e->candidates->len; i++) {
        struct lamp *lamp = g_ptr_array_index(e->candidates, (e->next + i) % e->candidates->len);
        struct ble_attr table[BLE_ATTRS_MAX];
        if (g_queue_find(&e->shown, lamp))
            continue;
        e->next = (e->next + i) % e->candidates->len;
        return ble_radio_attributes(radio_of(lamp), table) > 0;
    }
    return false;
}

static gboolean rotate(gpointer user_data)
{
    struct bluez_exposure *e = user_data;
    struct lamp *oldest = g_queue_peek_head(&e->shown);

    /* a lamp a central is talking to keeps its place, and the window
     * moves only onto a lamp that can be shown */
    if ((oldest && ble_radio_connected(radio_of(oldest))) || !next_is_ready(e))
        return G_SOURCE_CONTINUE;
    if (oldest) {
        g_queue_pop_head(&e->shown);
        ble_bluez_withdraw(e->bz, radio_of(oldest));
    }
    show_next(e);
    return G_SOURCE_CONTINUE;
}

struct bluez_exposure *bluez_exposure_new(struct ble_medium *md, struct lamp *const *lamps,
                                          guint nlamps, const struct bluez_exposure_config *cfg,
                                          GError **error)
{
    struct bluez_exposure *e = g_new0(struct bluez_exposure, 1);
    g_auto(GStrv) wanted = cfg->serials ? g_strsplit(cfg->serials, ",", 0) : NULL;

    e->candidates = g_ptr_array_new();
    g_queue_init(&e->shown);
    for (guint i = 0; i < nlamps; i++)
        if (!wanted || g_strv_contains((const char *const *)wanted, lamp_serial(lamps[i])))
            g_ptr_array_add(e->candidates, lamps[i]);
    for (char **w = wanted; w && *w; w++) {
        bool found = false;
        for (guint i = 0; i < e->candidates->len && !found; i++)
            found = !strcmp(lamp_serial(g_ptr_array_index(e->candidates, i)), *w);
        if (!found) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "--bluez-serials: no lamp %s here", *w);
            bluez_exposure_free(e);
            return NULL;
        }
    }
    if (e->candidates->len == 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_ARGS, "no lamp to show through BlueZ");
        bluez_exposure_free(e);
        return NULL;
    }
    e->bz = ble_bluez_new(md, cfg->adapter, say, NULL, error);
    if (!e->bz) {
        bluez_exposure_free(e);
        return NULL;
    }
    e->count = cfg->count ? cfg->count : ble_bluez_advertising_slots(e->bz);
    if (e->count == 0)
        e->count = 1;
    if (e->count > ble_bluez_advertising_slots(e->bz) && ble_bluez_advertising_slots(e->bz))
        fprintf(stderr, "lampsim: bluez: %u lamps asked for, but %s runs %u advertisements at "
                "once: the others get \"Maximum advertisements reached\"\n", e->count,
                cfg->adapter, ble_bluez_advertising_slots(e->bz));
    e->count = MIN(e->count, e->candidates->len);
    for (guint i = 0; i < e->count; i++)
        show_next(e);
    if (cfg->rotate_s > 0 && e->candidates->len > e->count)
        e->rotate_source = g_timeout_add((guint)(cfg->rotate_s * 1000), rotate, e);
    return e;
}

void bluez_exposure_free(struct bluez_exposure *e)
{
    if (!e)
        return;
    if (e->rotate_source)
        g_source_remove(e->rotate_source);
    ble_bluez_free(e->bz);
    g_queue_clear(&e->shown);
    g_ptr_array_unref(e->candidates);
    g_free(e);
}
