/* tests/unit/periph/test_ble.c: the BLE controller model: the table and
 * advertising the firmware builds, the central's requests as the medium
 * makes them, the events and the interrupt the firmware sees, and what the
 * medium is told (advertising, notifications, a link the lamp ends). */
#include "periph_harness.h"
#include "ble.h"
#include "commission_format.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

enum { ID = 0x00, CTRL = 0x04, STATUS = 0x08, EVCOUNT = 0x0C, CMD = 0x10, RESULT = 0x14,
       ERRCODE = 0x18, ARG0 = 0x1C, ARG1 = 0x20, BUF = 0x24, LEN = 0x28, MTU = 0x2C };
enum { C_CLEAR = 1, C_SERVICE, C_CHAR, C_SET_VALUE, C_SET_ADV, C_ADV_START, C_ADV_STOP,
       C_NOTIFY, C_POP, C_DISCONNECT };
enum { EV_CONNECTED = 1, EV_DISCONNECTED, EV_WRITE, EV_SUBSCRIBE };
#define A_IN (SRAM_BASE + 0x1000)
#define A_OUT (SRAM_BASE + 0x2000)
#define REG(off) (BLE_BASE + (off))

static char *dir;
static struct machine *m;
static struct ble_radio *r;
static unsigned changed, link_lost;
static uint8_t notified[64];
static size_t notified_len;
static uint16_t notified_handle;

static void on_changed(void *medium, struct ble_radio *radio) { (void)medium, (void)radio; changed++; }
static void on_lost(void *medium, struct ble_radio *radio) { (void)medium, (void)radio; link_lost++; }
static void on_notify(void *medium, struct ble_radio *radio, uint16_t h, const uint8_t *v, size_t n)
{
    (void)medium, (void)radio;
    notified_handle = h;
    notified_len = MIN(n, sizeof(notified));
    memcpy(notified, v, notified_len);
}
static const struct ble_medium_ops ops = { on_changed, on_notify, on_lost };

static int setup(void)
{
    dir = bench_tmpdir();
    m = bench_machine_new(dir, 3, NULL);
    if (!m)
        return 1;
    m->cfg.ble_ops = &ops;
    r = machine_ble_radio(m);
    return r ? 0 : 1;
}

static int teardown(void)
{
    machine_free(m);
    bench_rmdir(dir);
    g_free(dir);
    return 0;
}

static void put(uint32_t addr, const void *p, uint32_t len)
{
    memcpy(machine_sram_range_rw(m, addr, len), p, len);
}

/* Runs CMD with BUF = A_IN holding data; returns ERRCODE. */
static uint32_t cmd(uint32_t c, uint32_t a0, uint32_t a1, const void *data, uint32_t len)
{
    if (len)
        put(A_IN, data, len);
    reg_write(m, REG(ARG0), a0);
    reg_write(m, REG(ARG1), a1);
    reg_write(m, REG(BUF), A_IN);
    reg_write(m, REG(LEN), len);
    reg_write(m, REG(CMD), c);
    return reg_read(m, REG(ERRCODE));
}

/* Pops one event into A_OUT (up to 64 bytes); returns its type. */
static uint32_t pop(void)
{
    reg_write(m, REG(BUF), A_OUT);
    reg_write(m, REG(LEN), 64);
    reg_write(m, REG(CMD), C_POP);
    return reg_read(m, REG(ERRCODE)) ? 0 : reg_read(m, REG(RESULT));
}

static const uint8_t svc_uuid[16] = { 0xa7, 0xc3, 0, 1 }, info_uuid[16] = { 0xa7, 0xc3, 0, 2 },
                     cred_uuid[16] = { 0xa7, 0xc3, 0, 3 }, stat_uuid[16] = { 0xa7, 0xc3, 0, 4 };
static uint32_t h_info, h_cred, h_stat;

