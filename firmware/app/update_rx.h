/* firmware/app/update_rx.h: the `update` console command: an update image
 * received over the console (console_rx.h) into slot B (staging.h). */
#ifndef LAMP_UPDATE_RX_H
#define LAMP_UPDATE_RX_H

/* Starts receiving; a staged image reboots the lamp into the bootloader. */
void update_rx_start(void);

#endif
