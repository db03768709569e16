/* firmware/app/commission.h: commissioning over BLE
 * (docs/commissioning.md).  Driven from the main loop, never blocking. */
#ifndef LAMP_COMMISSION_H
#define LAMP_COMMISSION_H

#include <stdbool.h>
#include <stdint.h>

/* At boot: the GATT service and advertising (commissioned or not: a lamp
 * can be commissioned again); the key counter is reported to the cloud
 * after every connect (registered with netmgr). */
void commission_start(void);
/* Handles what the controller queued. */
void commission_poll(void);
/* Events are waiting: do not sleep. */
bool commission_pending(void);
/* The `commission` console command. */
void commission_print_status(void);
/* The key counter n. */
uint32_t commission_key_counter(void);

#endif
