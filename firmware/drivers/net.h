/* firmware/drivers/net.h: the WiFi module (NET) with socket offload:
 * join, DNS, TCP sockets moved by DMA (docs/hardware.md#net).  Nothing here
 * blocks: commands start work and the module raises its interrupt when
 * something changed; net_take_events says what. */
#ifndef LAMP_NET_H
#define LAMP_NET_H

#include "net_module.h"

#include <stddef.h>
#include <stdint.h>

/* Powers the module up with its interrupt; 0, or -1 if there is none. */
int net_init(void);
/* Each returns 0 or a negative module result (see net_result_name). */
int net_join(const char *ssid, const char *passphrase);
int net_leave(void);
int net_resolve(const char *name);
int net_open(unsigned sock, uint32_t ipv4, uint16_t port);
void net_close(unsigned sock);
/* Bytes accepted/copied (>= 0), or a negative module result. */
int net_send(unsigned sock, const void *buf, size_t len);
int net_recv(unsigned sock, void *buf, size_t len);

/* Global events (NET_EV_*) plus NET_EV_SOCK(n) for sockets with events;
 * the global ones are acknowledged by taking them. */
uint32_t net_take_events(void);
/* Socket events (NET_SEV_*), acknowledged by taking them. */
uint32_t net_sock_take_events(unsigned sock);
uint32_t net_sock_state(unsigned sock);
uint32_t net_sock_rx_avail(unsigned sock);
/* Why a socket is in NET_SOCK_ERROR, as text. */
const char *net_sock_error_name(unsigned sock);
const char *net_join_error_name(void);
const char *net_result_name(int result);
int net_link_up(void);
/* DNS answer after NET_EV_DNS_DONE: 0 and the address, or -1. */
int net_dns_answer(uint32_t *ipv4);
/* True when the interrupt fired since the last call (the main loop's
 * cue to look at the module). */
int net_irq_seen(void);
void NET_IRQHandler(void);

#endif
