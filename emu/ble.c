/* emu/ble.c: BLE, the lamp's Bluetooth Low Energy controller at GATT level
 * (docs/hardware.md#ble).  The firmware builds the attribute table and the
 * advertising data through commands that take their data by DMA from SRAM;
 * the controller answers the central's reads from the table on its own, as
 * a controller holding the GATT database does, and queues everything the
 * firmware must act on (link up or down, a write, a subscription) as
 * events behind one interrupt.  Beside the connectable advertising (set
 * 0) it runs non-connectable broadcast sets, as a BLE 5 controller's
 * extended advertising sets; they raise no events.  The air is outside
 * emu/: blebridge/ plays the central through ble_radio_* and is told what
 * the lamp does through machine_config.ble_ops. */
#include "ble.h"
#include "context_call.h"
#include "periph.h"
#include "rr.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#define MAX_ATTRS BLE_ATTRS_MAX

struct event {
    uint32_t type, handle;
    GBytes *data;   /* BLE_EV_WRITE: the value; BLE_EV_SUBSCRIBE: 1 byte on/off */
};

/* One advertising set.  Set 0 is the connectable one: its data comes from
 * SET_ADV and it has the default parameters; the others broadcast. */
struct adv_set {
    bool configured;         /* ADVSET_PARAMS given since reset (set 0: always) */
    bool enabled;            /* started (set 0: ADV_START; a link stops it) */
    uint32_t interval_ms;
    int8_t tx_power;         /* as selected */
    uint8_t data[BLE_ADV_MAX];
    size_t len;
};

/* What the medium must hear once the lock is released (it may call back). */
struct tell {
    bool link_lost, changed;
    uint16_t notify_handle;  /* 0: no notification */
    GBytes *notify_value;
};

/* The lock covers everything below it: the lamp's thread (registers,
 * reset) and the central's (ble_radio_*) both reach it.  The machine
 * itself is touched on the lamp's thread only: a central on another
 * thread hands the interrupt and the wake-up to ctx (kick). */
struct ble_radio {
    struct machine *m;
    GMainContext *ctx;       /* the lamp's thread's context */
    GThread *thread;         /* the lamp's thread */
    gint refs;               /* the lamp, and kicks in flight */
    bool freed;              /* the lamp is gone (read on its thread only) */
    GMutex lock;
    struct tell tell;
    bool queue_full_lost;    /* a disconnection found the queue full */
    uint32_t ctrl, result, errcode, arg0, arg1, arg2, buf, len;
    bool err, connected;
    uint16_t mtu;
    struct adv_set sets[BLE_ADV_SETS];
    struct ble_attr attrs[MAX_ATTRS];
    GBytes *values[MAX_ATTRS];
    bool subscribed[MAX_ATTRS];
    size_t nattrs;
    uint16_t next_handle;
    struct event evq[BLE_EVQ_DEPTH];
    unsigned ev_head, ev_count;
};

const char *ble_status_str(enum ble_status s)
{
    switch (s) {
    case BLE_OK: return "ok";
    case BLE_E_OFF: return "radio off";
    case BLE_E_NOT_ADVERTISING: return "not advertising";
    case BLE_E_BUSY: return "busy";
    case BLE_E_NOT_CONNECTED: return "not connected";
    case BLE_E_HANDLE: return "no such attribute";
    case BLE_E_NOT_PERMITTED: return "not permitted";
    case BLE_E_LENGTH: return "value too long";
    }
    return "unknown";
}

static void update_irq(struct ble_radio *r)
{
    machine_irq_set(r->m, IRQ_BLE, (r->ctrl & BLE_CTRL_IE) && r->ev_count > 0);
}

static void tell_medium(struct ble_radio *r)
{
    r->tell.changed = true;
}

/* With the lock released: what the medium must hear, in the order it
 * happened (a link lost comes with or before a change of advertising). */
