/* firmware/app/console.h: the developer console on UART0. */
#ifndef LAMP_CONSOLE_H
#define LAMP_CONSOLE_H

#define CONSOLE_PROMPT "lamp> "

void console_prompt(void);
/* Feed one received byte; runs a command at end of line. */
void console_input(char c);

#endif
