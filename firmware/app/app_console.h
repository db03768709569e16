/* firmware/app/app_console.h: the console's app store commands
 * (docs/firmware.md#console): `app install LEN` (a package over the
 * console transfer, console_rx.h), `app list`, `app remove NAME`. */
#ifndef LAMP_APP_CONSOLE_H
#define LAMP_APP_CONSOLE_H

/* args: the package's length in bytes (the sender knows it; the store
 * must, to refuse an oversized one before writing it). */
void app_console_install(const char *args);
void app_console_list(void);
void app_console_remove(const char *name);

#endif