static void build_table(void)
{
    static const uint8_t adv[] = { 2, 0x01, 0x06, 5, 0x09, 'l', 'a', 'm', 'p' };

    reg_write(m, REG(CTRL), 3); /* EN, IE */
    CU_ASSERT_EQUAL(cmd(C_SERVICE, 0, 0, svc_uuid, 16), 0);
    CU_ASSERT_EQUAL(reg_read(m, REG(RESULT)), 1);
    CU_ASSERT_EQUAL(cmd(C_CHAR, BLE_PROP_READ, 56, info_uuid, 16), 0);
    h_info = reg_read(m, REG(RESULT));
    CU_ASSERT_EQUAL(cmd(C_CHAR, BLE_PROP_WRITE, 256, cred_uuid, 16), 0);
    h_cred = reg_read(m, REG(RESULT));
    CU_ASSERT_EQUAL(cmd(C_CHAR, BLE_PROP_READ | BLE_PROP_NOTIFY, 64, stat_uuid, 16), 0);
    h_stat = reg_read(m, REG(RESULT));
    /* value handles follow their declarations; a notifying one has a CCCD */
    CU_ASSERT_EQUAL(h_info, 3);
    CU_ASSERT_EQUAL(h_cred, 5);
    CU_ASSERT_EQUAL(h_stat, 7);
    CU_ASSERT_EQUAL(cmd(C_SET_VALUE, h_info, 0, "INFO", 4), 0);
    CU_ASSERT_EQUAL(cmd(C_SET_ADV, 0, 0, adv, sizeof(adv)), 0);
    CU_ASSERT_EQUAL(cmd(C_ADV_START, 0, 0, NULL, 0), 0);
}

static void identity_table_and_advertising(void)
{
    size_t n, len;
    struct ble_attr a[BLE_ATTRS_MAX];
    uint8_t adv[BLE_ADV_MAX];
    static const uint8_t bad_adv[] = { 5, 0x09, 'l', 'a' }; /* length runs past the end */

    CU_ASSERT_EQUAL(reg_read(m, REG(ID)), 0x31454C42u);
    CU_ASSERT_FALSE(ble_radio_advertising(r));
    CU_ASSERT_EQUAL(cmd(C_SERVICE, 0, 0, svc_uuid, 16), 5); /* E_STATE: radio off */
    changed = 0;
    build_table();
    CU_ASSERT_TRUE(changed >= 5);
    CU_ASSERT_TRUE(ble_radio_advertising(r));
    CU_ASSERT_EQUAL(reg_read(m, REG(STATUS)) & 1, 1);
    n = ble_radio_attributes(r, a);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_TRUE(a[0].is_service);
    CU_ASSERT_EQUAL(a[3].handle, h_stat);
    CU_ASSERT_EQUAL(a[3].service, 1);
    CU_ASSERT_EQUAL(memcmp(a[2].uuid, cred_uuid, 16), 0);
    len = ble_radio_adv_data(r, adv);
    CU_ASSERT_EQUAL(len, 9);
    /* what the firmware gets wrong is refused, not half applied */
    CU_ASSERT_EQUAL(cmd(C_SET_ADV, 0, 0, bad_adv, sizeof(bad_adv)), 2);
    len = ble_radio_adv_data(r, adv);
    CU_ASSERT_EQUAL(len, 9);
    CU_ASSERT_EQUAL(cmd(C_CHAR, BLE_PROP_READ, 8, info_uuid, 16), 5); /* table frozen while visible */
    CU_ASSERT_EQUAL(cmd(C_SET_VALUE, 99, 0, "x", 1), 4);               /* no such handle */
    CU_ASSERT_EQUAL(cmd(C_SET_VALUE, h_info, 0, "0123456789012345678901234567890123456789"
                        "0123456789012345678", 59), 2);                /* over max_len */
    CU_ASSERT_EQUAL(cmd(77, 0, 0, NULL, 0), 1);
    CU_ASSERT_EQUAL(pop(), 0);
    CU_ASSERT_EQUAL(reg_read(m, REG(ERRCODE)), 7); /* nothing queued */
}

