/* tests/unit/periph/test_net.c: the NET model against a real TCP peer on
 * loopback: the DMA rings (attach checks, wrap-around both ways, a full
 * receive ring as flow control, doorbells with and without work, indices
 * the firmware got wrong, state mirrored into the descriptor), the
 * register interface older firmware uses, and injected faults. */
#include "periph_harness.h"
#include "net_internal.h" /* NET_RX_CAP, NET_TX_CAP: the module's own buffers */

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REG(off) (NET_BASE + (off))
#define SOCKREG(n, off) REG(NET_REG_SOCK(n, off))
#define A_ARG (SRAM_BASE + 0x1000)     /* command buffers */
#define A_DESC (SRAM_BASE + 0x2000)    /* socket 0's descriptor */
#define A_RX (SRAM_BASE + 0x3000)
#define A_TX (SRAM_BASE + 0x4000)
#define A_BIGTX (SRAM_BASE + 0x10000)  /* 32 KiB */
#define RING 256u

static char *dir;
static struct machine *m;
static int listener = -1, peer = -1;
static uint16_t port;

static uint8_t *sram(uint32_t addr, uint32_t len)
{
    return machine_sram_range_rw(m, addr, len);
}

static struct net_ring_desc *desc(void)
{
    return (struct net_ring_desc *)sram(A_DESC, sizeof(struct net_ring_desc));
}

static int32_t command(uint32_t cmd, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t buf,
                       uint32_t len)
{
    reg_write(m, REG(NET_REG_ARG0), a0);
    reg_write(m, REG(NET_REG_ARG1), a1);
    reg_write(m, REG(NET_REG_ARG2), a2);
    reg_write(m, REG(NET_REG_BUF), buf);
    reg_write(m, REG(NET_REG_LEN), len);
    reg_write(m, REG(NET_REG_CMD), cmd);
    return (int32_t)reg_read(m, REG(NET_REG_RESULT));
}

/* Runs the main loop until cond holds (2 s of host time at most). */
static bool pump_until(bool (*cond)(void))
{
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

    while (!cond()) {
        if (g_get_monotonic_time() > end)
            return false;
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(200);
    }
    return true;
}

static bool connected(void)
{
    return reg_read(m, SOCKREG(0, NET_SOCK_REG_STATE)) == NET_SOCK_CONNECTED;
}

static int setup(void)
{
    g_autoptr(net_env) env = net_env_new();
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    static const char creds[] = "lab\0labpass123";

    if (!net_env_add_ap(env, "lab", "labpass123", NULL))
        return 1;
    dir = bench_tmpdir();
    m = bench_machine_new_net(dir, 7, env, NULL);
    if (!m)
        return 1;
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) ||
        listen(listener, 4) || getsockname(listener, (struct sockaddr *)&sa, &len))
        return 1;
    port = ntohs(sa.sin_port);
    reg_write(m, REG(NET_REG_CTRL), NET_CTRL_EN | NET_CTRL_IE);
    memcpy(sram(A_ARG, sizeof(creds)), creds, sizeof(creds));
    if (command(NET_CMD_JOIN, 0, 0, 0, A_ARG, sizeof(creds)) != 0)
        return 1;
    machine_skip_to_next_deadline(m); /* association takes 300 ms */
    if (!(reg_read(m, REG(NET_REG_EVENT)) & NET_EV_JOINED))
        return 1;
    reg_write(m, REG(NET_REG_EVENT), NET_EV_JOINED);
    return 0;
}

static int teardown(void)
{
    machine_free(m);
    close(listener);
    bench_rmdir(dir);
    g_free(dir);
    return 0;
}

/* Socket 0 to the listener, with rings when rx_size is not 0; the peer's
 * end in `peer`. */
static void open_socket(uint32_t rx_size, uint32_t tx_base, uint32_t tx_size)
{
    if (rx_size) {
        *desc() = (struct net_ring_desc){ .rx_base = A_RX, .rx_size = rx_size,
                                          .tx_base = tx_base, .tx_size = tx_size,
                                          .rx_tail = 0x1000, .tx_head = 0x2000 };
        CU_ASSERT_EQUAL_FATAL(command(NET_CMD_RING_ATTACH, 0, 0, 0, A_DESC,
                                      sizeof(struct net_ring_desc)), 0);
    }
    CU_ASSERT_EQUAL_FATAL(command(NET_CMD_OPEN, 0, 0x7F000001, port, 0, 0), 0);
    CU_ASSERT_TRUE_FATAL(pump_until(connected));
    peer = accept(listener, NULL, NULL);
    CU_ASSERT_TRUE_FATAL(peer >= 0);
    reg_write(m, REG(NET_REG_EVENT), NET_EV_SOCK(0));
}