static void tell_now(struct ble_radio *r)
{
    const struct machine_config *cfg = machine_config(r->m);
    struct tell t;

    g_mutex_lock(&r->lock);
    t = r->tell;
    r->tell = (struct tell){ 0 };
    g_mutex_unlock(&r->lock);
    if (cfg->ble_ops && t.link_lost && cfg->ble_ops->link_lost)
        cfg->ble_ops->link_lost(cfg->ble_medium, r);
    if (cfg->ble_ops && t.changed && cfg->ble_ops->changed)
        cfg->ble_ops->changed(cfg->ble_medium, r);
    if (t.notify_value) {
        gsize len;
        const uint8_t *v = g_bytes_get_data(t.notify_value, &len);
        if (cfg->ble_ops && cfg->ble_ops->notify)
            cfg->ble_ops->notify(cfg->ble_medium, r, t.notify_handle, v, len);
        g_bytes_unref(t.notify_value);
    }
}

static bool push_event(struct ble_radio *r, uint32_t type, uint32_t handle, GBytes *data)
{
    if (r->ev_count == BLE_EVQ_DEPTH) {
        if (data)
            g_bytes_unref(data);
        return false;
    }
    r->evq[(r->ev_head + r->ev_count++) % BLE_EVQ_DEPTH] = (struct event){ type, handle, data };
    return true;
}

static void radio_unref(gpointer data)
{
    struct ble_radio *r = data;

    if (!g_atomic_int_dec_and_test(&r->refs))
        return;
    g_mutex_clear(&r->lock);
    g_main_context_unref(r->ctx);
    g_free(r);
}

/* On the lamp's thread: the interrupt line follows the queue, and a
 * sleeping lamp wakes to take the events. */
static gboolean kick(gpointer data)
{
    struct ble_radio *r = data;
    bool lost;

    if (r->freed)
        return G_SOURCE_REMOVE;
    g_mutex_lock(&r->lock);
    update_irq(r);
    lost = r->queue_full_lost;
    r->queue_full_lost = false;
    g_mutex_unlock(&r->lock);
    if (lost)
        machine_log(r->m, MACHINE_LOG_INFO, "ble: event queue full, disconnection not queued");
    machine_host_event(r->m);
    return G_SOURCE_REMOVE;
}

/* After a central's request changed the queue: kick at once on the lamp's
 * own thread, or soon from its main loop. */
static void kick_lamp(struct ble_radio *r)
{
    g_atomic_int_inc(&r->refs);
    context_call(r->ctx, r->thread, kick, r, radio_unref);
}

static void clear_events(struct ble_radio *r)
{
    for (unsigned i = 0; i < r->ev_count; i++) {
        struct event *e = &r->evq[(r->ev_head + i) % BLE_EVQ_DEPTH];
        if (e->data)
            g_bytes_unref(e->data);
    }
    r->ev_head = r->ev_count = 0;
}

static void drop_link(struct ble_radio *r, bool tell)
{
    if (!r->connected)
        return;
    r->connected = false;
    r->mtu = BLE_MTU_DEFAULT;
    memset(r->subscribed, 0, sizeof(r->subscribed));
    if (tell)
        r->tell.link_lost = true;
}

static void clear_table(struct ble_radio *r)
{
    for (size_t i = 0; i < r->nattrs; i++)
        if (r->values[i])
            g_bytes_unref(r->values[i]);
    memset(r->values, 0, sizeof(r->values));
    memset(r->subscribed, 0, sizeof(r->subscribed));
    r->nattrs = 0;
    r->next_handle = 1;
}

static bool any_set_enabled(const struct ble_radio *r)
{
    for (unsigned i = 0; i < BLE_ADV_SETS; i++)
        if (r->sets[i].enabled)
            return true;
    return false;
}

static void stop_all_sets(struct ble_radio *r)
{
    for (unsigned i = 0; i < BLE_ADV_SETS; i++)
        r->sets[i].enabled = false;
}

/* Every set stopped and emptied; set 0 back to its fixed parameters. */
static void clear_sets(struct ble_radio *r)
{
    memset(r->sets, 0, sizeof(r->sets));
    r->sets[0] = (struct adv_set){ .configured = true, .interval_ms = BLE_ADV_INTERVAL_DEFAULT_MS,
                                   .tx_power = BLE_TX_POWER_DEFAULT };
}