static void central_connects_reads_writes_and_subscribes(void)
{
    uint8_t v[BLE_VALUE_MAX];
    size_t len;
    uint8_t big[300] = { 0 };

    CU_ASSERT_EQUAL(ble_radio_read(r, h_info, v, &len), BLE_E_NOT_CONNECTED);
    CU_ASSERT_EQUAL(ble_radio_connect(r, 247), BLE_OK);
    CU_ASSERT_EQUAL(ble_radio_connect(r, 247), BLE_E_BUSY); /* one central at a time */
    CU_ASSERT_FALSE(ble_radio_advertising(r));
    CU_ASSERT_EQUAL(reg_read(m, REG(MTU)), 247);
    CU_ASSERT_TRUE(m->irq_level[IRQ_BLE]);
    CU_ASSERT_EQUAL(pop(), EV_CONNECTED);
    CU_ASSERT_EQUAL(reg_read(m, REG(ARG0)), 247);
    CU_ASSERT_FALSE(m->irq_level[IRQ_BLE]);

    CU_ASSERT_EQUAL(ble_radio_read(r, h_info, v, &len), BLE_OK);
    CU_ASSERT_EQUAL(len, 4);
    CU_ASSERT_EQUAL(memcmp(v, "INFO", 4), 0);
    CU_ASSERT_EQUAL(ble_radio_read(r, h_cred, v, &len), BLE_E_NOT_PERMITTED);
    CU_ASSERT_EQUAL(ble_radio_write(r, h_info, (const uint8_t *)"x", 1), BLE_E_NOT_PERMITTED);
    CU_ASSERT_EQUAL(ble_radio_write(r, 42, (const uint8_t *)"x", 1), BLE_E_HANDLE);
    CU_ASSERT_EQUAL(ble_radio_write(r, h_cred, big, sizeof(big)), BLE_E_LENGTH);

    CU_ASSERT_EQUAL(ble_radio_write(r, h_cred, (const uint8_t *)"blob-bytes", 10), BLE_OK);
    CU_ASSERT_EQUAL(reg_read(m, REG(EVCOUNT)), 1);
    CU_ASSERT_EQUAL(pop(), EV_WRITE);
    CU_ASSERT_EQUAL(reg_read(m, REG(ARG0)), h_cred);
    CU_ASSERT_EQUAL(reg_read(m, REG(ARG1)), 10);
    CU_ASSERT_EQUAL(memcmp(machine_sram_range(m, A_OUT, 10), "blob-bytes", 10), 0);

    /* no notification before the central subscribes */
    notified_len = 0;
    CU_ASSERT_EQUAL(cmd(C_NOTIFY, h_stat, 0, "early", 5), 0);
    CU_ASSERT_EQUAL(reg_read(m, REG(RESULT)), 0);
    CU_ASSERT_EQUAL(notified_len, 0);
    CU_ASSERT_EQUAL(ble_radio_subscribe(r, h_info, true), BLE_E_NOT_PERMITTED);
    CU_ASSERT_EQUAL(ble_radio_subscribe(r, h_stat, true), BLE_OK);
    CU_ASSERT_EQUAL(pop(), EV_SUBSCRIBE);
    CU_ASSERT_EQUAL(*machine_sram_range(m, A_OUT, 1), 1);
    CU_ASSERT_EQUAL(cmd(C_NOTIFY, h_stat, 0, "accepted n=1", 12), 0);
    CU_ASSERT_EQUAL(reg_read(m, REG(RESULT)), 1);
    CU_ASSERT_EQUAL(notified_handle, h_stat);
    CU_ASSERT_EQUAL(notified_len, 12);
    CU_ASSERT_EQUAL(memcmp(notified, "accepted n=1", 12), 0);
    /* the notified value is also what a read returns */
    CU_ASSERT_EQUAL(ble_radio_read(r, h_stat, v, &len), BLE_OK);
    CU_ASSERT_EQUAL(len, 12);
}

static gpointer write_from_thread(gpointer data)
{
    (void)data;
    return GINT_TO_POINTER(ble_radio_write(r, h_cred, (const uint8_t *)"thread", 6));
}

/* A fleet's central runs on another thread than the lamp: the request is
 * queued at once, and the interrupt is raised on the lamp's own thread. */
static void central_on_another_thread_reaches_the_lamp_through_its_loop(void)
{
    GThread *t = g_thread_new("central", write_from_thread, NULL);

    CU_ASSERT_EQUAL(GPOINTER_TO_INT(g_thread_join(t)), BLE_OK);
    CU_ASSERT_EQUAL(reg_read(m, REG(EVCOUNT)), 1);
    CU_ASSERT_FALSE(m->irq_level[IRQ_BLE]);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    CU_ASSERT_TRUE(m->irq_level[IRQ_BLE]);
    CU_ASSERT_EQUAL(pop(), EV_WRITE);
    CU_ASSERT_EQUAL(memcmp(machine_sram_range(m, A_OUT, 6), "thread", 6), 0);
}

