/* tests/firmware/beacon_exerciser.c: a test firmware that puts the BLE
 * driver's advertising sets (firmware/drivers/ble.c) and the beacon frame
 * builder (firmware/lib/beacon_frame.c) under console control, so that
 * scenarios and the BlueZ tests reach them on the lamp's own CPU before the
 * application uses them.  Booted with `lampsim run --external-boot` or a
 * scenario's external_boot.  One command a line, one answer a line:
 *
 *   params SET INTERVAL_MS TX_DBM      beacon: ok selected TX_DBM
 *   ibeacon SET UUID MAJOR MINOR POWER beacon: ok 30 bytes
 *   eddystone SET NAMESPACE INSTANCE POWER
 *   raw SET HEX                        advertising data as given
 *   start SET, stop SET                beacon: ok
 *   adv NAME                           set 0: the name and the commissioning UUID
 *
 * Failures: "beacon: err N" (the controller's ERRCODE), "beacon: frame
 * refused" (the builder's range check), "beacon: usage". */
#include "beacon_frame.h"
#include "ble.h"
#include "commission_format.h"
#include "hw.h"
#include "uart.h"

#include <stdbool.h>
#include <string.h>

#define LINE_MAX 128

static const char *next_word(char **p)
{
    char *w;

    while (**p == ' ')
        (*p)++;
    if (!**p)
        return NULL;
    w = *p;
    while (**p && **p != ' ')
        (*p)++;
    if (**p)
        *(*p)++ = 0;
    return w;
}