static void ble_reset(void *opaque, uint32_t cause)
{
    struct ble_radio *r = opaque;
    bool was_visible;

    (void)cause;
    g_mutex_lock(&r->lock);
    was_visible = any_set_enabled(r) || r->nattrs;
    drop_link(r, true);
    clear_events(r);
    clear_table(r);
    r->ctrl = r->result = r->errcode = r->arg0 = r->arg1 = r->arg2 = r->buf = r->len = 0;
    r->err = false;
    clear_sets(r);
    r->mtu = BLE_MTU_DEFAULT;
    update_irq(r);
    if (was_visible)
        tell_medium(r);
    g_mutex_unlock(&r->lock);
    tell_now(r);
}

static int attr_index(const struct ble_radio *r, uint32_t handle)
{
    for (size_t i = 0; i < r->nattrs; i++)
        if (r->attrs[i].handle == handle && !r->attrs[i].is_service)
            return (int)i;
    return -1;
}

/* AD structures: length byte, type, data; lengths must add up (Core spec
 * Vol 3 Part C 11). */
static bool adv_well_formed(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (p[i] == 0 || i + 1 + p[i] > len)
            return false;
        i += 1u + p[i];
    }
    return true;
}

static uint32_t add_attr(struct ble_radio *r, bool service, uint32_t *result)
{
    const uint8_t *uuid = r->len == 16 ? machine_sram_range(r->m, r->buf, 16) : NULL;
    struct ble_attr *a;

    if (r->len != 16)
        return BLE_ERR_LEN;
    if (!uuid)
        return BLE_ERR_ADDR;
    if (r->sets[0].enabled || r->connected)
        return BLE_ERR_STATE;
    if (r->nattrs == MAX_ATTRS)
        return BLE_ERR_FULL;
    if (!service) {
        if (!r->nattrs || r->arg1 == 0 || r->arg1 > BLE_VALUE_MAX ||
            !(r->arg0 & (BLE_PROP_READ | BLE_PROP_WRITE | BLE_PROP_WRITE_NO_RSP | BLE_PROP_NOTIFY)) ||
            (r->arg0 & ~0xFFu))
            return r->nattrs ? BLE_ERR_LEN : BLE_ERR_STATE;
    }
    a = &r->attrs[r->nattrs];
    *a = (struct ble_attr){ .is_service = service };
    memcpy(a->uuid, uuid, 16);
    if (service) {
        a->handle = r->next_handle++;
    } else {
        a->props = (uint8_t)r->arg0;
        a->max_len = (uint16_t)r->arg1;
        /* declaration, value, and a CCCD when it notifies: the value
         * handle is the one after the declaration, as in a real table */
        a->handle = (uint16_t)(r->next_handle + 1);
        r->next_handle += (a->props & BLE_PROP_NOTIFY) ? 3 : 2;
        for (size_t i = r->nattrs; i-- > 0;)
            if (r->attrs[i].is_service) {
                a->service = r->attrs[i].handle;
                break;
            }
    }
    r->nattrs++;
    *result = a->handle;
    return 0;
}

static uint32_t set_value(struct ble_radio *r, bool notify, uint32_t *result)
{
    int i = attr_index(r, r->arg0);
    const uint8_t *v = r->len ? machine_sram_range(r->m, r->buf, r->len) : (const uint8_t *)"";

    if (i < 0)
        return BLE_ERR_HANDLE;
    if (r->len > r->attrs[i].max_len)
        return BLE_ERR_LEN;
    if (!v)
        return BLE_ERR_ADDR;
    if (notify && !(r->attrs[i].props & BLE_PROP_NOTIFY))
        return BLE_ERR_HANDLE;
    if (r->values[i])
        g_bytes_unref(r->values[i]);
    r->values[i] = g_bytes_new(v, r->len);
    *result = 0;
    if (notify && r->connected && r->subscribed[i]) {
        if (r->len > (size_t)r->mtu - 3u)
            machine_log(r->m, MACHINE_LOG_GUEST_ERROR,
                        "ble: notification of %u bytes cut to the ATT MTU (%u - 3)", r->len, r->mtu);
        if (r->tell.notify_value)
            g_bytes_unref(r->tell.notify_value); /* (one command: one notification) */
        r->tell.notify_handle = (uint16_t)r->arg0;
        r->tell.notify_value = g_bytes_new(v, MIN((size_t)r->len, (size_t)r->mtu - 3u));
        *result = 1;
    }
    return 0;
}