static void full_queue_refuses_writes_and_links_end_both_ways(void)
{
    unsigned accepted = 0;

    for (int i = 0; i < 20; i++)
        if (ble_radio_write(r, h_cred, (const uint8_t *)"w", 1) == BLE_OK)
            accepted++;
    CU_ASSERT_EQUAL(accepted, 16);
    CU_ASSERT_EQUAL(ble_radio_write(r, h_cred, (const uint8_t *)"w", 1), BLE_E_BUSY);
    for (unsigned i = 0; i < accepted; i++)
        CU_ASSERT_EQUAL(pop(), EV_WRITE);

    /* the central leaves: the firmware hears it, the medium is not told */
    link_lost = 0;
    ble_radio_disconnect(r);
    CU_ASSERT_FALSE(ble_radio_connected(r));
    CU_ASSERT_EQUAL(pop(), EV_DISCONNECTED);
    CU_ASSERT_EQUAL(link_lost, 0);

    /* the lamp ends a link: the medium is told */
    CU_ASSERT_EQUAL(cmd(C_ADV_START, 0, 0, NULL, 0), 0);
    CU_ASSERT_EQUAL(ble_radio_connect(r, 10), BLE_OK);
    CU_ASSERT_EQUAL(reg_read(m, REG(MTU)), 23); /* below the minimum: the default */
    CU_ASSERT_EQUAL(pop(), EV_CONNECTED);
    CU_ASSERT_EQUAL(cmd(C_DISCONNECT, 0, 0, NULL, 0), 0);
    CU_ASSERT_EQUAL(link_lost, 1);
    CU_ASSERT_EQUAL(pop(), EV_DISCONNECTED);

    /* a power cut drops the link, the table and the advertising */
    CU_ASSERT_EQUAL(cmd(C_ADV_START, 0, 0, NULL, 0), 0);
    CU_ASSERT_EQUAL(ble_radio_connect(r, 100), BLE_OK);
    link_lost = 0;
    machine_power_off(m, "test");
    CU_ASSERT_EQUAL(link_lost, 1);
    CU_ASSERT_FALSE(ble_radio_connected(r));
    CU_ASSERT_FALSE(ble_radio_advertising(r));
    struct ble_attr table[BLE_ATTRS_MAX];
    CU_ASSERT_EQUAL(ble_radio_attributes(r, table), 0);
    CU_ASSERT_EQUAL(reg_read(m, REG(EVCOUNT)), 0);
}

static void uuid_text_round_trip(void)
{
    uint8_t u[16];
    char text[37];

    CU_ASSERT_TRUE(ble_uuid_parse("a7c30003-5c1e-4d6b-9a0f-6c616d700000", u));
    CU_ASSERT_EQUAL(u[0], 0xa7);
    CU_ASSERT_EQUAL(u[3], 0x03);
    CU_ASSERT_EQUAL(u[15], 0x00);
    ble_uuid_format(u, text);
    CU_ASSERT_STRING_EQUAL(text, "a7c30003-5c1e-4d6b-9a0f-6c616d700000");
    CU_ASSERT_FALSE(ble_uuid_parse("a7c30003-5c1e-4d6b-9a0f-6c616d70000", u));
    CU_ASSERT_FALSE(ble_uuid_parse("a7c30003x5c1e-4d6b-9a0f-6c616d700000", u));
    CU_ASSERT_FALSE(ble_uuid_parse("g7c30003-5c1e-4d6b-9a0f-6c616d700000", u));
}

/* commission_format.h writes each commissioning UUID twice, as the bytes
 * the firmware gives the controller and as the text a central names it
 * by: the two must be the same UUID. */
static void commission_uuid_bytes_and_text_agree(void)
{
    static const struct {
        uint8_t bytes[16];
        const char *text;
    } uuids[] = {
        { COMMISSION_UUID_BYTES(COMMISSION_SERVICE_N), COMMISSION_SERVICE_UUID },
        { COMMISSION_UUID_BYTES(COMMISSION_INFO_N), COMMISSION_INFO_UUID },
        { COMMISSION_UUID_BYTES(COMMISSION_CREDS_N), COMMISSION_CREDS_UUID },
        { COMMISSION_UUID_BYTES(COMMISSION_STATUS_N), COMMISSION_STATUS_UUID },
    };
    char text[37];

    for (size_t i = 0; i < G_N_ELEMENTS(uuids); i++) {
        ble_uuid_format(uuids[i].bytes, text);
        CU_ASSERT_STRING_EQUAL(text, uuids[i].text);
    }
}

/* ---- broadcast advertising sets (docs/hardware.md#advertising-sets) ---- */

