/* firmware/app/beacon.c: the lamp's beacons (beacon.h). */
#include "beacon.h"

#include "ble.h"
#include "beacon_frame.h"
#include "hw.h"
#include "log.h"
#include "nv_record.h"
#include "uart.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SET_IBEACON 1u
#define SET_EDDYSTONE 2u
#define RECORD_MAGIC 0x314E4342u /* "BCN1" */
/* What a receiver sees of the radio's power one metre away: the free-space
 * loss at 2.4 GHz over 1 m, about 41 dB (iBeacon's measured power is at
 * 1 m; Eddystone's ranging data at 0 m is the radio's own). */
#define LOSS_AT_1M_DB 41

struct record {
    struct nv_record_head head;
    uint32_t ibeacon, eddystone, interval_ms;
    int32_t tx_power;
    uint32_t major, minor;
    uint8_t uuid[IBEACON_UUID_LEN];
    uint8_t namespace_id[EDDYSTONE_UID_NAMESPACE_LEN];
    uint8_t instance_id[EDDYSTONE_UID_INSTANCE_LEN];
    uint32_t crc;
};
_Static_assert(offsetof(struct record, crc) == sizeof(struct record) - 4, "the CRC ends the record");

static const struct nv_record_area area = {
    .base = NVSTORE_BEACON, .magic = RECORD_MAGIC, .size = sizeof(struct record),
};

static struct beacon_settings cur = {
    .interval_ms = 1000, .tx_power = BLE_TX_POWER_DEFAULT,
};
static int selected = BLE_TX_POWER_DEFAULT;
static bool radio;

static void load(void)
{
    const struct record *r = nv_record_newest(&area);

    if (!r)
        return;
    cur.ibeacon = r->ibeacon != 0;
    cur.eddystone = r->eddystone != 0;
    cur.interval_ms = r->interval_ms;
    cur.tx_power = r->tx_power;
    cur.major = (uint16_t)r->major;
    cur.minor = (uint16_t)r->minor;
    memcpy(cur.uuid, r->uuid, sizeof(cur.uuid));
    memcpy(cur.namespace_id, r->namespace_id, sizeof(cur.namespace_id));
    memcpy(cur.instance_id, r->instance_id, sizeof(cur.instance_id));
}

static uint32_t save(void)
{
    static struct record r; /* SRAM, off the stack */

    memset(&r, 0, sizeof(r));
    r.ibeacon = cur.ibeacon;
    r.eddystone = cur.eddystone;
    r.interval_ms = cur.interval_ms;
    r.tx_power = cur.tx_power;
    r.major = cur.major;
    r.minor = cur.minor;
    memcpy(r.uuid, cur.uuid, sizeof(r.uuid));
    memcpy(r.namespace_id, cur.namespace_id, sizeof(r.namespace_id));
    memcpy(r.instance_id, cur.instance_id, sizeof(r.instance_id));
    return nv_record_save(&area, &r);
}

/* One set: stopped, given its parameters and frame, started if wanted. */
static uint32_t put_on_air(unsigned set, bool on, const uint8_t *frame, int len)
{
    uint32_t err;

    if ((err = ble_adv_set_enable(set, false)) != 0 && err != BLE_ERR_STATE)
        return err;
    if (!on)
        return 0;
    if (len < 0)
        return BLE_ERR_LEN;
    if ((err = ble_adv_set_params(set, cur.interval_ms, (int)cur.tx_power, &selected)) != 0 ||
        (err = ble_adv_set_data(set, frame, (uint32_t)len)) != 0)
        return err;
    return ble_adv_set_enable(set, true);
}

/* The app slot: what a partner app set (beacon_set_app_slot). */
static bool app_slot_on;
static uint16_t app_slot;

static void refresh(void)
{
    static uint8_t frame[BLE_ADV_MAX]; /* SRAM: the controller reads it by DMA */
    uint32_t err;
    int len;

    if (!radio)
        return;
    /* the selected power first: both frames carry it */
    if (cur.ibeacon || cur.eddystone) {
        ble_adv_set_enable(SET_IBEACON, false);
        ble_adv_set_params(SET_IBEACON, cur.interval_ms, (int)cur.tx_power, &selected);
    }
    struct ibeacon_id ib = { .major = cur.major, .minor = app_slot_on ? app_slot : cur.minor,
                             .measured_power = (int8_t)(selected - LOSS_AT_1M_DB) };
    memcpy(ib.uuid, cur.uuid, sizeof(ib.uuid));
    len = cur.ibeacon ? beacon_ibeacon_frame(&ib, frame) : 0;
    if ((err = put_on_air(SET_IBEACON, cur.ibeacon, frame, len)) != 0)
        LOG_ERR("beacon: the iBeacon set failed (BLE error %lu)", (unsigned long)err);

    struct eddystone_uid_id ed = { .ranging_power = (int8_t)selected };
    memcpy(ed.namespace_id, cur.namespace_id, sizeof(ed.namespace_id));
    memcpy(ed.instance_id, cur.instance_id, sizeof(ed.instance_id));
    if (app_slot_on) {
        ed.instance_id[EDDYSTONE_UID_INSTANCE_LEN - 2] = (uint8_t)(app_slot >> 8);
        ed.instance_id[EDDYSTONE_UID_INSTANCE_LEN - 1] = (uint8_t)app_slot;
    }
    len = cur.eddystone ? beacon_eddystone_uid_frame(&ed, frame) : 0;
    if ((err = put_on_air(SET_EDDYSTONE, cur.eddystone, frame, len)) != 0)
        LOG_ERR("beacon: the Eddystone-UID set failed (BLE error %lu)", (unsigned long)err);
}