static uint32_t pop_event(struct ble_radio *r, uint32_t *result)
{
    struct event *e;
    size_t n = 0;

    if (!r->ev_count)
        return BLE_ERR_EMPTY;
    e = &r->evq[r->ev_head];
    if (e->data) {
        const uint8_t *d = g_bytes_get_data(e->data, &n);
        uint8_t *dst = n ? machine_sram_range_rw(r->m, r->buf, MIN(n, (size_t)r->len)) : NULL;
        if (n && r->len && !dst)
            return BLE_ERR_ADDR;
        if (dst)
            memcpy(dst, d, MIN(n, (size_t)r->len));
        g_bytes_unref(e->data);
    }
    *result = e->type;
    r->arg0 = e->type == BLE_EV_CONNECTED ? r->mtu : e->handle;
    r->arg1 = (uint32_t)n; /* the whole length, even if LEN was shorter */
    r->ev_head = (r->ev_head + 1) % BLE_EVQ_DEPTH;
    r->ev_count--;
    update_irq(r);
    return 0;
}

/* BUF, LEN: advertising data for set s, checked before it replaces the
 * set's data (nothing half applied). */
static uint32_t load_adv_data(struct ble_radio *r, struct adv_set *s)
{
    const uint8_t *p = r->len ? machine_sram_range(r->m, r->buf, r->len) : NULL;

    if (r->len > BLE_ADV_MAX)
        return BLE_ERR_LEN;
    if (r->len && !p)
        return BLE_ERR_ADDR;
    if (!adv_well_formed(p, r->len))
        return BLE_ERR_LEN;
    if (r->len)
        memcpy(s->data, p, r->len);
    s->len = r->len;
    tell_medium(r);
    return 0;
}

/* ARG0: a broadcast set, or NULL (ERR_HANDLE: set 0 has its own commands). */
static struct adv_set *broadcast_set(struct ble_radio *r)
{
    return r->arg0 >= 1 && r->arg0 < BLE_ADV_SETS ? &r->sets[r->arg0] : NULL;
}

/* The radio's level for the one asked: the highest it has not above it,
 * else its lowest (Core spec Vol 4 Part E 7.8.53, Advertising_TX_Power). */
static int8_t select_tx_power(int32_t asked)
{
    if (asked == BLE_TX_POWER_NO_PREFERENCE)
        return BLE_TX_POWER_DEFAULT;
    return (int8_t)CLAMP(asked, BLE_TX_POWER_MIN, BLE_TX_POWER_MAX);
}

/* ADVSET_PARAMS: ARG1 interval (ms), ARG2 TX power asked (dBm, signed);
 * RESULT the power selected.  As HCI, not while the set is on. */
static uint32_t set_params(struct ble_radio *r, struct adv_set *s, uint32_t *result)
{
    int32_t asked = (int32_t)r->arg2;

    if (s->enabled)
        return BLE_ERR_STATE;
    if (r->arg1 < BLE_ADV_INTERVAL_MIN_MS || r->arg1 > BLE_ADV_INTERVAL_MAX_MS)
        return BLE_ERR_RANGE;
    if (asked != BLE_TX_POWER_NO_PREFERENCE &&
        (asked < BLE_TX_POWER_ASK_MIN || asked > BLE_TX_POWER_ASK_MAX))
        return BLE_ERR_RANGE;
    s->configured = true;
    s->interval_ms = r->arg1;
    s->tx_power = select_tx_power(asked);
    *result = (uint32_t)(int32_t)s->tx_power;
    return 0;
}

static uint32_t start_set(struct ble_radio *r, struct adv_set *s)
{
    if (!s->configured)
        return BLE_ERR_STATE;
    if (!s->enabled)
        machine_log(r->m, MACHINE_LOG_UNIMP,
                    "ble: set %u broadcasts every %u ms at %d dBm: advertising events are not "
                    "timed, scanners see the set's latest data at once",
                    r->arg0, s->interval_ms, s->tx_power);
    s->enabled = true;
    tell_medium(r);
    return 0;
}

