/* tests/fuzz/firmware/uart_double.h: what the UART double
 * (uart_double.c) was given to print. */
#ifndef FUZZ_UART_DOUBLE_H
#define FUZZ_UART_DOUBLE_H

#include <stddef.h>

#define UART_DOUBLE_MAX 4096

struct uart_double {
    char text[UART_DOUBLE_MAX]; /* the last bytes printed, NUL-terminated */
    size_t len;
    unsigned lines;             /* newlines printed since the reset */
};

extern struct uart_double uart_double;

void uart_double_reset(void);

#endif
