/* firmware/app/update_rx.h: receiving an update image over the console
 * UART in checksummed frames (docs/firmware.md#console-update-transfer). */
#ifndef LAMP_UPDATE_RX_H
#define LAMP_UPDATE_RX_H

#include <stdbool.h>
#include <stdint.h>

/* The `update` console command: start receiving. */
void update_rx_start(void);
/* True while the console belongs to the transfer; false again once it
 * ended (the console then prompts). */
bool update_rx_active(void);
/* One received byte. */
void update_rx_byte(uint8_t c);
/* Called about once a second: aborts a transfer that went quiet. */
void update_rx_tick(uint32_t now_s);

#endif