static bool parse_int(const char *w, long min, long max, long *out)
{
    bool neg = w && *w == '-';
    long v = 0;

    if (!w)
        return false;
    if (neg)
        w++;
    if (!*w)
        return false;
    for (; *w; w++) {
        if (*w < '0' || *w > '9' || v > 100000000)
            return false;
        v = v * 10 + (*w - '0');
    }
    v = neg ? -v : v;
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex digits (dashes skipped, as in a UUID) into out; the byte count, or
 * -1 when not hex or longer than cap. */
static int parse_hex(const char *w, uint8_t *out, unsigned cap)
{
    unsigned n = 0;
    int hi = -1;

    if (!w)
        return -1;
    for (; *w; w++) {
        int d = *w == '-' ? -2 : hex_digit(*w);
        if (d == -2)
            continue;
        if (d < 0)
            return -1;
        if (hi < 0) {
            hi = d;
            continue;
        }
        if (n == cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | d);
        hi = -1;
    }
    return hi < 0 ? (int)n : -1;
}

static void answer_err(uint32_t err)
{
    uart_puts("beacon: err ");
    uart_put_dec(err);
    uart_putc('\n');
}

/* Frame (or raw data) of len bytes (< 0: the builder refused) into set. */
static void put_data(long set, const uint8_t *data, int len)
{
    uint32_t err;

    if (len < 0) {
        uart_puts("beacon: frame refused\n");
        return;
    }
    err = ble_adv_set_data((unsigned)set, data, (uint32_t)len);
    if (err) {
        answer_err(err);
        return;
    }
    uart_puts("beacon: ok ");
    uart_put_dec((uint32_t)len);
    uart_puts(" bytes\n");
}

static bool cmd_params(char *p)
{
    long set, interval, tx;
    int selected = 0;
    uint32_t err;

    if (!parse_int(next_word(&p), 0, 255, &set) || !parse_int(next_word(&p), 0, 100000, &interval) ||
        !parse_int(next_word(&p), -1000, 1000, &tx))
        return false;
    err = ble_adv_set_params((unsigned)set, (uint32_t)interval, (int)tx, &selected);
    if (err) {
        answer_err(err);
        return true;
    }
    uart_puts("beacon: ok selected ");
    if (selected < 0)
        uart_putc('-');
    uart_put_dec((uint32_t)(selected < 0 ? -selected : selected));
    uart_putc('\n');
    return true;
}

static bool cmd_ibeacon(char *p)
{
    struct ibeacon_id id;
    uint8_t frame[BLE_ADV_MAX];
    long set, major, minor, power;

    if (!parse_int(next_word(&p), 0, 255, &set) ||
        parse_hex(next_word(&p), id.uuid, sizeof(id.uuid)) != (int)sizeof(id.uuid) ||
        !parse_int(next_word(&p), 0, 65535, &major) || !parse_int(next_word(&p), 0, 65535, &minor) ||
        !parse_int(next_word(&p), -128, 127, &power))
        return false;
    id.major = (uint16_t)major;
    id.minor = (uint16_t)minor;
    id.measured_power = (int8_t)power;
    put_data(set, frame, beacon_ibeacon_frame(&id, frame));
    return true;
}

static bool cmd_eddystone(char *p)
{
    struct eddystone_uid_id id;
    uint8_t frame[BLE_ADV_MAX];
    long set, power;

    if (!parse_int(next_word(&p), 0, 255, &set) ||
        parse_hex(next_word(&p), id.namespace_id, sizeof(id.namespace_id)) !=
            (int)sizeof(id.namespace_id) ||
        parse_hex(next_word(&p), id.instance_id, sizeof(id.instance_id)) !=
            (int)sizeof(id.instance_id) ||
        !parse_int(next_word(&p), -128, 127, &power))
        return false;
    id.ranging_power = (int8_t)power;
    put_data(set, frame, beacon_eddystone_uid_frame(&id, frame));
    return true;
}

static bool cmd_raw(char *p)
{
    uint8_t data[40]; /* more than a set holds: the controller judges the length */
    long set;
    int n;

    if (!parse_int(next_word(&p), 0, 255, &set) || (n = parse_hex(next_word(&p), data, sizeof(data))) < 0)
        return false;
    put_data(set, data, n);
    return true;
}

static bool cmd_start_stop(char *p, bool on)
{
    long set;
    uint32_t err;

    if (!parse_int(next_word(&p), 0, 255, &set))
        return false;
    err = ble_adv_set_enable((unsigned)set, on);
    if (err)
        answer_err(err);
    else
        uart_puts("beacon: ok\n");
    return true;
}

/* Set 0 as the application has it: a name and the commissioning service. */
static bool cmd_adv(char *p)
{
    static const uint8_t service[16] = COMMISSION_UUID_BYTES(COMMISSION_SERVICE_N);
    const char *name = next_word(&p);
    uint8_t adv[BLE_ADV_MAX];
    size_t n, i = 0;
    uint32_t err;

    if (!name || (n = strlen(name)) > BLE_ADV_MAX - 2u - 18u)
        return false;
    adv[i++] = (uint8_t)(1 + n);
    adv[i++] = AD_TYPE_NAME_COMPLETE;
    memcpy(adv + i, name, n);
    i += n;
    adv[i++] = 17;
    adv[i++] = AD_TYPE_UUID128_ALL;
    for (int b = 15; b >= 0; b--) /* AD data is little endian */
        adv[i++] = service[b];
    err = ble_set_adv(adv, (uint32_t)i);
    if (!err)
        err = ble_advertise(true);
    if (err)
        answer_err(err);
    else
        uart_puts("beacon: ok\n");
    return true;
}

static void handle(char *line)
{
    char *p = line;
    const char *cmd = next_word(&p);
    bool ok = true;

    if (!cmd)
        return;
    if (!strcmp(cmd, "params"))
        ok = cmd_params(p);
    else if (!strcmp(cmd, "ibeacon"))
        ok = cmd_ibeacon(p);
    else if (!strcmp(cmd, "eddystone"))
        ok = cmd_eddystone(p);
    else if (!strcmp(cmd, "raw"))
        ok = cmd_raw(p);
    else if (!strcmp(cmd, "start") || !strcmp(cmd, "stop"))
        ok = cmd_start_stop(p, cmd[2] == 'a');
    else if (!strcmp(cmd, "adv"))
        ok = cmd_adv(p);
    else
        ok = false;
    if (!ok)
        uart_puts("beacon: usage: params|ibeacon|eddystone|raw|start|stop|adv (see the source)\n");
}

/* A console line, sleeping until its bytes come; events from a central
 * are left queued (no GATT table: nothing to answer). */
static void read_line(char *buf, unsigned cap)
{
    unsigned n = 0;

    for (;;) {
        int c = uart_getc();
        if (c < 0) {
            __asm volatile("wfi");
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (n)
                break;
            continue;
        }
        if (n + 1 < cap)
            buf[n++] = (char)c;
    }
    buf[n] = 0;
}

void TIMER0_IRQHandler(void);
void TIMER0_IRQHandler(void)
{
    TIMER_SR = TIMER_SR_EXPIRED;
}

/* A wake-up every second, as the application has one: a lamp asleep with
 * no timer armed is one a deterministic run (the scenarios) cannot
 * type into. */
static void start_wakeup_timer(void)
{
    TIMER_LOAD = 1000u * TIMER_TICKS_PER_MS;
    TIMER_CR = TIMER_CR_EN | TIMER_CR_IE | TIMER_CR_PERIODIC;
    NVIC_ISER0 = 1u << IRQ_TIMER0;
}

int main(void)
{
    static char line[LINE_MAX];

    uart_init(true);
    start_wakeup_timer();
    uart_puts("beacon exerciser: ");
    if (!ble_init()) {
        uart_puts("no BLE controller\n");
        return 0;
    }
    uart_put_dec(ble_adv_sets());
    uart_puts(" advertising sets\n");
    for (;;) {
        uart_puts("lamp> ");
        read_line(line, sizeof(line));
        uart_puts(line); /* the echo a terminal shows: the answer gets its own line */
        uart_putc('\n');
        handle(line);
    }
}