static void close_socket(void)
{
    CU_ASSERT_EQUAL(command(NET_CMD_CLOSE, 0, 0, 0, 0, 0), 0);
    close(peer);
    peer = -1;
}

static void pattern(uint8_t *p, size_t len, size_t from)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)((from + i) * 7 + (from + i) / 251);
}

static void peer_send(size_t from, size_t len)
{
    uint8_t buf[4096];

    while (len) {
        size_t n = MIN(len, sizeof(buf));
        pattern(buf, n, from);
        CU_ASSERT_EQUAL_FATAL(send(peer, buf, n, 0), (ssize_t)n);
        from += n;
        len -= n;
    }
}

/* Reads exactly len bytes at the peer (2 s at most), the main loop
 * running meanwhile, and checks them. */
static void peer_expect(size_t from, size_t len)
{
    uint8_t buf[4096], want[4096];
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

    while (len) {
        ssize_t n = recv(peer, buf, MIN(len, sizeof(buf)), MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) {
            CU_ASSERT_TRUE_FATAL(g_get_monotonic_time() < end);
            if (!g_main_context_iteration(NULL, FALSE))
                g_usleep(200);
            continue;
        }
        CU_ASSERT_TRUE_FATAL(n > 0);
        pattern(want, (size_t)n, from);
        CU_ASSERT_EQUAL_FATAL(memcmp(buf, want, (size_t)n), 0);
        from += (size_t)n;
        len -= (size_t)n;
    }
}

static uint32_t rx_unread(void)
{
    return desc()->rx_head - desc()->rx_tail;
}

static size_t want_unread;
static bool rx_has_wanted(void)
{
    return rx_unread() >= want_unread;
}

/* Takes len bytes from the receive ring as the driver would, checks them
 * against the pattern from `from`, and rings when the module waits. */
static void ring_take(size_t from, uint32_t len)
{
    struct net_ring_desc *d = desc();
    uint8_t want[RING * 4];
    const uint8_t *ring = sram(A_RX, d->rx_size);

    pattern(want, len, from);
    for (uint32_t i = 0; i < len; i++)
        CU_ASSERT_EQUAL_FATAL(ring[(d->rx_tail + i) & (d->rx_size - 1)], want[i]);
    d->rx_tail += len;
    if (d->flags & NET_RING_RX_WAITING)
        reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
}

static void ring_put(uint32_t base, uint32_t size, size_t from, uint32_t len)
{
    struct net_ring_desc *d = desc();
    uint8_t *ring = sram(base, size);
    uint8_t b[1];

    for (uint32_t i = 0; i < len; i++) {
        pattern(b, 1, from + i);
        ring[(d->tx_head + i) & (size - 1)] = b[0];
    }
    d->tx_head += len;
}

/* ---- attach ---- */

static void ring_attach_refuses_what_is_not_wholly_in_sram(void)
{
    static const struct {
        const char *what;
        uint32_t desc, rx_base, rx_size, tx_base, tx_size;
    } cases[] = {
        { "descriptor in flash", 0x00001000, A_RX, RING, A_TX, RING },
        { "descriptor unaligned", A_DESC + 2, A_RX, RING, A_TX, RING },
        { "descriptor past SRAM", SRAM_BASE + SRAM_SIZE - 8, A_RX, RING, A_TX, RING },
        { "receive ring past SRAM", A_DESC, SRAM_BASE + SRAM_SIZE - 128, RING, A_TX, RING },
        { "transmit ring in a peripheral", A_DESC, A_RX, RING, NET_BASE, RING },
        { "size not a power of two", A_DESC, A_RX, 300, A_TX, RING },
        { "size too small", A_DESC, A_RX, 32, A_TX, RING },
        { "size too large", A_DESC, A_RX, 131072, A_TX, RING },
        { "rings overlap", A_DESC, A_RX, RING, A_RX + 128, RING },
        { "ring over its descriptor", A_DESC, A_DESC, RING, A_TX, RING },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint8_t *d = machine_sram_range_rw(m, cases[i].desc, sizeof(struct net_ring_desc));
        struct net_ring_desc v = { .rx_base = cases[i].rx_base, .rx_size = cases[i].rx_size,
                                   .tx_base = cases[i].tx_base, .tx_size = cases[i].tx_size };
        if (d)
            memcpy(d, &v, sizeof(v));
        CU_ASSERT_EQUAL(command(NET_CMD_RING_ATTACH, 0, 0, 0, cases[i].desc, sizeof(v)),
                        NET_E_ARG);
        if (!strstr(bench_last_log(), "socket 0"))
            printf("\n  case '%s': log '%s'\n", cases[i].what, bench_last_log());
        CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "socket 0"));
    }
    /* Nothing attached: a doorbell for it is a guest error. */
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "no rings attached"));
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 9);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "name no socket"));
    CU_ASSERT_EQUAL(reg_read(m, REG(NET_REG_FEATURES)) & NET_FEATURE_RINGS, NET_FEATURE_RINGS);
}

