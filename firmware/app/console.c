/* firmware/app/console.c: the developer console (docs/firmware.md). */
#include "console.h"
#include "commission.h"

#include "crc32.h"
#include "netmgr.h"
#include "hw.h"
#include "log.h"
#include "selftest.h"
#include "status.h"
#include "uart.h"
#include "update_rx.h"

#include <stdbool.h>
#include <string.h>

static char line[128];
static unsigned len;
static bool at_prompt;  /* the prompt (and len typed bytes) is on screen */

void console_prompt(void)
{
    uart_puts(CONSOLE_PROMPT);
    at_prompt = true;
}

static void log_line(const char *text)
{
    if (at_prompt)
        uart_putc('\r');
    uart_puts(text);
    uart_putc('\n');
    if (at_prompt) {
        uart_puts(CONSOLE_PROMPT);
        for (unsigned i = 0; i < len; i++)
            uart_putc(line[i]);
    }
}

void console_init(void)
{
    log_set_sink(log_line);
}

static int parse_u32(const char *s, uint32_t *out)
{
    uint32_t v = 0, base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        uint32_t d;
        if (*s >= '0' && *s <= '9') d = (uint32_t)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = (uint32_t)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = (uint32_t)(*s - 'A' + 10);
        else return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

static void cmd_help(void)
{
    uart_puts("commands:\n"
              "  help              this list\n"
              "  status            serial, firmware, fuses, reset cause, crash records, uptime\n"
              "  reboot            reset the lamp (SYSRESETREQ)\n"
              "  selftest list     the forbidden acts the lamp must trap\n"
              "  selftest <case>   perform one (the lamp faults and resets)\n"
              "  crc <addr> <len>  CRC-32 of memory (a CPU benchmark)\n"
              "  update            receive a signed update image in frames (lampsim run --update)\n"
              "  commission        BLE commissioning state (key counter, blobs)\n"
              "  net               cloud connection state and counters\n"
              "  net reconnect [full]  reconnect now (full: without session resumption)\n"
              "  wifi SSID PASS    store WiFi credentials and join (development stand-in\n"
              "                    for BLE commissioning)\n");
}

static void cmd_crc(char *args)
{
    char *space = strchr(args, ' ');
    uint32_t addr, n;

    if (!space || (*space = 0, parse_u32(args, &addr)) || parse_u32(space + 1, &n) ||
        addr >= FLASH_SIZE || n > FLASH_SIZE - addr) {
        uart_puts("usage: crc <addr> <len> (a range of flash)\n");
        return;
    }
    uart_puts("crc32: ");
    uart_put_hex(crc32_update(0, (const void *)addr, n));
    uart_putc('\n');
}

static void run_command(char *cmd)
{
    if (!*cmd)
        return;
    if (!strcmp(cmd, "help")) {
        cmd_help();
    } else if (!strcmp(cmd, "status")) {
        status_print();
    } else if (!strcmp(cmd, "reboot")) {
        uart_puts("rebooting\n");
        SCB_AIRCR = AIRCR_RESET;
        dsb_isb();
        for (;;)
            ;
    } else if (!strcmp(cmd, "selftest list") || !strcmp(cmd, "selftest")) {
        selftest_list();
    } else if (!strncmp(cmd, "selftest ", 9)) {
        if (selftest_run(cmd + 9) == -2) {
            uart_puts("selftest: unknown case '");
            uart_puts(cmd + 9);
            uart_puts("'; try 'selftest list'\n");
        }
    } else if (!strcmp(cmd, "update")) {
        update_rx_start();
    } else if (!strcmp(cmd, "commission")) {
        commission_print_status();
    } else if (!strcmp(cmd, "net")) {
        netmgr_print_status();
    } else if (!strcmp(cmd, "net reconnect") || !strcmp(cmd, "net reconnect full")) {
        netmgr_reconnect(cmd[13] != 0);
    } else if (!strncmp(cmd, "wifi ", 5)) {
        char *pass = strchr(cmd + 5, ' ');
        if (!pass) {
            uart_puts("usage: wifi SSID PASSPHRASE\n");
            return;
        }
        *pass++ = 0;
        netmgr_set_wifi(cmd + 5, pass);
    } else if (!strncmp(cmd, "crc ", 4)) {
        cmd_crc(cmd + 4);
    } else {
        uart_puts("unknown command '");
        uart_puts(cmd);
        uart_puts("'; type 'help'\n");
    }
}

/* The receiver hands the console back when its transfer ends. */
static void prompt_after_transfer(void)
{
    if (!update_rx_active())
        console_prompt();
}

void console_tick(uint32_t now_s)
{
    if (!update_rx_active())
        return;
    update_rx_tick(now_s);
    prompt_after_transfer();
}

void console_input(char c)
{
    if (update_rx_active()) {
        update_rx_byte((uint8_t)c);
        prompt_after_transfer();
        return;
    }
    if (c == '\r' || c == '\n') {
        at_prompt = false;
        uart_putc('\n');
        line[len] = 0;
        run_command(line);
        len = 0;
        prompt_after_transfer();
    } else if ((c == 8 || c == 127) && len > 0) {
        len--;
        uart_puts("\b \b");
    } else if (c >= ' ' && len < sizeof(line) - 1) {
        line[len++] = c;
        uart_putc(c);
    }
}
