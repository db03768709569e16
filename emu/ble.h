/* emu/ble.h: the lamp's BLE controller as the air sees it
 * (docs/hardware.md#ble).  The model works at GATT level: the firmware
 * builds an attribute table and advertising data through registers, the
 * controller answers reads from the table itself, and hands writes,
 * subscriptions and link changes to the firmware as events.  What carries
 * the radio (blebridge/: a virtual medium, or host BlueZ) plays the
 * central through the ble_radio_* calls and learns what the lamp does
 * through ble_medium_ops. */
#ifndef LAMPSIM_EMU_BLE_H
#define LAMPSIM_EMU_BLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ble_radio;

/* GATT characteristic properties (Core spec Vol 3 Part G 3.3.1.1). */
enum {
    BLE_PROP_READ = 0x02,
    BLE_PROP_WRITE_NO_RSP = 0x04,
    BLE_PROP_WRITE = 0x08,
    BLE_PROP_NOTIFY = 0x10,
};

#define BLE_ADV_MAX 31u
#define BLE_VALUE_MAX 512u
#define BLE_MTU_DEFAULT 23u
#define BLE_MTU_MAX 517u

struct ble_attr {
    uint16_t handle;      /* service: its declaration; characteristic: its value */
    bool is_service;
    uint8_t uuid[16];     /* in the order the UUID is written (big endian) */
    uint8_t props;        /* characteristics: BLE_PROP_* */
    uint16_t max_len;
    uint16_t service;     /* characteristics: the handle of their service */
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
    /* advertising started or stopped, advertising data or table changed */
    void (*changed)(void *medium, struct ble_radio *r);
    /* a notification to the connected central (subscribed to handle) */
    void (*notify)(void *medium, struct ble_radio *r, uint16_t handle,
                   const uint8_t *value, size_t len);
    /* the lamp ended the link (DISCONNECT command, radio off, reset) */
    void (*link_lost)(void *medium, struct ble_radio *r);
};

/* The medium's view of the radio. */
bool ble_radio_advertising(const struct ble_radio *r);
const uint8_t *ble_radio_adv_data(const struct ble_radio *r, size_t *len);
/* The attribute table in handle order; valid until the next change. */
const struct ble_attr *ble_radio_attributes(const struct ble_radio *r, size_t *count);
const char *ble_radio_name(const struct ble_radio *r); /* the machine's name */
bool ble_radio_connected(const struct ble_radio *r);

/* The central's requests. */
enum ble_status ble_radio_connect(struct ble_radio *r, uint16_t mtu);
void ble_radio_disconnect(struct ble_radio *r);
/* *value stays valid until the firmware changes it or the table changes. */
enum ble_status ble_radio_read(struct ble_radio *r, uint16_t handle,
                               const uint8_t **value, size_t *len);
enum ble_status ble_radio_write(struct ble_radio *r, uint16_t handle,
                                const uint8_t *value, size_t len);
enum ble_status ble_radio_subscribe(struct ble_radio *r, uint16_t handle, bool on);

/* Helpers for UUID text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
bool ble_uuid_parse(const char *text, uint8_t out[16]);
void ble_uuid_format(const uint8_t uuid[16], char out[37]);

#endif