static void ring_attach_starts_empty_at_the_firmware_indices_and_mirrors_state(void)
{
    open_socket(RING, A_TX, RING);
    CU_ASSERT_EQUAL(desc()->rx_head, 0x1000u);
    CU_ASSERT_EQUAL(desc()->tx_tail, 0x2000u);
    CU_ASSERT_EQUAL(desc()->state, NET_SOCK_CONNECTED);
    CU_ASSERT_EQUAL(desc()->err, 0u);
    CU_ASSERT_EQUAL(desc()->flags, 0u);
    /* SEND and RECV belong to sockets without rings. */
    CU_ASSERT_EQUAL(command(NET_CMD_SEND, 0, 0, 0, A_ARG, 4), NET_E_STATE);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "DMA rings"));
    CU_ASSERT_EQUAL(command(NET_CMD_RECV, 0, 0, 0, A_ARG, 4), NET_E_STATE);
    CU_ASSERT_EQUAL(command(NET_CMD_RING_ATTACH, 0, 0, 0, A_DESC, 44), NET_E_STATE);
    machine_net_fault(m, MACHINE_NET_DROP, 0);
    CU_ASSERT_EQUAL(desc()->state, NET_SOCK_ERROR);
    CU_ASSERT_EQUAL(desc()->err, NET_SERR_RESET);
    CU_ASSERT_TRUE(reg_read(m, REG(NET_REG_EVENT)) & NET_EV_SOCK(0));
    close_socket();
    CU_ASSERT_EQUAL(reg_read(m, REG(NET_REG_EVENT)) & NET_EV_SOCK(0), 0u);
    /* After CLOSE the descriptor is the firmware's again: the socket
     * opened without rings does not write to it. */
    desc()->state = 0xDEADBEEF;
    open_socket(0, 0, 0);
    CU_ASSERT_EQUAL(desc()->state, 0xDEADBEEFu);
    close_socket();
}

/* ---- receiving ---- */

static void receive_ring_wraps_around(void)
{
    open_socket(RING, A_TX, RING);
    /* 0x1000 is a multiple of the size: the ring starts at offset 0 */
    peer_send(0, 200);
    want_unread = 200;
    CU_ASSERT_TRUE_FATAL(pump_until(rx_has_wanted));
    CU_ASSERT_TRUE(reg_read(m, SOCKREG(0, NET_SOCK_REG_EVENT)) & NET_SEV_RX);
    CU_ASSERT_TRUE(m->irq_level[IRQ_NET]);
    ring_take(0, 200);
    /* RX is a level: acknowledged with nothing unread, it clears. */
    reg_write(m, REG(NET_REG_EVENT), NET_EV_SOCK(0));
    CU_ASSERT_EQUAL(reg_read(m, SOCKREG(0, NET_SOCK_REG_EVENT)) & NET_SEV_RX, 0u);
    CU_ASSERT_FALSE(m->irq_level[IRQ_NET]);
    peer_send(200, 200); /* offsets 200..255, then 0..143 */
    CU_ASSERT_TRUE_FATAL(pump_until(rx_has_wanted));
    CU_ASSERT_EQUAL(desc()->rx_head, 0x1000u + 400);
    ring_take(200, 200);
    CU_ASSERT_EQUAL(desc()->flags, 0u);
    close_socket();
}

static bool module_buffer_full(void)
{
    return rx_unread() == RING && reg_read(m, SOCKREG(0, NET_SOCK_REG_RXAVAIL)) == NET_RX_CAP;
}

