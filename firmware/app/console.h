/* firmware/app/console.h: the developer console on UART0. */
#ifndef LAMP_CONSOLE_H
#define LAMP_CONSOLE_H

#include <stdint.h>

#define CONSOLE_PROMPT "lamp> "

/* Becomes the log's sink (log.h): a line from the lamp's own activity
 * (network, OTA, commissioning) is written over the prompt, and the prompt
 * and the half-typed command come back below it. */
void console_init(void);
void console_prompt(void);
/* Feed one received byte: to the update receiver while a transfer runs
 * (the prompt comes back when it ends), else to the command line, which
 * runs a command at end of line. */
void console_input(char c);
/* Called about once a second: a transfer that went quiet is aborted. */
void console_tick(uint32_t now_s);

#endif