static uint32_t run_command(struct ble_radio *r, uint32_t cmd, uint32_t *result)
{
    uint32_t err = 0;
    struct adv_set *s;

    if (!(r->ctrl & BLE_CTRL_EN) && cmd != BLE_CMD_EVENT_POP)
        return BLE_ERR_STATE;
    switch (cmd) {
    case BLE_CMD_TABLE_CLEAR:
        if (r->sets[0].enabled || r->connected)
            return BLE_ERR_STATE;
        clear_table(r);
        tell_medium(r);
        return 0;
    case BLE_CMD_ADD_SERVICE:
    case BLE_CMD_ADD_CHAR:
        err = add_attr(r, cmd == BLE_CMD_ADD_SERVICE, result);
        if (!err)
            tell_medium(r);
        return err;
    case BLE_CMD_SET_VALUE:
    case BLE_CMD_NOTIFY:
        return set_value(r, cmd == BLE_CMD_NOTIFY, result);
    case BLE_CMD_SET_ADV:
        return load_adv_data(r, &r->sets[0]);
    case BLE_CMD_ADV_START:
    case BLE_CMD_ADV_STOP:
        r->sets[0].enabled = cmd == BLE_CMD_ADV_START;
        tell_medium(r);
        return 0;
    case BLE_CMD_ADVSET_PARAMS:
    case BLE_CMD_ADVSET_DATA:
    case BLE_CMD_ADVSET_START:
    case BLE_CMD_ADVSET_STOP:
        if (!(s = broadcast_set(r)))
            return BLE_ERR_HANDLE;
        if (cmd == BLE_CMD_ADVSET_PARAMS)
            return set_params(r, s, result);
        if (cmd == BLE_CMD_ADVSET_DATA)
            return load_adv_data(r, s); /* also while on: the next events carry it */
        if (cmd == BLE_CMD_ADVSET_START)
            return start_set(r, s);
        if (s->enabled) {
            s->enabled = false;
            tell_medium(r);
        }
        return 0;
    case BLE_CMD_EVENT_POP:
        return pop_event(r, result);
    case BLE_CMD_DISCONNECT:
        if (!r->connected)
            return BLE_ERR_STATE;
        drop_link(r, true);
        if (!push_event(r, BLE_EV_DISCONNECTED, 0, NULL))
            return BLE_ERR_FULL;
        update_irq(r);
        machine_host_event(r->m);
        return 0;
    default:
        return BLE_ERR_CMD;
    }
}

static uint32_t sets_enabled_mask(const struct ble_radio *r)
{
    uint32_t mask = 0;

    for (unsigned i = 0; i < BLE_ADV_SETS; i++)
        if (r->sets[i].enabled)
            mask |= 1u << i;
    return mask;
}

static uint32_t ble_read_locked(struct ble_radio *r, uint32_t offset)
{
    switch (offset) {
    case BLE_REG_ID: return BLE_ID_VALUE;
    case BLE_REG_CTRL: return r->ctrl;
    case BLE_REG_STATUS:
        return (r->sets[0].enabled ? BLE_STATUS_ADV : 0) | (r->connected ? BLE_STATUS_CONN : 0) |
               (r->ev_count ? BLE_STATUS_EVQ : 0) | (r->err ? BLE_STATUS_ERR : 0);
    case BLE_REG_EVCOUNT: return r->ev_count;
    case BLE_REG_RESULT: return r->result;
    case BLE_REG_ERRCODE: return r->errcode;
    case BLE_REG_ARG0: return r->arg0;
    case BLE_REG_ARG1: return r->arg1;
    case BLE_REG_BUF: return r->buf;
    case BLE_REG_LEN: return r->len;
    case BLE_REG_MTU: return r->mtu;
    case BLE_REG_ARG2: return r->arg2;
    case BLE_REG_ADVSETS: return BLE_ADV_SETS;
    case BLE_REG_ADVSET_EN: return sets_enabled_mask(r);
    }
    machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "ble: read of unknown register 0x%03x", offset);
    return 0;
}