static void say_state(void)
{
    LOG_INF("beacon: iBeacon %s, Eddystone-UID %s, every %lu ms at %d dBm",
            cur.ibeacon ? "on" : "off", cur.eddystone ? "on" : "off",
            (unsigned long)cur.interval_ms, selected);
}

void beacon_init(void)
{
    load();
    radio = ble_adv_sets() > SET_EDDYSTONE;
    if (!radio) {
        if (cur.ibeacon || cur.eddystone)
            LOG_WRN("beacon: the BLE controller has no broadcast sets; no beacons");
        return;
    }
    refresh();
    if (cur.ibeacon || cur.eddystone)
        say_state();
}

int beacon_apply(const struct beacon_request *r, const char **why)
{
    struct beacon_settings s = cur;
    uint32_t err;

    if (r->has & BR_IBEACON) {
        s.ibeacon = r->s.ibeacon;
        if (s.ibeacon) {
            memcpy(s.uuid, r->s.uuid, sizeof(s.uuid));
            s.major = r->s.major;
            s.minor = r->s.minor;
        }
    }
    if (r->has & BR_EDDYSTONE) {
        s.eddystone = r->s.eddystone;
        if (s.eddystone) {
            memcpy(s.namespace_id, r->s.namespace_id, sizeof(s.namespace_id));
            memcpy(s.instance_id, r->s.instance_id, sizeof(s.instance_id));
        }
    }
    if (r->has & BR_INTERVAL)
        s.interval_ms = r->s.interval_ms;
    if (r->has & BR_TX_POWER)
        s.tx_power = r->s.tx_power;
    if (s.interval_ms < BLE_ADV_INTERVAL_MIN_MS || s.interval_ms > BLE_ADV_INTERVAL_MAX_MS) {
        *why = "interval_ms must be 20 to 10240";
        return -1;
    }
    if (s.tx_power < BLE_TX_POWER_ASK_MIN || s.tx_power > BLE_TX_POWER_ASK_MAX) {
        *why = "tx_power must be -127 to 20 dBm";
        return -1;
    }
    if (!radio) {
        *why = "the BLE controller has no broadcast sets";
        return -1;
    }
    cur = s;
    if ((err = save()) != 0)
        LOG_ERR("beacon: saving the settings failed (flash error 0x%02lx)", (unsigned long)err);
    refresh();
    say_state();
    return 0;
}

void beacon_set_app_slot(bool on, uint16_t value)
{
    app_slot_on = on;
    app_slot = value;
    refresh();
}

void beacon_get(struct beacon_settings *out, int *tx_power_selected)
{
    *out = cur;
    *tx_power_selected = selected;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

void beacon_print_status(void)
{
    char a[2 * IBEACON_UUID_LEN + 1], b[2 * EDDYSTONE_UID_INSTANCE_LEN + 1], line[160];

    if (!radio) {
        uart_puts("beacon: no broadcast advertising sets on this radio\n");
        return;
    }
    hex(cur.uuid, sizeof(cur.uuid), a);
    snprintf(line, sizeof(line), "beacon: every %lu ms at %d dBm (asked %ld)\n  iBeacon %s",
             (unsigned long)cur.interval_ms, selected, (long)cur.tx_power,
             cur.ibeacon ? "on" : "off");
    uart_puts(line);
    if (cur.ibeacon) {
        snprintf(line, sizeof(line), ": uuid %s major %u minor %u", a, cur.major, cur.minor);
        uart_puts(line);
    }
    uart_puts("\n  Eddystone-UID ");
    uart_puts(cur.eddystone ? "on" : "off");
    if (cur.eddystone) {
        char ns[2 * EDDYSTONE_UID_NAMESPACE_LEN + 1];
        hex(cur.namespace_id, sizeof(cur.namespace_id), ns);
        hex(cur.instance_id, sizeof(cur.instance_id), b);
        snprintf(line, sizeof(line), ": namespace %s instance %s", ns, b);
        uart_puts(line);
    }
    uart_putc('\n');
    if (app_slot_on) {
        snprintf(line, sizeof(line), "  app slot 0x%04x (on the air as the iBeacon minor and the "
                 "Eddystone instance's last 2 bytes)\n", app_slot);
        uart_puts(line);
    }
}
