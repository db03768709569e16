/* firmware/drivers/uart.c: UART0 driver; RX by interrupt into a ring so
 * the main loop can sleep.  When the ring is full the handler masks RXIE
 * and leaves further bytes in the UART (the sender is flow-controlled), and
 * uart_getc unmasks it once there is room: a busy main loop (an update
 * erasing flash, say) loses no input. */
#include "uart.h"

#include "hw.h"

static volatile uint8_t rx_ring[256];
static volatile uint32_t rx_head, rx_tail;
static bool rx_by_irq;

void uart_init(bool rx_irq)
{
    rx_by_irq = rx_irq;
    UART_CR = UART_CR_EN | (rx_irq ? UART_CR_RXIE : 0);
    if (rx_irq)
        NVIC_ISER0 = 1u << IRQ_UART0;
}

void uart_putc(char c)
{
    if (c == '\n')
        UART_DR = '\r';
    UART_DR = (uint8_t)c;
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

void uart_put_hex(uint32_t v)
{
    uart_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        uart_putc("0123456789abcdef"[(v >> shift) & 0xF]);
}

void uart_put_dec(uint32_t v)
{
    char buf[11];
    int i = 0;

    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        uart_putc(buf[--i]);
}

void uart_put_version(uint32_t v)
{
    uart_put_dec(v >> 16);
    uart_putc('.');
    uart_put_dec((v >> 8) & 0xFF);
    uart_putc('.');
    uart_put_dec(v & 0xFF);
}

void UART0_IRQHandler(void)
{
    while (UART_SR & UART_SR_RXNE) {
        if (rx_head - rx_tail >= sizeof(rx_ring)) {
            UART_CR &= ~UART_CR_RXIE;
            return;
        }
        rx_ring[rx_head++ % sizeof(rx_ring)] = (uint8_t)UART_DR;
    }
}

int uart_getc(void)
{
    int c;

    if (!rx_by_irq)
        return (UART_SR & UART_SR_RXNE) ? (int)(UART_DR & 0xFF) : -1;
    if (rx_tail == rx_head) {
        if (!(UART_CR & UART_CR_RXIE))
            UART_CR |= UART_CR_RXIE; /* room again: let the handler refill */
        return -1;
    }
    c = rx_ring[rx_tail++ % sizeof(rx_ring)];
    if (!(UART_CR & UART_CR_RXIE))
        UART_CR |= UART_CR_RXIE;
    return c;
}

unsigned uart_getc_pending(void)
{
    return rx_head - rx_tail;
}