static uint32_t ble_read(void *opaque, uint32_t offset, unsigned size)
{
    struct ble_radio *r = opaque;
    uint32_t v;

    (void)size;
    g_mutex_lock(&r->lock);
    v = ble_read_locked(r, offset);
    g_mutex_unlock(&r->lock);
    return v;
}

static void ble_write_locked(struct ble_radio *r, uint32_t offset, uint32_t value)
{
    switch (offset) {
    case BLE_REG_CTRL: {
        bool was_on = r->ctrl & BLE_CTRL_EN;
        r->ctrl = value & (BLE_CTRL_EN | BLE_CTRL_IE);
        if (was_on && !(r->ctrl & BLE_CTRL_EN)) {
            /* radio off: the link drops and the lamp is no longer seen
             * (every set stops; their data and parameters stay) */
            drop_link(r, true);
            stop_all_sets(r);
            tell_medium(r);
        }
        update_irq(r);
        return;
    }
    case BLE_REG_CMD: {
        uint32_t result = 0;
        r->errcode = run_command(r, value, &result);
        r->err = r->errcode != 0;
        r->result = r->err ? 0 : result;
        return;
    }
    case BLE_REG_ARG0: r->arg0 = value; return;
    case BLE_REG_ARG1: r->arg1 = value; return;
    case BLE_REG_ARG2: r->arg2 = value; return;
    case BLE_REG_BUF: r->buf = value; return;
    case BLE_REG_LEN: r->len = value; return;
    }
    machine_log(r->m, MACHINE_LOG_GUEST_ERROR, "ble: write of 0x%08x to read-only or unknown 0x%03x",
                value, offset);
}

static void ble_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct ble_radio *r = opaque;

    (void)size;
    g_mutex_lock(&r->lock);
    ble_write_locked(r, offset, value);
    g_mutex_unlock(&r->lock);
    tell_now(r);
}

static void ble_free(void *opaque)
{
    struct ble_radio *r = opaque;

    r->freed = true;
    clear_events(r);
    clear_table(r);
    if (r->tell.notify_value)
        g_bytes_unref(r->tell.notify_value);
    radio_unref(r);
}

static void *ble_new(struct machine *m, GError **error);

const struct periph_ops ble_ops = {
    .create = ble_new,
    .name = "ble", .read = ble_read, .write = ble_write, .reset = ble_reset, .free = ble_free,
};

static void *ble_new(struct machine *m, GError **error)
{
    struct ble_radio *r = g_new0(struct ble_radio, 1);

    (void)error;
    r->m = m;
    r->ctx = g_main_context_ref_thread_default();
    r->thread = g_thread_self();
    r->refs = 1;
    g_mutex_init(&r->lock);
    r->mtu = BLE_MTU_DEFAULT;
    r->next_handle = 1;
    clear_sets(r);
    return r;
}

/* ---- the medium's side (any thread: under the lock) ---- */

bool ble_radio_advertising(struct ble_radio *r)
{
    bool on;

    g_mutex_lock(&r->lock);
    on = (r->ctrl & BLE_CTRL_EN) && r->sets[0].enabled;
    g_mutex_unlock(&r->lock);
    return on;
}

size_t ble_radio_adv_data(struct ble_radio *r, uint8_t out[BLE_ADV_MAX])
{
    size_t n;

    g_mutex_lock(&r->lock);
    n = r->sets[0].len;
    memcpy(out, r->sets[0].data, n);
    g_mutex_unlock(&r->lock);
    return n;
}

size_t ble_radio_adv_sets(struct ble_radio *r, struct ble_adv_set out[BLE_ADV_SETS])
{
    size_t n = 0;

    g_mutex_lock(&r->lock);
    for (unsigned i = 0; i < BLE_ADV_SETS && (r->ctrl & BLE_CTRL_EN); i++) {
        const struct adv_set *s = &r->sets[i];
        if (!s->enabled)
            continue;
        out[n] = (struct ble_adv_set){ .id = i, .connectable = i == 0,
                                       .interval_ms = s->interval_ms, .tx_power = s->tx_power,
                                       .len = s->len };
        memcpy(out[n].data, s->data, s->len);
        n++;
    }
    g_mutex_unlock(&r->lock);
    return n;
}

