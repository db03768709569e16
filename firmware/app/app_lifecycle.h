/* firmware/app/app_lifecycle.h: the installed apps run (docs/firmware.md#
 * partner-app-vm): the app store's packages are loaded into the runtime
 * at boot and again after each install or removal, and each app's state
 * goes to the cloud's status topic (app_status.h). */
#ifndef LAMP_APP_LIFECYCLE_H
#define LAMP_APP_LIFECYCLE_H

/* At boot, after app_store_init and vm_apps_init: loads every installed
 * app and follows the store from then on. */
void app_lifecycle_start(void);

#endif
