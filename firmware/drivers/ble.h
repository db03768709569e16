/* firmware/drivers/ble.h: the BLE controller (docs/hardware.md#ble).  Data
 * passed to the controller must be in SRAM (its DMA does not reach flash).
 * Events are taken in the main loop: the interrupt only wakes it. */
#ifndef LAMP_BLE_H
#define LAMP_BLE_H

#include "ble_hw.h" /* BLE_EV_* event types, BLE_PROP_* properties */

#include <stdbool.h>
#include <stdint.h>

struct ble_event {
    uint32_t type;
    uint16_t handle;     /* WRITE, SUBSCRIBE */
    uint16_t mtu;        /* CONNECTED */
    uint32_t len;        /* the whole length of the data (may exceed the buffer) */
};

/* Radio on; false when the controller is not there. */
bool ble_init(void);
/* Handles (> 0), or 0 on failure (ERRCODE in ble_last_error). */
uint16_t ble_add_service(const uint8_t uuid[16]);
uint16_t ble_add_char(const uint8_t uuid[16], uint32_t props, uint32_t max_len);
/* 0 or the controller's ERRCODE. */
uint32_t ble_set_value(uint16_t handle, const void *v, uint32_t len);
uint32_t ble_notify(uint16_t handle, const void *v, uint32_t len);
uint32_t ble_set_adv(const void *data, uint32_t len);
uint32_t ble_advertise(bool on);
uint32_t ble_last_error(void);

/* Broadcast advertising sets (docs/hardware.md#advertising-sets): sets
 * 1..ble_adv_sets()-1, non-connectable, each with its own data, interval
 * and TX power, on the air beside the connectable advertising (set 0,
 * above) and through a link.  Each call: 0 or the controller's ERRCODE
 * (BLE_ERR_HANDLE no such set, BLE_ERR_RANGE interval or power out of
 * range, BLE_ERR_STATE parameters of a set on the air or a set started
 * before its parameters, BLE_ERR_LEN data not well-formed AD). */
/* The number of sets the controller has, set 0 included. */
unsigned ble_adv_sets(void);
/* A stopped set's interval (BLE_ADV_INTERVAL_MIN_MS..MAX_MS) and the TX
 * power asked (dBm, BLE_TX_POWER_ASK_MIN..MAX or BLE_TX_POWER_NO_PREFERENCE);
 * *selected (if not NULL) gets the power the radio will use. */
uint32_t ble_adv_set_params(unsigned set, uint32_t interval_ms, int tx_power, int *selected);
/* At most BLE_ADV_MAX bytes of AD structures, in SRAM; also while on. */
uint32_t ble_adv_set_data(unsigned set, const void *data, uint32_t len);
uint32_t ble_adv_set_enable(unsigned set, bool on);
/* The oldest event, data into buf (up to cap bytes); type BLE_EV_NONE when
 * there is none.  Re-arms the interrupt once the queue is empty. */
struct ble_event ble_next_event(void *buf, uint32_t cap);
/* Events are waiting (the main loop must not sleep). */
bool ble_pending(void);

#endif
