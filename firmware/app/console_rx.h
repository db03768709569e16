/* firmware/app/console_rx.h: receiving a file over the console UART in
 * checksummed frames (docs/firmware.md#console-update-transfer), for a
 * sink that writes it where it belongs: an update image (update_rx.c) or
 * an app package (app_console.c). */
#ifndef LAMP_CONSOLE_RX_H
#define LAMP_CONSOLE_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console_rx_sink {
    const char *topic; /* every line of the transfer starts "<topic>: " */
    const char *kept;  /* said after a refusal: what the lamp keeps */
    /* The command's arguments; NULL or why the transfer cannot start. */
    const char *(*begin)(const char *args);
    const char *(*write)(const uint8_t *data, size_t len);
    uint32_t (*received)(void);
    /* All bytes given: verify and commit, and say so; NULL or why refused. */
    const char *(*finish)(void);
    void (*abort)(void);
};

/* Starts receiving for sink (the command's arguments: args). */
void console_rx_start(const struct console_rx_sink *sink, const char *args);
/* True while the console belongs to the transfer; false again once it
 * ended (the console then prompts). */
bool console_rx_active(void);
/* One received byte. */
void console_rx_byte(uint8_t c);
/* Called about once a second: aborts a transfer that went quiet. */
void console_rx_tick(uint32_t now_s);

#endif
