/* firmware/app/app_console.c: see app_console.h. */
#include "app_console.h"

#include "app_store.h"
#include "console_rx.h"
#include "partitions.h"
#include "uart.h"

#include <stdbool.h>
#include <stdint.h>

#define TOPIC "app install"

static const char *begin(const char *args)
{
    uint32_t len = 0;
    const char *p = args;

    while (*p >= '0' && *p <= '9' && len <= APP_PKG_MAX_SIZE)
        len = len * 10 + (uint32_t)(*p++ - '0');
    if (p == args || *p)
        return "usage: app install LENGTH (the package's size in bytes)";
    if (app_store_busy())
        return "another install is in progress (a download from the cloud)";
    return app_store_begin(len);
}

static const char *finish(void)
{
    struct app_pkg_header h;
    int err;
    const char *why = app_store_finish(&h, &err);

    if (why)
        return why;
    uart_puts(TOPIC ": installed ");
    uart_puts(h.name);
    uart_putc(' ');
    uart_put_version(h.app_version);
    uart_puts(" (slot ");
    uart_put_dec((uint32_t)app_store_slot(h.name));
    uart_puts(")\n");
    return NULL;
}

static const struct console_rx_sink app_sink = {
    .topic = TOPIC, .kept = "the installed apps stay", .begin = begin,
    .write = app_store_write, .received = app_store_received, .finish = finish,
    .abort = app_store_abort,
};

void app_console_install(const char *args)
{
    console_rx_start(&app_sink, args);
}

static void put_field(const char *key, uint32_t v)
{
    uart_putc(' ');
    uart_puts(key);
    uart_putc('=');
    uart_put_dec(v);
}

/* The API names as manifests spell them (docs/tools.md). */
static void put_apis(uint32_t apis)
{
    static const char *const names[] = APP_API_NAMES;
    bool first = true;

    uart_puts(" apis=");
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (apis & (1u << i)) {
            if (!first)
                uart_putc(',');
            uart_puts(names[i]);
            first = false;
        }
    if (first)
        uart_puts("none");
}

void app_console_list(void)
{
    struct app_pkg_header h;
    unsigned i;

    for (i = 0; app_store_get(i, &h, NULL); i++) {
        uart_puts("app: ");
        uart_puts(h.name);
        uart_putc(' ');
        uart_put_version(h.app_version);
        put_field("slot", (uint32_t)app_store_slot(h.name));
        put_field("kv_pair", (uint32_t)app_store_kv_pair(h.name));
        put_apis(h.apis);
        put_field("memory", h.quota_memory);
        put_field("insns_callback", h.quota_insns_callback);
        put_field("insns_second", h.quota_insns_second);
        put_field("messages_minute", h.quota_messages_minute);
        put_field("storage", h.quota_storage);
        put_field("timers", h.quota_timers);
        put_field("source", h.source_size);
        uart_putc('\n');
    }
    uart_puts("app: ");
    uart_put_dec(i);
    uart_puts(" of ");
    uart_put_dec(APP_MAX_INSTALLED);
    uart_puts(" installed\n");
}

void app_console_remove(const char *name)
{
    const char *why = app_store_remove(name);

    uart_puts("app: ");
    uart_puts(name);
    if (why) {
        uart_puts(": not removed: ");
        uart_puts(why);
    } else {
        uart_puts(" removed (its package and its storage)");
    }
    uart_putc('\n');
}