size_t ble_radio_attributes(struct ble_radio *r, struct ble_attr out[BLE_ATTRS_MAX])
{
    size_t n;

    g_mutex_lock(&r->lock);
    n = r->nattrs;
    memcpy(out, r->attrs, n * sizeof(*out));
    g_mutex_unlock(&r->lock);
    return n;
}

const char *ble_radio_name(const struct ble_radio *r)
{
    return machine_name(r->m);
}

bool ble_radio_connected(struct ble_radio *r)
{
    bool on;

    g_mutex_lock(&r->lock);
    on = r->connected;
    g_mutex_unlock(&r->lock);
    return on;
}

static enum ble_status connect_locked(struct ble_radio *r, uint16_t mtu)
{
    if (!(r->ctrl & BLE_CTRL_EN))
        return BLE_E_OFF;
    if (r->connected)
        return BLE_E_BUSY;
    if (!r->sets[0].enabled)
        return BLE_E_NOT_ADVERTISING;
    if (r->ev_count == BLE_EVQ_DEPTH)
        return BLE_E_BUSY;
    r->connected = true;
    /* the MTU exchange, folded into the connection */
    r->mtu = mtu < BLE_MTU_DEFAULT ? BLE_MTU_DEFAULT : MIN(mtu, BLE_MTU_MAX);
    /* a peripheral stops its connectable advertising once connected (one
     * link); the broadcast sets go on */
    r->sets[0].enabled = false;
    push_event(r, BLE_EV_CONNECTED, 0, NULL);
    tell_medium(r);
    return BLE_OK;
}

/* The central's requests that change what the lamp sees are inputs
 * (RR_BLE: the request, two arguments, the value).  Recording needs the
 * central on the lamp's thread, where lampsim run has it: the
 * instruction count an input is noted at is the lamp's. */
enum ble_request { BLE_REQ_CONNECT = 1, BLE_REQ_DISCONNECT, BLE_REQ_WRITE, BLE_REQ_SUBSCRIBE };

static void note_request(struct ble_radio *r, enum ble_request req, uint32_t a, uint32_t b,
                         const uint8_t *value, size_t len)
{
    g_autoptr(GByteArray) rec = NULL;

    if (!rr_recording(r->m))
        return;
    rec = g_byte_array_new();
    replay_put_u32(rec, req);
    replay_put_u32(rec, a);
    replay_put_u32(rec, b);
    replay_put_bytes(rec, value, len);
    rr_note_input(r->m, RR_BLE, rec->data, rec->len);
}

void ble_replay_input(void *opaque, struct replay_cursor *c)
{
    struct ble_radio *r = opaque;
    uint32_t req = replay_get_u32(c), a = replay_get_u32(c), b = replay_get_u32(c);
    size_t len;
    const uint8_t *value = replay_get_bytes(c, &len);

    if (c->bad)
        return;
    switch (req) {
    case BLE_REQ_CONNECT: ble_radio_connect(r, (uint16_t)a); break;
    case BLE_REQ_DISCONNECT: ble_radio_disconnect(r); break;
    case BLE_REQ_WRITE: ble_radio_write(r, (uint16_t)a, value, len); break;
    case BLE_REQ_SUBSCRIBE: ble_radio_subscribe(r, (uint16_t)a, b != 0); break;
    default: c->bad = true; break;
    }
}

enum ble_status ble_radio_connect(struct ble_radio *r, uint16_t mtu)
{
    enum ble_status st;

    note_request(r, BLE_REQ_CONNECT, mtu, 0, NULL, 0);
    g_mutex_lock(&r->lock);
    st = connect_locked(r, mtu);
    g_mutex_unlock(&r->lock);
    if (st == BLE_OK) {
        kick_lamp(r);
        tell_now(r);
    }
    return st;
}

