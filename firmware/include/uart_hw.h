/* firmware/include/uart_hw.h: UART0, the console
 * (docs/hardware.md#uart0-0x4000_3000): register offsets in its window
 * and their bits, for the model (emu/uart.c) and the driver
 * (firmware/drivers/uart.c through hw.h). */
#ifndef LAMP_UART_HW_H
#define LAMP_UART_HW_H

#define UART_REG_DR 0x00u
#define UART_REG_SR 0x04u
#define UART_REG_CR 0x08u
#define UART_REG_BAUD 0x0Cu

#define UART_SR_RXNE 1u
#define UART_SR_TXE 2u
#define UART_SR_TC 4u
#define UART_SR_ORE 8u  /* RX FIFO overflowed; cleared by reading SR then DR */
#define UART_CR_EN 1u
#define UART_CR_RXIE 2u /* IRQ while RXNE */

#endif
