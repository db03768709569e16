/* firmware/include/net_module.h: the NET module's programming interface
 * (docs/hardware.md#net), the one place both sides take it from: the model
 * (emu/net*.c) and the driver (firmware/drivers/net.c).  Register offsets
 * within the module's 4 KiB window, their bits, commands and result codes,
 * and the DMA ring descriptor in SRAM.  Numbers and one struct of 32-bit
 * words only, so a host build can include it: hw.h turns the offsets into
 * the firmware's registers. */
#ifndef LAMP_NET_MODULE_H
#define LAMP_NET_MODULE_H

#include <stdint.h>

#define NET_ID_VALUE 0x57494649u /* "IFIW" as bytes: "WIFI" read little-endian */
#define NET_SOCKETS 8u

/* registers */
#define NET_REG_ID 0x000u
#define NET_REG_CTRL 0x004u
#define NET_REG_STATUS 0x008u
#define NET_REG_EVENT 0x00Cu
#define NET_REG_CMD 0x010u
#define NET_REG_RESULT 0x014u
#define NET_REG_ARG0 0x018u
#define NET_REG_ARG1 0x01Cu
#define NET_REG_ARG2 0x020u
#define NET_REG_BUF 0x024u
#define NET_REG_LEN 0x028u
#define NET_REG_JOINERR 0x02Cu
#define NET_REG_DNSADDR 0x030u
#define NET_REG_DNSERR 0x034u
#define NET_REG_DOORBELL 0x038u   /* WO: bit n, socket n's rings have news */
#define NET_REG_FEATURES 0x03Cu   /* RO */
#define NET_REG_SOCK0 0x100u      /* socket n's registers at NET_REG_SOCK0 + n * stride */
#define NET_REG_SOCK_STRIDE 0x20u
#define NET_SOCK_REG_STATE 0x00u
#define NET_SOCK_REG_EVENT 0x04u
#define NET_SOCK_REG_RXAVAIL 0x08u
#define NET_SOCK_REG_TXFREE 0x0Cu
#define NET_SOCK_REG_ERR 0x10u
#define NET_REG_SOCK(n, reg) (NET_REG_SOCK0 + NET_REG_SOCK_STRIDE * (n) + (reg))

#define NET_FEATURE_RINGS 1u /* RING_ATTACH and DOORBELL */

#define NET_CTRL_EN 1u
#define NET_CTRL_IE 2u
#define NET_STATUS_LINK 1u
#define NET_STATUS_JOINING 2u
#define NET_STATUS_DNS_BUSY 4u
/* EVENT: global events (RW1C) and, in bits 8..15, socket n has events */
#define NET_EV_JOINED 1u
#define NET_EV_JOIN_FAILED 2u
#define NET_EV_LINK_LOST 4u
#define NET_EV_DNS_DONE 8u
#define NET_EV_GLOBAL 0xFu
#define NET_EV_SOCK(n) (1u << (8 + (n)))

#define NET_CMD_JOIN 1u
#define NET_CMD_LEAVE 2u
#define NET_CMD_RESOLVE 3u
#define NET_CMD_OPEN 4u
#define NET_CMD_SEND 5u
#define NET_CMD_RECV 6u
#define NET_CMD_CLOSE 7u
#define NET_CMD_RING_ATTACH 8u /* ARG0 socket, BUF descriptor, LEN its size */

/* RESULT: >= 0 success or a byte count, else one of these */
#define NET_E_ARG (-1)
#define NET_E_NOLINK (-2)
#define NET_E_STATE (-3)
#define NET_E_BUSY (-4)
#define NET_E_OFF (-5)

#define NET_JOINERR_NO_SSID 1u
#define NET_JOINERR_AUTH 2u
#define NET_DNSERR_NOT_FOUND 1u
#define NET_DNSERR_RESOLVER 2u

/* SOCKn STATE */
#define NET_SOCK_CLOSED 0u
#define NET_SOCK_CONNECTING 1u
#define NET_SOCK_CONNECTED 2u
#define NET_SOCK_PEER_CLOSED 3u /* data may remain */
#define NET_SOCK_ERROR 4u
/* SOCKn EVENT (RW1C) */
#define NET_SEV_CONNECTED 1u
#define NET_SEV_RX 2u
#define NET_SEV_TXSPACE 4u
#define NET_SEV_PEER_CLOSED 8u
#define NET_SEV_ERROR 16u
/* SOCKn ERR */
#define NET_SERR_REFUSED 1u
#define NET_SERR_RESET 2u
#define NET_SERR_TIMEOUT 3u
#define NET_SERR_UNREACHABLE 4u
#define NET_SERR_LINK_LOST 5u
#define NET_SERR_OTHER 6u

/* DMA rings (docs/hardware.md#net-dma-rings).  A socket given a
 * descriptor with RING_ATTACH (while CLOSED) moves its bytes through two
 * byte rings in SRAM instead of SEND and RECV, until CLOSE.  Indices are
 * free-running byte counts (mod 2^32); a ring of size S holds bytes
 * [tail, head), byte i at base + (i & (S - 1)); empty when head == tail,
 * full when head - tail == S.  Each word has one writer, named below; the
 * module reads the bases and sizes once, at RING_ATTACH. */
struct net_ring_desc {
    uint32_t rx_base; /* firmware: SRAM address of the receive ring */
    uint32_t rx_size; /* firmware: its size, a power of two */
    uint32_t tx_base; /* firmware: SRAM address of the transmit ring */
    uint32_t tx_size; /* firmware: its size, a power of two */
    uint32_t rx_head; /* module: bytes written into the receive ring */
    uint32_t rx_tail; /* firmware: bytes taken from it */
    uint32_t tx_head; /* firmware: bytes put into the transmit ring */
    uint32_t tx_tail; /* module: bytes taken from it */
    uint32_t state;   /* module: SOCKn STATE, as the register reads */
    uint32_t err;     /* module: SOCKn ERR */
    uint32_t flags;   /* module: NET_RING_* */
};
#define NET_RING_SIZE_MIN 64u
#define NET_RING_SIZE_MAX 65536u
/* The module holds received bytes the ring had no room for: ring the
 * doorbell after taking bytes (the module then refills at once). */
#define NET_RING_RX_WAITING 1u

#endif
