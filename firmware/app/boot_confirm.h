/* firmware/app/boot_confirm.h: confirming that the running image booted
 * well, which lets the security epoch advance (docs/firmware.md#updates). */
#ifndef LAMP_BOOT_CONFIRM_H
#define LAMP_BOOT_CONFIRM_H

/* Called once the application is up (protections set, console and
 * watchdog running): programs the confirm word of slot A if it is not set
 * yet, then blows epoch fuses up to the image's epoch. */
void boot_confirm_running_image(void);

#endif
