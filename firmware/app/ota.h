/* firmware/app/ota.h: the OTA client (docs/cloud.md#ota): a notification
 * on lamp/SERIAL/ota names an HTTPS URL; the image is downloaded with the
 * lamp's client certificate into slot B through the secure-boot staging
 * path, resumed with Range after a dropped connection, verified, and
 * installed by the bootloader at the next reset. */
#ifndef LAMP_OTA_H
#define LAMP_OTA_H

#include "cJSON.h"

#include <stdint.h>

/* A notification {"url":"https://host[:port]/path","version":"x.y.z"}. */
void ota_offer(const cJSON *notification);
/* Runs the download; global NET events (NET_EV_*) as netmgr took them. */
void ota_poll(uint32_t net_events);
/* ms until ota_poll must run even if nothing happens (UINT32_MAX: idle). */
uint32_t ota_idle_ms(void);
/* For the `net` console command. */
void ota_print_status(void);

#endif
