/* firmware/app/console.c: the developer console (docs/firmware.md). */
#include "console.h"
#include "app_console.h"
#include "commission.h"

#include "crc32.h"
#include "beacon.h"
#include "lighting.h"
#include "light_hw.h"
#include "netmgr.h"
#include "hw.h"
#include "log.h"
#include "selftest.h"
#include "status.h"
#include "telemetry_period.h"
#include "uart.h"
#include "console_rx.h"
#include "update_rx.h"
#include "vm.h"
#include "vm_apps.h"
#include "vm_apps_console.h"
#include "vm_strikes.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static char line[512]; /* `app load` takes a manifest and Lua source on one line */
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
              "  light             what the light does, its settings and sensors\n"
              "  beacon            the iBeacon and Eddystone-UID frames on the air\n"
              "  light LEVEL [CCT [FADE_MS]]  set the light (level 0-100, CCT 2700-6500 K)\n"
              "  light off|on      switch it\n"
              "  light set KEY=VALUE...  settings as the cloud's desired state sets them:\n"
              "                    on level cct fade_ms hold_s occupancy vacancy_s\n"
              "                    standby_level standby_s daylight target_lux\n"
              "  telemetry         how often telemetry is sent, and the bounds\n"
              "  telemetry SECONDS set it (kept across resets, as desired telemetry_s)\n"
              "  net reconnect [full]  reconnect now (full: without session resumption)\n"
              "  wifi SSID PASS    store WiFi credentials and join (development stand-in\n"
              "                    for BLE commissioning)\n"
              "  app run           run the built-in example app in the VM (development)\n"
              "  app eval CODE     run CODE (Lua source) as an app (development)\n"
              "  app probe CODE    the same, with the probe table (raw gate calls and\n"
              "                    loads, to test the gate and the MPU; development)\n"
              "  app enable        forgive every app its fault strikes (an install of an\n"
              "                    app forgives that app's)\n"
              "  app load NAME [apis=light,sensors,timers,storage,messages,beacon,log]\n"
              "       [mem=B] [cb=N] [sec=N] [timers=N] [msgs=N] [storage=B kv=0-3] [probe]\n"
              "       -- CODE      load CODE as a persistent app with that manifest,\n"
              "                    unsigned (development only: apps come as signed\n"
              "                    packages from the app store); mem= is its heap in\n"
              "                    bytes, by default one 16 KiB arena's (its usage line\n"
              "                    shows the bounds); more takes contiguous arenas\n"
              "  app unload NAME   stop an app and free its memory\n"
              "  app status        the loaded apps, their state and quotas\n"
              "  app install LEN   receive a signed app package of LEN bytes in frames\n"
              "                    (lampsim's console transfer, as `update`)\n"
              "  app list          the installed apps: version, slot, APIs, quotas\n"
              "  app remove NAME   remove an app, its package and its storage\n");
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

/* light set KEY=VALUE...: one member of lighting_request each. */
static int light_settings(char *args, struct lighting_request *r)
{
    static const struct { const char *key; uint32_t flag; size_t off; bool percent; } keys[] = {
#define K(name, flag, field, pct) { name, flag, offsetof(struct lighting_settings, field), pct }
        K("level", LR_LEVEL, level, true), K("cct", LR_CCT, cct_k, false),
        K("fade_ms", LR_FADE, fade_ms, false), K("hold_s", LR_HOLD, hold_s, false),
        K("vacancy_s", LR_VACANCY, vacancy_s, false),
        K("standby_level", LR_STANDBY_LEVEL, standby_level, true),
        K("standby_s", LR_STANDBY, standby_s, false),
        K("target_lux", LR_TARGET_LUX, target_lux, false),
#undef K
    };
    for (char *tok = strtok(args, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        uint32_t v;
        size_t i;
        if (!eq || (*eq = 0, parse_u32(eq + 1, &v)))
            return -1;
        if (!strcmp(tok, "on") || !strcmp(tok, "occupancy") || !strcmp(tok, "daylight")) {
            bool on = v != 0;
            if (tok[0] == 'o' && tok[1] == 'n') { r->has |= LR_ON; r->s.on = on; }
            else if (tok[0] == 'o') { r->has |= LR_OCCUPANCY; r->s.occupancy = on; }
            else { r->has |= LR_DAYLIGHT; r->s.daylight = on; }
            continue;
        }
        for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && strcmp(tok, keys[i].key); i++)
            ;
        if (i == sizeof(keys) / sizeof(keys[0]) || (keys[i].percent && v > 100))
            return -1;
        r->has |= keys[i].flag;
        *(uint32_t *)((char *)&r->s + keys[i].off) =
            keys[i].percent ? v * (LIGHT_LEVEL_FULL / 100u) : v;
    }
    return r->has ? 0 : -1;
}