/* Runs an ADVSET_* command on set; returns ERRCODE. */
static uint32_t set_cmd(uint32_t c, uint32_t set, uint32_t interval, int32_t power,
                        const void *data, uint32_t len)
{
    reg_write(m, REG(BLE_REG_ARG2), (uint32_t)power);
    return cmd(c, set, interval, data, len);
}

/* Flags, then manufacturer data: any well-formed AD does for the model. */
static const uint8_t beacon_a[] = { 2, 0x01, 0x06, 5, 0xFF, 0x4C, 0x00, 0x02, 0x15 };
static const uint8_t beacon_b[] = { 3, 0x03, 0xAA, 0xFE, 4, 0x16, 0xAA, 0xFE, 0x00 };

static const struct ble_adv_set *find_set(const struct ble_adv_set *sets, size_t n, unsigned id)
{
    for (size_t i = 0; i < n; i++)
        if (sets[i].id == id)
            return &sets[i];
    return NULL;
}

static void broadcast_sets_carry_their_own_data_interval_and_power(void)
{
    struct ble_adv_set sets[BLE_ADV_SETS];
    const struct ble_adv_set *s;
    static const uint8_t adv[] = { 5, 0x09, 'l', 'a', 'm', 'p' };
    size_t n;

    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSETS)), BLE_ADV_SETS);
    reg_write(m, REG(CTRL), BLE_CTRL_EN | BLE_CTRL_IE);
    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSET_EN)), 0);
    changed = 0;
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_PARAMS, 1, 100, -12, NULL, 0), 0);
    CU_ASSERT_EQUAL((int32_t)reg_read(m, REG(RESULT)), -12);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_DATA, 1, 0, 0, beacon_a, sizeof(beacon_a)), 0);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_START, 1, 0, 0, NULL, 0), 0);
    CU_ASSERT_TRUE(strstr(bench_last_log(), "not timed") != NULL); /* says what it skips */
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_PARAMS, 2, 1000, BLE_TX_POWER_NO_PREFERENCE, NULL, 0), 0);
    CU_ASSERT_EQUAL((int32_t)reg_read(m, REG(RESULT)), BLE_TX_POWER_DEFAULT);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_DATA, 2, 0, 0, beacon_b, sizeof(beacon_b)), 0);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_START, 2, 0, 0, NULL, 0), 0);
    CU_ASSERT_TRUE(changed >= 4); /* data and starts reach the medium */

    /* broadcast sets only: the lamp is not connectable */
    CU_ASSERT_FALSE(ble_radio_advertising(r));
    CU_ASSERT_EQUAL(reg_read(m, REG(STATUS)) & BLE_STATUS_ADV, 0);
    n = ble_radio_adv_sets(r, sets);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(sets[0].id, 1);
    CU_ASSERT_FALSE(sets[0].connectable);
    CU_ASSERT_EQUAL(sets[0].interval_ms, 100);
    CU_ASSERT_EQUAL(sets[0].tx_power, -12);
    CU_ASSERT_EQUAL(sets[0].len, sizeof(beacon_a));
    CU_ASSERT_EQUAL(memcmp(sets[0].data, beacon_a, sizeof(beacon_a)), 0);
    CU_ASSERT_EQUAL(sets[1].id, 2);
    CU_ASSERT_EQUAL(sets[1].interval_ms, 1000);
    CU_ASSERT_EQUAL(sets[1].len, sizeof(beacon_b));
    CU_ASSERT_EQUAL(memcmp(sets[1].data, beacon_b, sizeof(beacon_b)), 0);

    /* set 0 joins them, with its fixed parameters, and stays apart */
    CU_ASSERT_EQUAL(cmd(C_SET_ADV, 0, 0, adv, sizeof(adv)), 0);
    CU_ASSERT_EQUAL(cmd(C_ADV_START, 0, 0, NULL, 0), 0);
    n = ble_radio_adv_sets(r, sets);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(sets[0].id, 0);
    CU_ASSERT_TRUE(sets[0].connectable);
    CU_ASSERT_EQUAL(sets[0].interval_ms, BLE_ADV_INTERVAL_DEFAULT_MS);
    CU_ASSERT_EQUAL(sets[0].tx_power, BLE_TX_POWER_DEFAULT);
    CU_ASSERT_EQUAL(sets[0].len, sizeof(adv));
    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSET_EN)), 0x7);
    s = find_set(sets, n, 1);
    CU_ASSERT_TRUE(s && s->len == sizeof(beacon_a));

    /* new data while on replaces the old at once; a stop takes one set off */
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_DATA, 1, 0, 0, beacon_b, sizeof(beacon_b)), 0);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_STOP, 2, 0, 0, NULL, 0), 0);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_STOP, 2, 0, 0, NULL, 0), 0); /* already off: fine */
    n = ble_radio_adv_sets(r, sets);
    CU_ASSERT_EQUAL(n, 2);
    s = find_set(sets, n, 1);
    CU_ASSERT_TRUE(s && s->len == sizeof(beacon_b) && !memcmp(s->data, beacon_b, s->len));
    CU_ASSERT_PTR_NULL(find_set(sets, n, 2));
    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSET_EN)), 0x3);
}

