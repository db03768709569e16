/* firmware/drivers/ble.c: the BLE controller.  Its interrupt is level:
 * high while events are queued.  The handler masks it at the controller
 * and the main loop drains the queue, then unmasks it. */
#include "ble.h"
#include "hw.h"

static volatile bool woken;

void BLE_IRQHandler(void);
void BLE_IRQHandler(void)
{
    BLE_CTRL = BLE_CTRL_EN;
    woken = true;
}

bool ble_init(void)
{
    if (BLE_ID != BLE_ID_VALUE)
        return false;
    BLE_CTRL = BLE_CTRL_EN | BLE_CTRL_IE;
    NVIC_ISER0 = 1u << IRQ_BLE;
    return true;
}

static uint32_t run(uint32_t cmd, uint32_t a0, uint32_t a1, const void *buf, uint32_t len)
{
    BLE_ARG0 = a0;
    BLE_ARG1 = a1;
    BLE_BUF = (uint32_t)buf;
    BLE_LEN = len;
    BLE_CMD = cmd;
    return BLE_ERRCODE;
}

uint32_t ble_last_error(void)
{
    return BLE_ERRCODE;
}

uint16_t ble_add_service(const uint8_t uuid[16])
{
    return run(BLE_CMD_ADD_SERVICE, 0, 0, uuid, 16) ? 0 : (uint16_t)BLE_RESULT;
}

uint16_t ble_add_char(const uint8_t uuid[16], uint32_t props, uint32_t max_len)
{
    return run(BLE_CMD_ADD_CHAR, props, max_len, uuid, 16) ? 0 : (uint16_t)BLE_RESULT;
}

uint32_t ble_set_value(uint16_t handle, const void *v, uint32_t len)
{
    return run(BLE_CMD_SET_VALUE, handle, 0, v, len);
}

uint32_t ble_notify(uint16_t handle, const void *v, uint32_t len)
{
    return run(BLE_CMD_NOTIFY, handle, 0, v, len);
}

uint32_t ble_set_adv(const void *data, uint32_t len)
{
    return run(BLE_CMD_SET_ADV, 0, 0, data, len);
}

uint32_t ble_advertise(bool on)
{
    return run(on ? BLE_CMD_ADV_START : BLE_CMD_ADV_STOP, 0, 0, 0, 0);
}

unsigned ble_adv_sets(void)
{
    return BLE_ADVSETS;
}

uint32_t ble_adv_set_params(unsigned set, uint32_t interval_ms, int tx_power, int *selected)
{
    uint32_t err;

    BLE_ARG2 = (uint32_t)tx_power;
    err = run(BLE_CMD_ADVSET_PARAMS, set, interval_ms, 0, 0);
    if (!err && selected)
        *selected = (int32_t)BLE_RESULT;
    return err;
}

uint32_t ble_adv_set_data(unsigned set, const void *data, uint32_t len)
{
    return run(BLE_CMD_ADVSET_DATA, set, 0, data, len);
}

uint32_t ble_adv_set_enable(unsigned set, bool on)
{
    return run(on ? BLE_CMD_ADVSET_START : BLE_CMD_ADVSET_STOP, set, 0, 0, 0);
}

bool ble_pending(void)
{
    return woken || (BLE_STATUS & BLE_STATUS_EVQ);
}

struct ble_event ble_next_event(void *buf, uint32_t cap)
{
    struct ble_event ev = { 0 };

    woken = false;
    if (run(BLE_CMD_EVENT_POP, 0, 0, buf, cap) != 0) {
        BLE_CTRL = BLE_CTRL_EN | BLE_CTRL_IE; /* empty: the next event interrupts */
        return ev;
    }
    ev.type = BLE_RESULT;
    ev.len = BLE_ARG1;
    if (ev.type == BLE_EV_CONNECTED)
        ev.mtu = (uint16_t)BLE_ARG0;
    else
        ev.handle = (uint16_t)BLE_ARG0;
    return ev;
}