/* light LEVEL [CCT [FADE_MS]] | light on | light off | light set ... */
static void cmd_light(char *args)
{
    struct lighting_request r = { 0 };
    const char *why = NULL;
    char *cct = strchr(args, ' '), *fade = NULL;
    uint32_t level;

    if (!strncmp(args, "set ", 4)) {
        if (light_settings(args + 4, &r) != 0) {
            uart_puts("usage: light set KEY=VALUE... (see help; levels 0-100, switches 0/1)\n");
            return;
        }
    } else if (!strcmp(args, "on") || !strcmp(args, "off")) {
        r.has = LR_ON;
        r.s.on = args[1] == 'n';
    } else {
        if (cct) {
            *cct++ = 0;
            if ((fade = strchr(cct, ' ')) != NULL)
                *fade++ = 0;
        }
        if (parse_u32(args, &level) || level > 100 ||
            (cct && parse_u32(cct, &r.s.cct_k)) || (fade && parse_u32(fade, &r.s.fade_ms))) {
            uart_puts("usage: light LEVEL [CCT [FADE_MS]] (LEVEL 0-100), or light on|off\n");
            return;
        }
        r.has = LR_ON | LR_LEVEL | (cct ? LR_CCT : 0) | (fade ? LR_FADE : 0);
        r.s.on = true;
        r.s.level = level * (LIGHT_LEVEL_FULL / 100u);
    }
    if (lighting_apply(&r, &why) != 0) {
        uart_puts("light: ");
        uart_puts(why);
        uart_putc('\n');
    }
}

/* telemetry SECONDS: what the cloud's desired "telemetry_s" sets. */
static void cmd_telemetry(const char *args)
{
    const char *why = NULL;
    uint32_t s;

    if (parse_u32(args, &s)) {
        uart_puts("usage: telemetry SECONDS\n");
        return;
    }
    if (telemetry_period_set(s, &why) != 0) {
        uart_puts("telemetry: ");
        uart_puts(why);
        uart_putc('\n');
    }
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
    } else if (!strcmp(cmd, "beacon")) {
        beacon_print_status();
    } else if (!strcmp(cmd, "light")) {
        lighting_print_status();
    } else if (!strncmp(cmd, "light ", 6)) {
        cmd_light(cmd + 6);
    } else if (!strcmp(cmd, "telemetry")) {
        telemetry_period_print();
    } else if (!strncmp(cmd, "telemetry ", 10)) {
        cmd_telemetry(cmd + 10);
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
    } else if (!strcmp(cmd, "app run")) {
        vm_run_example();
    } else if (!strncmp(cmd, "app eval ", 9)) {
        vm_run("eval", cmd + 9, strlen(cmd + 9), 0);
    } else if (!strncmp(cmd, "app probe ", 10)) {
        vm_run("eval", cmd + 10, strlen(cmd + 10), VM_JOB_PROBE);
    } else if (!strncmp(cmd, "app load ", 9)) {
        vm_apps_console_load(cmd + 9);
    } else if (!strncmp(cmd, "app unload ", 11)) {
        vm_app_unload(cmd + 11);
    } else if (!strcmp(cmd, "app status")) {
        vm_apps_print_status();
    } else if (!strcmp(cmd, "app enable")) {
        vm_strikes_clear();
    } else if (!strncmp(cmd, "app install ", 12)) {
        app_console_install(cmd + 12);
    } else if (!strcmp(cmd, "app list")) {
        app_console_list();
    } else if (!strncmp(cmd, "app remove ", 11)) {
        app_console_remove(cmd + 11);
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
    if (!console_rx_active())
        console_prompt();
}

void console_tick(uint32_t now_s)
{
    if (!console_rx_active())
        return;
    console_rx_tick(now_s);
    prompt_after_transfer();
}

void console_input(char c)
{
    if (console_rx_active()) {
        console_rx_byte((uint8_t)c);
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
