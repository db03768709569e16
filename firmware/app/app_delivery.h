/* firmware/app/app_delivery.h: partner apps from the cloud
 * (docs/cloud.md#apps).  A retained notification on
 * lamp/SERIAL/appctl/NAME,
 *   {"url":"https://host:port/path","version":"x.y.z","size":N}
 * installs that package (downloaded by the HTTPS engine straight into the
 * app store, resumed with Range after a drop), {"remove":true} removes the
 * app, and one for the version installed reports `current`.  Each step is
 * reported on lamp/SERIAL/appctl/NAME/status (app_status.h). */
#ifndef LAMP_APP_DELIVERY_H
#define LAMP_APP_DELIVERY_H

/* At boot, after ota_init (the engine): registers with netmgr. */
void app_delivery_init(void);

#endif