/* What a controller refuses, refused without touching the set. */
static void set_commands_refuse_bad_sets_ranges_and_states(void)
{
    static const uint8_t too_long[32] = { 31, 0xFF };
    static const uint8_t malformed[] = { 4, 0xFF, 0x4C };
    static const struct {
        const char *what;
        uint32_t cmd, set, interval;
        int32_t power;
        const uint8_t *data;
        uint32_t len;
        uint32_t err;
        int32_t selected; /* PARAMS that pass: the power the radio chose */
    } cases[] = {
        { "set 0 has its own commands", BLE_CMD_ADVSET_PARAMS, 0, 100, 0, NULL, 0, BLE_ERR_HANDLE, 0 },
        { "no set 4", BLE_CMD_ADVSET_START, BLE_ADV_SETS, 0, 0, NULL, 0, BLE_ERR_HANDLE, 0 },
        { "no set 4 for data", BLE_CMD_ADVSET_DATA, BLE_ADV_SETS, 0, 0, beacon_a, 9, BLE_ERR_HANDLE, 0 },
        { "started before its parameters", BLE_CMD_ADVSET_START, 3, 0, 0, NULL, 0, BLE_ERR_STATE, 0 },
        { "interval under 20 ms", BLE_CMD_ADVSET_PARAMS, 3, 19, 0, NULL, 0, BLE_ERR_RANGE, 0 },
        { "interval over 10.24 s", BLE_CMD_ADVSET_PARAMS, 3, 10241, 0, NULL, 0, BLE_ERR_RANGE, 0 },
        { "power under -127 dBm", BLE_CMD_ADVSET_PARAMS, 3, 100, -128, NULL, 0, BLE_ERR_RANGE, 0 },
        { "power over +20 dBm", BLE_CMD_ADVSET_PARAMS, 3, 100, 21, NULL, 0, BLE_ERR_RANGE, 0 },
        { "-127 dBm: the radio's lowest", BLE_CMD_ADVSET_PARAMS, 3, 20, -127, NULL, 0, 0, BLE_TX_POWER_MIN },
        { "+20 dBm: the radio's highest", BLE_CMD_ADVSET_PARAMS, 3, 10240, 20, NULL, 0, 0, BLE_TX_POWER_MAX },
        { "+4 dBm: as asked", BLE_CMD_ADVSET_PARAMS, 3, 250, 4, NULL, 0, 0, 4 },
        { "data over 31 bytes", BLE_CMD_ADVSET_DATA, 3, 0, 0, too_long, 32, BLE_ERR_LEN, 0 },
        { "data whose lengths run past its end", BLE_CMD_ADVSET_DATA, 3, 0, 0, malformed, 3, BLE_ERR_LEN, 0 },
        { "good data", BLE_CMD_ADVSET_DATA, 3, 0, 0, beacon_a, 9, 0, 0 },
        { "started", BLE_CMD_ADVSET_START, 3, 0, 0, NULL, 0, 0, 0 },
        { "parameters while on", BLE_CMD_ADVSET_PARAMS, 3, 100, 0, NULL, 0, BLE_ERR_STATE, 0 },
        { "bad data while on", BLE_CMD_ADVSET_DATA, 3, 0, 0, malformed, 3, BLE_ERR_LEN, 0 },
    };
    struct ble_adv_set sets[BLE_ADV_SETS];
    const struct ble_adv_set *s;
    size_t n;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint32_t err = set_cmd(cases[i].cmd, cases[i].set, cases[i].interval, cases[i].power,
                               cases[i].data, cases[i].len);
        if (err != cases[i].err)
            fprintf(stderr, "case '%s': ERRCODE %u, want %u\n", cases[i].what, err, cases[i].err);
        CU_ASSERT_EQUAL(err, cases[i].err);
        CU_ASSERT_EQUAL((reg_read(m, REG(STATUS)) & BLE_STATUS_ERR) != 0, cases[i].err != 0);
        if (cases[i].cmd == BLE_CMD_ADVSET_PARAMS && !cases[i].err)
            CU_ASSERT_EQUAL((int32_t)reg_read(m, REG(RESULT)), cases[i].selected);
    }
    /* the set kept its last good parameters and data */
    n = ble_radio_adv_sets(r, sets);
    s = find_set(sets, n, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->interval_ms, 250);
    CU_ASSERT_EQUAL(s->tx_power, 4);
    CU_ASSERT_EQUAL(s->len, 9);
    CU_ASSERT_EQUAL(memcmp(s->data, beacon_a, 9), 0);
    /* data outside SRAM */
    reg_write(m, REG(BUF), 0x00000100);
    reg_write(m, REG(LEN), 9);
    reg_write(m, REG(ARG0), 3);
    reg_write(m, REG(CMD), BLE_CMD_ADVSET_DATA);
    CU_ASSERT_EQUAL(reg_read(m, REG(ERRCODE)), BLE_ERR_ADDR);
}

