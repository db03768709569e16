/* tests/fuzz/firmware/uart_double.c: the console UART (drivers/uart.h)
 * for firmware code fuzzed on the host: what the code prints is kept in
 * uart_double.text (the last UART_DOUBLE_MAX bytes) for the target to
 * check; nothing is read (uart_getc refuses). */
#include "uart_double.h"

#include "uart.h"

#include <stdio.h>
#include <string.h>

struct uart_double uart_double;

void uart_double_reset(void)
{
    memset(&uart_double, 0, sizeof(uart_double));
}

void uart_putc(char c)
{
    if (uart_double.len == sizeof(uart_double.text) - 1) {
        memmove(uart_double.text, uart_double.text + 1, uart_double.len - 1);
        uart_double.len--;
    }
    uart_double.text[uart_double.len++] = c;
    uart_double.text[uart_double.len] = '\0';
    if (c == '\n')
        uart_double.lines++;
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

static void put_text(const char *s)
{
    uart_puts(s);
}

void uart_put_hex(uint32_t v)
{
    char b[11];
    snprintf(b, sizeof(b), "0x%08x", (unsigned)v);
    put_text(b);
}

void uart_put_dec(uint32_t v)
{
    char b[11];
    snprintf(b, sizeof(b), "%u", (unsigned)v);
    put_text(b);
}

void uart_put_version(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof(b), "%u.%u.%u", (unsigned)(v >> 16), (unsigned)(v >> 8 & 0xFF),
             (unsigned)(v & 0xFF));
    put_text(b);
}

int uart_getc(void)
{
    return -1; /* nothing received: the targets feed the code directly */
}
