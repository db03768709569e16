/* emu/uart.c: UART0, the lamp's console (docs/hardware.md#uart0).  TX goes
 * to the host at once; RX keeps host input in an unbounded queue and feeds
 * the 16-byte FIFO as the firmware drains it (flow control). */
#include "periph.h"
#include "uart_hw.h"

#define FIFO_DEPTH 16

struct uart {
    struct machine *m;
    uint32_t cr, baud;
    uint8_t fifo[FIFO_DEPTH];
    unsigned head, count;
    GByteArray *backlog;
};

static void uart_update_irq(struct uart *u)
{
    machine_irq_set(u->m, IRQ_UART0, (u->cr & UART_CR_EN) && (u->cr & UART_CR_RXIE) && u->count > 0);
}

static void uart_refill(struct uart *u)
{
    unsigned n = 0;

    while (u->count < FIFO_DEPTH && n < u->backlog->len) {
        u->fifo[(u->head + u->count) % FIFO_DEPTH] = u->backlog->data[n++];
        u->count++;
    }
    g_byte_array_remove_range(u->backlog, 0, n);
}

static void *uart_new(struct machine *m, GError **error)
{
    struct uart *u = g_new0(struct uart, 1);
    u->m = m;
    u->backlog = g_byte_array_new();
    return u;
}

void uart_rx_push(void *opaque, const uint8_t *buf, size_t len)
{
    struct uart *u = opaque;

    g_byte_array_append(u->backlog, buf, (guint)len);
    uart_refill(u);
    uart_update_irq(u);
}

static uint32_t uart_read(void *opaque, uint32_t offset, unsigned size)
{
    struct uart *u = opaque;

    switch (offset) {
    case UART_REG_DR: {
        uint8_t c = 0;
        if (u->count) {
            c = u->fifo[u->head];
            u->head = (u->head + 1) % FIFO_DEPTH;
            u->count--;
            uart_refill(u);
            uart_update_irq(u);
        }
        return c;
    }
    case UART_REG_SR: return (u->count ? UART_SR_RXNE : 0) | UART_SR_TXE | UART_SR_TC;
    case UART_REG_CR: return u->cr;
    case UART_REG_BAUD: return u->baud;
    }
    machine_log(u->m, MACHINE_LOG_GUEST_ERROR, "uart: read of 0x%03x", offset);
    return 0;
}

static void uart_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct uart *u = opaque;

    switch (offset) {
    case UART_REG_DR: {
        uint8_t c = (uint8_t)value;
        if (!(u->cr & UART_CR_EN)) {
            machine_log(u->m, MACHINE_LOG_GUEST_ERROR, "uart: TX while disabled");
            return;
        }
        machine_console_output(u->m, &c, 1);
        return;
    }
    case UART_REG_CR:
        u->cr = value & (UART_CR_EN | UART_CR_RXIE | 4u);
        if (value & 4u)
            machine_log(u->m, MACHINE_LOG_UNIMP, "uart: TXIE: TX is instant, no TX interrupt");
        uart_update_irq(u);
        return;
    case UART_REG_BAUD:
        u->baud = value;
        return;
    }
    machine_log(u->m, MACHINE_LOG_GUEST_ERROR, "uart: write to 0x%03x", offset);
}

static void uart_reset(void *opaque, uint32_t cause)
{
    struct uart *u = opaque;
    /* The FIFO is lost; host-side input not yet delivered is kept. */
    u->cr = 0;
    u->baud = 0;
    u->head = u->count = 0;
    uart_refill(u);
    uart_update_irq(u);
}

static void uart_free(void *opaque)
{
    struct uart *u = opaque;
    g_byte_array_unref(u->backlog);
    g_free(u);
}

const struct periph_ops uart_ops = {
    .create = uart_new,
    .name = "uart0", .read = uart_read, .write = uart_write,
    .reset = uart_reset, .free = uart_free,
};
