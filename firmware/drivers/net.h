/* firmware/drivers/net.h: the WiFi module (NET) with socket offload:
 * join, DNS, and TCP sockets whose bytes move through DMA rings in SRAM
 * (docs/hardware.md#net).  Nothing here blocks: commands start work and
 * the module raises its interrupt when something changed.  The main loop
 * takes the events once per pass (net_take_events), lets every user look
 * at its sockets, and ends the pass (net_end_pass), which sends what they
 * wrote with one doorbell. */
#ifndef LAMP_NET_H
#define LAMP_NET_H

#include "net_module.h"

#include <stddef.h>
#include <stdint.h>

/* Sockets with rings: the broker's (0) and the image server's (1). */
#define NET_RING_SOCKETS 2u

/* Powers the module up with its interrupt; 0, or -1 if there is none or
 * it has no DMA rings. */
int net_init(void);
/* Each returns 0 or a negative module result (see net_result_name). */
int net_join(const char *ssid, const char *passphrase);
int net_leave(void);
int net_resolve(const char *name);
/* Attaches the socket's rings and connects; CONNECTED or ERROR later. */
int net_open(unsigned sock, uint32_t ipv4, uint16_t port);
/* Closes; bytes written and not yet sent go first if the host takes them. */
void net_close(unsigned sock);
/* Bytes taken into the transmit ring (0: full, wait for an event), or a
 * negative module result.  Sent at net_end_pass, or at once when the ring
 * fills. */
int net_send(unsigned sock, const void *buf, size_t len);
/* Bytes copied from the receive ring (0: none yet). */
int net_recv(unsigned sock, void *buf, size_t len);

/* Global events (NET_EV_*) plus NET_EV_SOCK(n) for sockets with news,
 * all acknowledged; 0 without touching the module when its interrupt has
 * not fired since the last pass. */
uint32_t net_take_events(void);
/* Ends a main-loop pass: one doorbell for the bytes written, receive
 * events re-armed for what is still unread, the interrupt unmasked. */
void net_end_pass(void);
/* The interrupt fired and its events are not taken yet (do not sleep). */
int net_events_pending(void);

/* From the socket's descriptor in SRAM: no register access. */
uint32_t net_sock_state(unsigned sock);
/* Why a socket is in NET_SOCK_ERROR, as text. */
const char *net_sock_error_name(unsigned sock);
const char *net_join_error_name(void);
const char *net_result_name(int result);
int net_link_up(void);
/* DNS answer after NET_EV_DNS_DONE: 0 and the address, or -1. */
int net_dns_answer(uint32_t *ipv4);
void NET_IRQHandler(void);

#endif
