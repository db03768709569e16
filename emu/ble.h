/* emu/ble.h: the lamp's BLE controller as the air sees it
 * (docs/hardware.md#ble).  The model works at GATT level: the firmware
 * builds an attribute table and advertising data through registers, the
 * controller answers reads from the table itself, and hands writes,
 * subscriptions and link changes to the firmware as events.  Besides the
 * connectable advertising (set 0) it runs a few non-connectable
 * broadcast sets (beacons), each with its own data, interval and power.  What carries
 * the radio (blebridge/: a virtual medium, or host BlueZ) plays the
 * central through the ble_radio_* calls and learns what the lamp does
 * through ble_medium_ops.
 *
 * Threads: a lamp runs on one thread, its central may run on another (a
 * fleet's lamps on worker threads, the medium on the main one).  The
 * ble_radio_* calls may come from any thread: the radio holds a lock, and
 * what its machine must see (the interrupt, a wake-up) is done on the
 * lamp's own thread, at once when the caller is on it, else from its main
 * loop.  The medium ops are called without that lock, on the thread that
 * made the change: the lamp's for what the firmware does, the caller's
 * for ble_radio_connect.  A radio is freed on its lamp's thread, after
 * the medium forgot it; no ble_radio_* call may run then
 * (docs/ble.md#threads). */
#ifndef LAMPSIM_EMU_BLE_H
#define LAMPSIM_EMU_BLE_H

#include "ble_hw.h" /* BLE_PROP_* properties, BLE_*_MAX limits */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ble_radio;

struct ble_attr {
    uint16_t handle;      /* service: its declaration; characteristic: its value */
    bool is_service;
    uint8_t uuid[16];     /* in the order the UUID is written (big endian) */
    uint8_t props;        /* characteristics: BLE_PROP_* */
    uint16_t max_len;
    uint16_t service;     /* characteristics: the handle of their service */
};

/* An advertising set on the air, as the medium copies it out. */
struct ble_adv_set {
    unsigned id;            /* 0: the connectable set; 1..BLE_ADV_SETS-1: broadcast */
    bool connectable;
    uint32_t interval_ms;   /* set 0: BLE_ADV_INTERVAL_DEFAULT_MS */
    int8_t tx_power;        /* dBm, as the controller selected it */
    uint8_t data[BLE_ADV_MAX];
    size_t len;
};

/* ATT-level outcomes of the central's requests (0 = done). */
enum ble_status {
    BLE_OK = 0,
    BLE_E_OFF,            /* the radio is off or the lamp is resetting */
    BLE_E_NOT_ADVERTISING,/* connect to a lamp that is not connectable */
    BLE_E_BUSY,           /* another central is connected, or the event queue is full */
    BLE_E_NOT_CONNECTED,
    BLE_E_HANDLE,         /* no such attribute */
    BLE_E_NOT_PERMITTED,  /* the property is not there (read / write / notify) */
    BLE_E_LENGTH,         /* longer than the attribute's maximum */
};
const char *ble_status_str(enum ble_status s);

/* What the lamp's radio does to the air; implemented by the medium. */
struct ble_medium_ops {
    /* advertising started or stopped (any set), advertising data (any
     * set) or table changed */
    void (*changed)(void *medium, struct ble_radio *r);
    /* a notification to the connected central (subscribed to handle) */
    void (*notify)(void *medium, struct ble_radio *r, uint16_t handle,
                   const uint8_t *value, size_t len);
    /* the lamp ended the link (DISCONNECT command, radio off, reset) */
    void (*link_lost)(void *medium, struct ble_radio *r);
};

/* The medium's view of the radio, copied out (the firmware may change it
 * the next instant). */
bool ble_radio_advertising(struct ble_radio *r);
/* The advertising data of set 0; returns its length. */
size_t ble_radio_adv_data(struct ble_radio *r, uint8_t out[BLE_ADV_MAX]);
/* Every set on the air now (set 0 while it advertises, each broadcast set
 * started), in set order; returns how many.  The model keeps no air
 * timing: each set is simply there, with its latest data. */
size_t ble_radio_adv_sets(struct ble_radio *r, struct ble_adv_set out[BLE_ADV_SETS]);
/* The attribute table in handle order; returns the number of entries. */
size_t ble_radio_attributes(struct ble_radio *r, struct ble_attr out[BLE_ATTRS_MAX]);
const char *ble_radio_name(const struct ble_radio *r); /* the machine's name */
bool ble_radio_connected(struct ble_radio *r);

/* The central's requests. */
enum ble_status ble_radio_connect(struct ble_radio *r, uint16_t mtu);
void ble_radio_disconnect(struct ble_radio *r);
/* The characteristic's current value, copied into out. */
enum ble_status ble_radio_read(struct ble_radio *r, uint16_t handle,
                               uint8_t out[BLE_VALUE_MAX], size_t *len);
enum ble_status ble_radio_write(struct ble_radio *r, uint16_t handle,
                                const uint8_t *value, size_t len);
enum ble_status ble_radio_subscribe(struct ble_radio *r, uint16_t handle, bool on);

/* Helpers for UUID text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
bool ble_uuid_parse(const char *text, uint8_t out[16]);
void ble_uuid_format(const uint8_t uuid[16], char out[37]);

#endif
