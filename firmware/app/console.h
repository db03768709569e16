/* firmware/app/console.h: the developer console on UART0. */
#ifndef LAMP_CONSOLE_H
#define LAMP_CONSOLE_H

#define CONSOLE_PROMPT "lamp> "

void console_prompt(void);
/* Feed one received byte; runs a command at end of line. */
void console_input(char c);
/* Around a message printed by background work (network, OTA): keeps the
 * prompt and the half-typed line intact below it. */
void console_async_begin(void);
void console_async_end(void);

#endif