static void full_receive_ring_is_flow_control(void)
{
    const size_t total = 40000; /* ring + module buffer + what TCP itself holds */
    struct machine_net_stats st0, st;
    size_t taken = 0;

    open_socket(RING, A_TX, RING);
    machine_get_net_stats(m, &st0);
    peer_send(0, total);
    CU_ASSERT_TRUE_FATAL(pump_until(module_buffer_full));
    /* Nothing more is read from the host socket: the rest waits in TCP. */
    for (int i = 0; i < 50; i++)
        g_main_context_iteration(NULL, FALSE);
    machine_get_net_stats(m, &st);
    CU_ASSERT_EQUAL(st.bytes_in - st0.bytes_in, RING + NET_RX_CAP);
    CU_ASSERT_EQUAL(desc()->flags, NET_RING_RX_WAITING);
    /* Taking bytes and ringing refills the ring before the write returns. */
    ring_take(0, 100);
    taken = 100;
    CU_ASSERT_EQUAL(rx_unread(), RING);
    while (taken < total) {
        uint32_t n = rx_unread();
        if (n == 0) {
            want_unread = 1;
            CU_ASSERT_TRUE_FATAL(pump_until(rx_has_wanted));
            continue;
        }
        ring_take(taken, n);
        taken += n;
    }
    CU_ASSERT_EQUAL(desc()->flags, 0u);
    machine_get_net_stats(m, &st);
    CU_ASSERT_EQUAL(st.bytes_in - st0.bytes_in, total);
    close_socket();
}

/* ---- sending ---- */

static void transmit_ring_wraps_and_a_doorbell_sends_at_once(void)
{
    open_socket(RING, A_TX, RING);
    /* 0x2000 + 200: the second batch wraps */
    ring_put(A_TX, RING, 0, 200);
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
    CU_ASSERT_EQUAL(desc()->tx_tail, 0x2000u + 200);
    peer_expect(0, 200);
    ring_put(A_TX, RING, 200, 200);
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
    CU_ASSERT_EQUAL(desc()->tx_tail, 0x2000u + 400);
    peer_expect(200, 200);
    close_socket();
}

static void doorbell_with_nothing_to_do_changes_nothing(void)
{
    struct net_ring_desc before;
    struct machine_net_stats st0, st1;

    open_socket(RING, A_TX, RING);
    machine_log(m, MACHINE_LOG_GUEST_ERROR, "marker");
    before = *desc();
    machine_get_net_stats(m, &st0);
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
    machine_get_net_stats(m, &st1);
    CU_ASSERT_EQUAL(memcmp(&before, desc(), sizeof(before)), 0);
    CU_ASSERT_EQUAL(st1.bytes_out, st0.bytes_out);
    CU_ASSERT_EQUAL(reg_read(m, SOCKREG(0, NET_SOCK_REG_EVENT)), 0u);
    CU_ASSERT_STRING_EQUAL(bench_last_log(), "marker");
    close_socket();
}

static void indices_outside_the_ring_are_refused(void)
{
    uint32_t tail;

    open_socket(RING, A_TX, RING);
    tail = desc()->tx_tail;
    desc()->tx_head = tail + RING + 1;
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "transmit ring head"));
    CU_ASSERT_EQUAL(desc()->tx_tail, tail);
    desc()->tx_head = tail;
    desc()->rx_tail = desc()->rx_head + 5; /* ahead of what was written */
    peer_send(0, 10);
    for (int i = 0; i < 20; i++)
        g_main_context_iteration(NULL, FALSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(bench_last_log(), "receive ring tail"));
    CU_ASSERT_EQUAL(reg_read(m, SOCKREG(0, NET_SOCK_REG_RXAVAIL)), 10u);
    close_socket();
}

static bool tx_all_taken(void)
{
    return desc()->tx_tail == desc()->tx_head;
}

static void space_freed_later_is_reported_as_txspace(void)
{
    const uint32_t big = 32768;

    open_socket(RING, A_BIGTX, big);
    machine_net_fault(m, MACHINE_NET_STALL, 1);
    ring_put(A_BIGTX, big, 0, big);
    reg_write(m, REG(NET_REG_DOORBELL), 1u << 0);
    /* The module took what its own buffer holds; the peer is stalled. */
    CU_ASSERT_EQUAL(desc()->tx_tail - 0x2000u, (uint32_t)NET_TX_CAP);
    reg_write(m, REG(NET_REG_EVENT), NET_EV_SOCK(0));
    machine_net_fault(m, MACHINE_NET_STALL, 0);
    CU_ASSERT_TRUE_FATAL(pump_until(tx_all_taken));
    CU_ASSERT_TRUE(reg_read(m, SOCKREG(0, NET_SOCK_REG_EVENT)) & NET_SEV_TXSPACE);
    peer_expect(0, big);
    close_socket();
}