void ble_radio_disconnect(struct ble_radio *r)
{
    note_request(r, BLE_REQ_DISCONNECT, 0, 0, NULL, 0);
    g_mutex_lock(&r->lock);
    if (!r->connected) {
        g_mutex_unlock(&r->lock);
        return;
    }
    drop_link(r, false);
    if (!push_event(r, BLE_EV_DISCONNECTED, 0, NULL))
        r->queue_full_lost = true; /* logged by the kick, on the lamp's thread */
    g_mutex_unlock(&r->lock);
    kick_lamp(r);
}

enum ble_status ble_radio_read(struct ble_radio *r, uint16_t handle, uint8_t out[BLE_VALUE_MAX],
                               size_t *len)
{
    enum ble_status st = BLE_OK;
    int i;

    g_mutex_lock(&r->lock);
    i = attr_index(r, handle);
    if (!r->connected)
        st = BLE_E_NOT_CONNECTED;
    else if (i < 0)
        st = BLE_E_HANDLE;
    else if (!(r->attrs[i].props & BLE_PROP_READ))
        st = BLE_E_NOT_PERMITTED;
    else if (r->values[i]) {
        const uint8_t *v = g_bytes_get_data(r->values[i], len);
        memcpy(out, v, *len);
    } else {
        *len = 0;
    }
    g_mutex_unlock(&r->lock);
    return st;
}

static enum ble_status write_locked(struct ble_radio *r, uint16_t handle, const uint8_t *value,
                                    size_t len)
{
    int i = attr_index(r, handle);

    if (!r->connected)
        return BLE_E_NOT_CONNECTED;
    if (i < 0)
        return BLE_E_HANDLE;
    if (!(r->attrs[i].props & (BLE_PROP_WRITE | BLE_PROP_WRITE_NO_RSP)))
        return BLE_E_NOT_PERMITTED;
    if (len > r->attrs[i].max_len)
        return BLE_E_LENGTH;
    /* values longer than MTU - 3 arrive as a long write (prepare and
     * execute); the firmware sees the whole value once */
    if (!push_event(r, BLE_EV_WRITE, handle, g_bytes_new(value, len)))
        return BLE_E_BUSY;
    return BLE_OK;
}

enum ble_status ble_radio_write(struct ble_radio *r, uint16_t handle, const uint8_t *value,
                                size_t len)
{
    enum ble_status st;

    note_request(r, BLE_REQ_WRITE, handle, 0, value, len);
    g_mutex_lock(&r->lock);
    st = write_locked(r, handle, value, len);
    g_mutex_unlock(&r->lock);
    if (st == BLE_OK)
        kick_lamp(r);
    return st;
}

static enum ble_status subscribe_locked(struct ble_radio *r, uint16_t handle, bool on)
{
    int i = attr_index(r, handle);
    uint8_t v = on;

    if (!r->connected)
        return BLE_E_NOT_CONNECTED;
    if (i < 0)
        return BLE_E_HANDLE;
    if (!(r->attrs[i].props & BLE_PROP_NOTIFY))
        return BLE_E_NOT_PERMITTED;
    if (r->subscribed[i] == on)
        return BLE_OK;
    if (!push_event(r, BLE_EV_SUBSCRIBE, handle, g_bytes_new(&v, 1)))
        return BLE_E_BUSY;
    r->subscribed[i] = on;
    return BLE_OK;
}

enum ble_status ble_radio_subscribe(struct ble_radio *r, uint16_t handle, bool on)
{
    enum ble_status st;

    note_request(r, BLE_REQ_SUBSCRIBE, handle, on, NULL, 0);
    g_mutex_lock(&r->lock);
    st = subscribe_locked(r, handle, on);
    g_mutex_unlock(&r->lock);
    if (st == BLE_OK)
        kick_lamp(r);
    return st;
}

bool ble_uuid_parse(const char *text, uint8_t out[16])
{
    static const int dash[] = { 8, 13, 18, 23 };
    size_t n = 0;

    if (strlen(text) != 36)
        return false;
    for (int i = 0; i < 4; i++)
        if (text[dash[i]] != '-')
            return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            continue;
        int hi = g_ascii_xdigit_value(text[i]), lo = g_ascii_xdigit_value(text[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[n++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    return n == 16;
}

void ble_uuid_format(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}
