/* firmware/include/ble_hw.h: the BLE controller's programming interface
 * (docs/hardware.md#ble-0x4000_9000): register offsets in its window,
 * bits, commands, error codes, event types, the characteristic properties
 * ADD_CHAR takes, the advertising sets' ranges and the controller's
 * limits.  The model (emu/ble.c,
 * emu/ble.h) and the driver (firmware/drivers/ble.c through hw.h) both
 * take them from here. */
#ifndef LAMP_BLE_HW_H
#define LAMP_BLE_HW_H

#define BLE_REG_ID 0x00u
#define BLE_REG_CTRL 0x04u
#define BLE_REG_STATUS 0x08u
#define BLE_REG_EVCOUNT 0x0Cu
#define BLE_REG_CMD 0x10u
#define BLE_REG_RESULT 0x14u
#define BLE_REG_ERRCODE 0x18u
#define BLE_REG_ARG0 0x1Cu
#define BLE_REG_ARG1 0x20u
#define BLE_REG_BUF 0x24u
#define BLE_REG_LEN 0x28u
#define BLE_REG_MTU 0x2Cu
#define BLE_REG_ARG2 0x30u
#define BLE_REG_ADVSETS 0x34u   /* advertising sets the controller has, set 0 included */
#define BLE_REG_ADVSET_EN 0x38u /* bit n: set n is on the air */

#define BLE_ID_VALUE 0x31454C42u /* "BLE1" little-endian */
#define BLE_CTRL_EN 1u
#define BLE_CTRL_IE 2u
#define BLE_STATUS_ADV 1u
#define BLE_STATUS_CONN 2u
#define BLE_STATUS_EVQ 4u
#define BLE_STATUS_ERR 8u

/* CMD */
enum {
    BLE_CMD_TABLE_CLEAR = 1,
    BLE_CMD_ADD_SERVICE,
    BLE_CMD_ADD_CHAR,
    BLE_CMD_SET_VALUE,
    BLE_CMD_SET_ADV,
    BLE_CMD_ADV_START,
    BLE_CMD_ADV_STOP,
    BLE_CMD_NOTIFY,
    BLE_CMD_EVENT_POP,
    BLE_CMD_DISCONNECT,
    /* broadcast advertising sets 1..BLE_ADV_SETS-1, after the Core spec's
     * LE Set Extended Advertising Parameters, Data and Enable (Vol 4
     * Part E 7.8.53, 7.8.54, 7.8.56); set 0 is SET_ADV, ADV_START and
     * ADV_STOP above */
    BLE_CMD_ADVSET_PARAMS,
    BLE_CMD_ADVSET_DATA,
    BLE_CMD_ADVSET_START,
    BLE_CMD_ADVSET_STOP,
};
/* ERRCODE (0: done) */
enum {
    BLE_ERR_CMD = 1, /* unknown command */
    BLE_ERR_LEN,
    BLE_ERR_ADDR,    /* BUF not wholly in SRAM */
    BLE_ERR_HANDLE,
    BLE_ERR_STATE,   /* radio off, or the table changed while visible */
    BLE_ERR_FULL,
    BLE_ERR_EMPTY,   /* EVENT_POP with no event */
    BLE_ERR_RANGE,   /* an interval or a TX power outside its range */
};
/* EVENT_POP's RESULT (0: none) */
enum { BLE_EV_NONE = 0, BLE_EV_CONNECTED, BLE_EV_DISCONNECTED, BLE_EV_WRITE, BLE_EV_SUBSCRIBE };

/* GATT characteristic properties, ADD_CHAR's ARG0 (Core spec Vol 3 Part G
 * 3.3.1.1). */
enum {
    BLE_PROP_READ = 0x02,
    BLE_PROP_WRITE_NO_RSP = 0x04,
    BLE_PROP_WRITE = 0x08,
    BLE_PROP_NOTIFY = 0x10,
};

#define BLE_ADV_MAX 31u       /* advertising data bytes */
#define BLE_VALUE_MAX 512u    /* an attribute value */
#define BLE_MTU_DEFAULT 23u   /* MTU with no link, or before an exchange */
#define BLE_MTU_MAX 517u
#define BLE_ATTRS_MAX 32u     /* services and characteristics in a table */
#define BLE_EVQ_DEPTH 16u     /* events queued at most */

/* Advertising sets: set 0 is the connectable one (SET_ADV, ADV_START), the
 * others are non-connectable broadcasters (ADVSET_*). */
#define BLE_ADV_SETS 4u
/* ADVSET_PARAMS's interval, in ms: the legacy advertising range, 20 ms to
 * 10.24 s (Core spec Vol 6 Part B 4.4.2.2.1, Vol 4 Part E 7.8.5), since
 * the sets send legacy PDUs (31 bytes), the ones every phone scans. */
#define BLE_ADV_INTERVAL_MIN_MS 20u
#define BLE_ADV_INTERVAL_MAX_MS 10240u
/* Set 0 has no parameters command: it runs at HCI's default interval
 * (0x0800 x 0.625 ms, Vol 4 Part E 7.8.5) and the radio's default power. */
#define BLE_ADV_INTERVAL_DEFAULT_MS 1280u
/* ADVSET_PARAMS's TX power, dBm, as HCI takes it (Vol 4 Part E 7.8.53):
 * -127..+20, or 127 for no preference. */
#define BLE_TX_POWER_ASK_MIN (-127)
#define BLE_TX_POWER_ASK_MAX 20
#define BLE_TX_POWER_NO_PREFERENCE 127
/* What this radio can send: it selects the highest level not above the
 * one asked, or its lowest (RESULT of ADVSET_PARAMS). */
#define BLE_TX_POWER_MIN (-20)
#define BLE_TX_POWER_MAX 8
#define BLE_TX_POWER_DEFAULT 0

#endif
