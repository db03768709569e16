/* firmware/lib/log.c: one formatting path for every log line, one sink. */
#include "log.h"

#include "uart.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static log_sink_fn sink;

static void uart_sink(const char *line)
{
    uart_puts(line);
    uart_putc('\n');
}

void log_set_sink(log_sink_fn s)
{
    sink = s;
}

void log_printf(const char *fmt, ...)
{
    /* static, not on the stack: a line is logged from deep in the TLS and
     * MQTT call chains, where the stack is already in use */
    static char line[LOG_LINE_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        strcpy(line, "log: a line could not be formatted");
    else if ((size_t)n >= sizeof(line))
        memcpy(line + sizeof(line) - 4, "...", 4);
    (sink ? sink : uart_sink)(line);
}
