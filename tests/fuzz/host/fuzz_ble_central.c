/* Fuzz target: the BLE medium's central socket protocol (blebridge/
 * medium.c, docs/ble.md#the-central-socket): a central's command lines,
 * against a medium with one lamp on it, its BLE controller (emu/ble.c)
 * set up through its registers as the firmware would: the commissioning
 * service (info readable, credentials writable, status readable and
 * notifying), connectable advertising and an iBeacon set.  The medium and
 * the lamp live on this thread; the central writes to memory instead of
 * a socket.  Input: lines as a central sends them ("@lamp@" stands for the
 * lamp's address, which the fuzzer could not guess).  After each input
 * the central goes (its links with it), the lamp's event queue is emptied
 * and its advertising started again, as its firmware would, so every input meets the same lamp.
 * Beyond crashes it checks the protocol's promise: each command line
 * gets exactly one final reply ("ok..." or "err ..."), and every line
 * written is one the protocol defines. */
#include "ble.h"
#include "ble_hw.h"
#include "commission_format.h"
#include "hex.h"
#include "medium.h"
#include "periph_harness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define A_IN (SRAM_BASE + 0x1000)
#define REG(off) (BLE_BASE + (off))
/* a name and the commissioning service's UUID (little endian in AD) */
#define ADV_HEX "0509" "4c4d5031" "1107" "0000706d616c0f9a6b4d1e5c0100c3a7"
#define IBEACON_HEX "0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010002c5"

static struct ble_medium *md;
static struct machine *lamp;
static char addr[18];

static uint32_t run_cmd(uint32_t c, uint32_t a0, uint32_t a1, const uint8_t *buf, size_t len)
{
    if (len)
        memcpy(machine_sram_range_rw(lamp, A_IN, (uint32_t)len), buf, len);
    reg_write(lamp, REG(BLE_REG_ARG0), a0);
    reg_write(lamp, REG(BLE_REG_ARG1), a1);
    reg_write(lamp, REG(BLE_REG_BUF), A_IN);
    reg_write(lamp, REG(BLE_REG_LEN), (uint32_t)len);
    reg_write(lamp, REG(BLE_REG_CMD), c);
    if (c != BLE_CMD_EVENT_POP && reg_read(lamp, REG(BLE_REG_ERRCODE)) != 0) {
        fprintf(stderr, "fuzz_ble_central: BLE command %u refused (error %u)\n", c,
                reg_read(lamp, REG(BLE_REG_ERRCODE)));
        exit(1);
    }
    return reg_read(lamp, REG(BLE_REG_RESULT));
}

