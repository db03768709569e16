/* firmware/drivers/uart.h: the console UART. */
#ifndef LAMP_UART_H
#define LAMP_UART_H

#include <stdbool.h>
#include <stdint.h>

void uart_init(bool rx_irq);
void uart_putc(char c);
void uart_puts(const char *s);
void uart_put_hex(uint32_t v);          /* 0x%08x */
void uart_put_dec(uint32_t v);
/* An image version, major << 16 | minor << 8 | patch, as X.Y.Z. */
void uart_put_version(uint32_t v);
/* Next received byte, or -1: from the IRQ-filled ring if rx_irq. */
int uart_getc(void);
/* Bytes waiting in the RX ring. */
unsigned uart_getc_pending(void);
void UART0_IRQHandler(void);

#endif
