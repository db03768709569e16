/* firmware/app/console.h: the developer console on UART0. */
#ifndef LAMP_CONSOLE_H
#define LAMP_CONSOLE_H

#define CONSOLE_PROMPT "lamp> "

/* Becomes the log's sink (log.h): a line from the lamp's own activity
 * (network, OTA, commissioning) is written over the prompt, and the prompt
 * and the half-typed command come back below it. */
void console_init(void);
void console_prompt(void);
/* Feed one received byte; runs a command at end of line. */
void console_input(char c);

#endif