static void run_hex(uint32_t c, uint32_t a0, uint32_t a1, const char *hex)
{
    uint8_t buf[BLE_ADV_MAX];
    size_t len = strlen(hex) / 2;

    if (len > sizeof(buf) || !hex_decode(hex, buf, len))
        abort();
    run_cmd(c, a0, a1, buf, len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint8_t service[16] = COMMISSION_UUID_BYTES(COMMISSION_SERVICE_N);
    static const uint8_t info[16] = COMMISSION_UUID_BYTES(COMMISSION_INFO_N);
    static const uint8_t creds[16] = COMMISSION_UUID_BYTES(COMMISSION_CREDS_N);
    static const uint8_t status[16] = COMMISSION_UUID_BYTES(COMMISSION_STATUS_N);
    static const uint8_t info_value[COMMISSION_INFO_LEN] = { COMMISSION_INFO_VERSION };
    char *dir = bench_tmpdir();
    g_autoptr(GError) error = NULL;
    uint32_t handle;

    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    md = ble_medium_new();
    if (!dir || !(lamp = bench_machine_new(dir, 5, &error))) {
        fprintf(stderr, "fuzz_ble_central: a lamp in %s: %s\n", dir ? dir : "(no directory)",
                error ? error->message : "failed");
        exit(1);
    }
    lamp->cfg.ble_ops = &ble_medium_radio_ops;
    lamp->cfg.ble_medium = md;
    reg_write(lamp, REG(BLE_REG_CTRL), BLE_CTRL_EN | BLE_CTRL_IE);
    run_cmd(BLE_CMD_ADD_SERVICE, 0, 0, service, sizeof(service));
    handle = run_cmd(BLE_CMD_ADD_CHAR, 0x02, COMMISSION_INFO_LEN, info, sizeof(info));
    run_cmd(BLE_CMD_SET_VALUE, handle, 0, info_value, sizeof(info_value));
    run_cmd(BLE_CMD_ADD_CHAR, 0x08, COMMISSION_BLOB_MAX, creds, sizeof(creds));
    run_cmd(BLE_CMD_ADD_CHAR, 0x12, COMMISSION_STATUS_MAX, status, sizeof(status));
    run_hex(BLE_CMD_SET_ADV, 0, 0, ADV_HEX);
    run_cmd(BLE_CMD_ADV_START, 0, 0, NULL, 0);
    run_cmd(BLE_CMD_ADVSET_PARAMS, 1, 100, NULL, 0);
    run_hex(BLE_CMD_ADVSET_DATA, 1, 0, IBEACON_HEX);
    run_cmd(BLE_CMD_ADVSET_START, 1, 0, NULL, 0);
    ble_medium_address(machine_ble_radio(lamp), addr);
    /* the lamp's state directory stays until the fuzzer exits */
    g_free(dir);
    return 0;
}

static bool defined_line(const char *l)
{
    static const char *const starts[] = { "ok", "err ", "adv ", "ibeacon ", "eddystone-",
                                          "broadcast ", "service ", "char ", "notify ",
                                          "disconnected " };

    for (size_t i = 0; i < G_N_ELEMENTS(starts); i++)
        if (g_str_has_prefix(l, starts[i]))
            return true;
    return false;
}

/* The lamp's firmware part: its queued events taken (a connect, writes). */
static void lamp_takes_events(void)
{
    uint8_t buf[BLE_VALUE_MAX];

    while (g_main_context_iteration(NULL, FALSE))
        ;
    while (reg_read(lamp, REG(BLE_REG_EVCOUNT)) > 0) {
        memset(buf, 0, sizeof(buf));
        run_cmd(BLE_CMD_EVENT_POP, 0, 0, NULL, 0);
    }
    /* advertising stops at a connection; the firmware starts it again */
    if (reg_read(lamp, REG(BLE_REG_STATUS)) & BLE_STATUS_CONN)
        run_cmd(BLE_CMD_DISCONNECT, 0, 0, NULL, 0);
    if (!(reg_read(lamp, REG(BLE_REG_STATUS)) & BLE_STATUS_ADV))
        run_cmd(BLE_CMD_ADV_START, 0, 0, NULL, 0);
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autofree char *with_addr = NULL;
    g_auto(GStrv) lines = NULL, replies = NULL;
    GOutputStream *out = g_memory_output_stream_new_resizable();
    struct ble_central *c = ble_central_new(md, out);
    unsigned commands = 0, finals = 0;
    g_autofree char *written = NULL;

    {
        g_auto(GStrv) parts = g_strsplit(text, "@lamp@", -1);
        with_addr = g_strjoinv(addr, parts);
    }
    /* the socket reads lines ending in \n, \r or \r\n */
    g_strdelimit(with_addr, "\r", '\n');
    lines = g_strsplit(with_addr, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_autofree char *line = g_strdup(*l);
        if (*g_strstrip(line))
            commands++;
        ble_central_line(c, *l);
        while (g_main_context_iteration(NULL, FALSE))
            ;
    }
    ble_central_free(c);
    lamp_takes_events();
    g_output_stream_write_all(out, "", 1, NULL, NULL, NULL);
    g_output_stream_close(out, NULL, NULL);
    written = g_memory_output_stream_steal_data(G_MEMORY_OUTPUT_STREAM(out));
    g_object_unref(out);
    if (g_getenv("LAMPSIM_FUZZ_VERBOSE")) /* what the central heard, to read a finding */
        fputs(written, stderr);
    replies = g_strsplit(written, "\n", -1);
    for (char **r = replies; *r; r++) {
        if (!**r && !r[1])
            break; /* after the last line end */
        if (!defined_line(*r)) {
            fprintf(stderr, "undefined reply line '%s'\n", *r);
            abort();
        }
        finals += g_str_has_prefix(*r, "ok") || g_str_has_prefix(*r, "err ");
    }
    if (finals != commands) {
        fprintf(stderr, "%u command lines, %u final replies\n", commands, finals);
        abort();
    }
    return 0;
}
