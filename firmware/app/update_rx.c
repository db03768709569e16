/* firmware/app/update_rx.c: the console transfer's update sink: staging
 * in slot B, and the reboot that installs a staged image. */
#include "update_rx.h"

#include "console_rx.h"
#include "hw.h"
#include "staging.h"
#include "uart.h"

static const char *begin(const char *args)
{
    (void)args;
    return staging_begin();
}

static const char *finish(void)
{
    const struct image_header *h = staging_header();
    const char *why = staging_finish();

    if (why)
        return why;
    uart_puts("update: staged ");
    uart_put_version(h->fw_version);
    uart_puts(" epoch ");
    uart_put_dec(h->security_epoch);
    uart_puts("; rebooting into the bootloader\n");
    SCB_AIRCR = AIRCR_RESET;
    dsb_isb();
    for (;;)
        ;
}

static const struct console_rx_sink update_sink = {
    .topic = "update", .kept = "the running firmware stays", .begin = begin,
    .write = staging_write, .received = staging_received, .finish = finish,
    .abort = staging_abort,
};

void update_rx_start(void)
{
    console_rx_start(&update_sink, "");
}