static void a_link_stops_set_0_only_and_power_off_forgets_every_set(void)
{
    struct ble_adv_set sets[BLE_ADV_SETS];

    /* sets 0, 1 and 3 are on from the tests above */
    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSET_EN)), 0xB);
    CU_ASSERT_EQUAL(ble_radio_connect(r, 100), BLE_OK);
    CU_ASSERT_EQUAL(pop(), EV_CONNECTED);
    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSET_EN)), 0xA); /* beacons go on through a link */
    CU_ASSERT_EQUAL(ble_radio_adv_sets(r, sets), 2);
    CU_ASSERT_EQUAL(reg_read(m, REG(EVCOUNT)), 0); /* broadcast sets raise no events */

    /* radio off: the link and every set stop; parameters and data stay */
    link_lost = 0;
    reg_write(m, REG(CTRL), 0);
    CU_ASSERT_EQUAL(link_lost, 1);
    CU_ASSERT_EQUAL(ble_radio_adv_sets(r, sets), 0);
    reg_write(m, REG(CTRL), BLE_CTRL_EN | BLE_CTRL_IE);
    CU_ASSERT_EQUAL(reg_read(m, REG(BLE_REG_ADVSET_EN)), 0);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_START, 1, 0, 0, NULL, 0), 0);
    CU_ASSERT_EQUAL(ble_radio_adv_sets(r, sets), 1);
    CU_ASSERT_EQUAL(sets[0].len, sizeof(beacon_b));

    /* a power cut forgets them: parameters must be given again */
    changed = 0;
    machine_power_off(m, "test");
    CU_ASSERT_TRUE(changed >= 1);
    CU_ASSERT_EQUAL(ble_radio_adv_sets(r, sets), 0);
    reg_write(m, REG(CTRL), BLE_CTRL_EN);
    CU_ASSERT_EQUAL(set_cmd(BLE_CMD_ADVSET_START, 1, 0, 0, NULL, 0), BLE_ERR_STATE);
}

int main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("ble", setup, teardown);
    CU_add_test(s, "identity_table_and_advertising", identity_table_and_advertising);
    CU_add_test(s, "central_connects_reads_writes_and_subscribes",
                central_connects_reads_writes_and_subscribes);
    CU_add_test(s, "central_on_another_thread_reaches_the_lamp_through_its_loop",
                central_on_another_thread_reaches_the_lamp_through_its_loop);
    CU_add_test(s, "full_queue_refuses_writes_and_links_end_both_ways",
                full_queue_refuses_writes_and_links_end_both_ways);
    CU_add_test(s, "uuid_text_round_trip", uuid_text_round_trip);
    CU_add_test(s, "commission_uuid_bytes_and_text_agree", commission_uuid_bytes_and_text_agree);
    s = CU_add_suite("ble_sets", setup, teardown);
    CU_add_test(s, "broadcast_sets_carry_their_own_data_interval_and_power",
                broadcast_sets_carry_their_own_data_interval_and_power);
    CU_add_test(s, "set_commands_refuse_bad_sets_ranges_and_states",
                set_commands_refuse_bad_sets_ranges_and_states);
    CU_add_test(s, "a_link_stops_set_0_only_and_power_off_forgets_every_set",
                a_link_stops_set_0_only_and_power_off_forgets_every_set);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