static bool latency_delivered(void)
{
    return rx_unread() == 50;
}

static bool held_timer_armed(void)
{
    return machine_next_deadline_ns(m) != UINT64_MAX;
}

static void latency_holds_received_bytes_until_due(void)
{
    uint64_t t0;

    open_socket(RING, A_TX, RING);
    machine_net_fault(m, MACHINE_NET_LATENCY_MS, 20);
    t0 = machine_now_ns(m);
    peer_send(0, 50);
    CU_ASSERT_TRUE_FATAL(pump_until(held_timer_armed));
    CU_ASSERT_EQUAL(rx_unread(), 0u); /* held: virtual time has not moved */
    machine_skip_to_next_deadline(m);
    CU_ASSERT_EQUAL(machine_now_ns(m) - t0, 20000000u);
    CU_ASSERT_TRUE(latency_delivered());
    ring_take(0, 50);
    machine_net_fault(m, MACHINE_NET_LATENCY_MS, 0);
    close_socket();
}

/* ---- the register interface (firmware without rings) ---- */

static bool rx_avail_7(void)
{
    return reg_read(m, SOCKREG(0, NET_SOCK_REG_RXAVAIL)) == 7;
}

static void registers_send_and_receive_without_rings(void)
{
    uint8_t want[7];

    open_socket(0, 0, 0);
    pattern(sram(A_ARG, 5), 5, 0);
    CU_ASSERT_EQUAL(command(NET_CMD_SEND, 0, 0, 0, A_ARG, 5), 5);
    g_main_context_iteration(NULL, FALSE); /* the reactor sends */
    peer_expect(0, 5);
    peer_send(100, 7);
    CU_ASSERT_TRUE_FATAL(pump_until(rx_avail_7));
    CU_ASSERT_TRUE(reg_read(m, SOCKREG(0, NET_SOCK_REG_EVENT)) & NET_SEV_RX);
    CU_ASSERT_EQUAL(command(NET_CMD_RECV, 0, 0, 0, A_ARG, 16), 7);
    pattern(want, 7, 100);
    CU_ASSERT_EQUAL(memcmp(sram(A_ARG, 7), want, 7), 0);
    CU_ASSERT_EQUAL(reg_read(m, SOCKREG(0, NET_SOCK_REG_EVENT)) & NET_SEV_RX, 0u);
    machine_net_fault(m, MACHINE_NET_REFUSE, 1);
    close_socket();
    CU_ASSERT_EQUAL(command(NET_CMD_OPEN, 0, 0x7F000001, port, 0, 0), 0);
    CU_ASSERT_EQUAL(reg_read(m, SOCKREG(0, NET_SOCK_REG_STATE)), NET_SOCK_ERROR);
    CU_ASSERT_EQUAL(reg_read(m, SOCKREG(0, NET_SOCK_REG_ERR)), NET_SERR_REFUSED);
    machine_net_fault(m, MACHINE_NET_REFUSE, 0);
    CU_ASSERT_EQUAL(command(NET_CMD_CLOSE, 0, 0, 0, 0, 0), 0);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("net", setup, teardown);
    CU_add_test(s, "ring_attach_refuses_what_is_not_wholly_in_sram",
                ring_attach_refuses_what_is_not_wholly_in_sram);
    CU_add_test(s, "ring_attach_starts_empty_at_the_firmware_indices_and_mirrors_state",
                ring_attach_starts_empty_at_the_firmware_indices_and_mirrors_state);
    CU_add_test(s, "receive_ring_wraps_around", receive_ring_wraps_around);
    CU_add_test(s, "full_receive_ring_is_flow_control", full_receive_ring_is_flow_control);
    CU_add_test(s, "transmit_ring_wraps_and_a_doorbell_sends_at_once",
                transmit_ring_wraps_and_a_doorbell_sends_at_once);
    CU_add_test(s, "doorbell_with_nothing_to_do_changes_nothing",
                doorbell_with_nothing_to_do_changes_nothing);
    CU_add_test(s, "indices_outside_the_ring_are_refused", indices_outside_the_ring_are_refused);
    CU_add_test(s, "space_freed_later_is_reported_as_txspace",
                space_freed_later_is_reported_as_txspace);
    CU_add_test(s, "latency_holds_received_bytes_until_due", latency_holds_received_bytes_until_due);
    CU_add_test(s, "registers_send_and_receive_without_rings",
                registers_send_and_receive_without_rings);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
