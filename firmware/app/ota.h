/* firmware/app/ota.h: the OTA client (docs/cloud.md#ota): a notification
 * on lamp/SERIAL/ota names an HTTPS URL; the image is downloaded with the
 * lamp's client certificate into slot B through the secure-boot staging
 * path, resumed with Range after a dropped connection, verified, and
 * installed by the bootloader at the next reset. */
#ifndef LAMP_OTA_H
#define LAMP_OTA_H

/* At boot: registers with netmgr for lamp/SERIAL/ota notifications
 * ({"url":"https://host[:port]/path","version":"x.y.z"}); the download
 * then runs from netmgr's passes. */
void ota_init(void);

#endif
