/* firmware/app/update_rx.c: the console update transfer.  Frames are
 *   0xA5, seq (u16 LE), len (u16 LE, 0..1024; 0 ends the image), data,
 *   CRC-32 (u32 LE) over seq, len and data,
 * each answered by one line: "update: ack <seq>", "update: nak <seq> <why>"
 * (send it again), or "update: abort <why>" (the transfer is over).  Stop
 * and wait keeps the receiver simple and the UART never overruns. */
#include "update_rx.h"

#include "crc32.h"
#include "hw.h"
#include "staging.h"
#include "status.h"
#include "uart.h"

#define SOF 0xA5u
#define MAX_DATA 1024u
#define QUIET_LIMIT_S 10u

enum rx_state { IDLE, WAIT_SOF, HEAD, DATA, CRC };

static enum rx_state state = IDLE;
static uint8_t head[4], crc_bytes[4], data[MAX_DATA];
static uint32_t got, data_len, last_byte_s;
static uint16_t expect_seq;

bool update_rx_active(void)
{
    return state != IDLE;
}

static void reply(const char *what, uint32_t seq, const char *why)
{
    uart_puts("update: ");
    uart_puts(what);
    uart_putc(' ');
    uart_put_dec(seq);
    if (why) {
        uart_putc(' ');
        uart_puts(why);
    }
    uart_putc('\n');
}

static void abort_transfer(const char *why)
{
    staging_abort();
    uart_puts("update: abort ");
    uart_puts(why);
    uart_puts("\nupdate: refused; the running firmware stays\n");
    state = IDLE;
}

void update_rx_start(void)
{
    const char *why = staging_begin();

    if (why) {
        uart_puts("update: cannot start: ");
        uart_puts(why);
        uart_putc('\n');
        return;
    }
    state = WAIT_SOF;
    expect_seq = 0;
    last_byte_s = RTC_SECONDS;
    uart_puts("update: ready, max frame ");
    uart_put_dec(MAX_DATA);
    uart_puts(" bytes\n");
}

static void finish(void)
{
    const struct image_header *h = staging_header();
    const char *why;

    uart_puts("update: received ");
    uart_put_dec(staging_received());
    uart_puts(" bytes, checking the signature\n");
    why = staging_finish();
    if (why) {
        staging_abort();
        uart_puts("update: refused: ");
        uart_puts(why);
        uart_puts("\nupdate: the running firmware stays\n");
        state = IDLE;
        return;
    }
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

static void frame_complete(void)
{
    uint32_t seq = head[0] | (uint32_t)head[1] << 8;
    uint32_t crc = crc_bytes[0] | (uint32_t)crc_bytes[1] << 8 |
                   (uint32_t)crc_bytes[2] << 16 | (uint32_t)crc_bytes[3] << 24;
    const char *why;

    state = WAIT_SOF;
    if (crc32_update(crc32_update(0, head, 4), data, data_len) != crc) {
        reply("nak", seq, "crc");
        return;
    }
    if (seq == (uint16_t)(expect_seq - 1)) {
        reply("ack", seq, NULL); /* our ack was lost: the sender repeats */
        return;
    }
    if (seq != expect_seq) {
        reply("nak", seq, "sequence");
        return;
    }
    if (data_len == 0) {
        reply("ack", seq, NULL);
        finish();
        return;
    }
    why = staging_write(data, data_len);
    if (why) {
        abort_transfer(why);
        return;
    }
    expect_seq++;
    reply("ack", seq, NULL);
}

void update_rx_byte(uint8_t c)
{
    last_byte_s = RTC_SECONDS;
    switch (state) {
    case IDLE:
        return;
    case WAIT_SOF:
        if (c == SOF) {
            state = HEAD;
            got = 0;
        }
        return;
    case HEAD:
        head[got++] = c;
        if (got == 4) {
            data_len = head[2] | (uint32_t)head[3] << 8;
            got = 0;
            if (data_len > MAX_DATA) {
                reply("nak", head[0] | (uint32_t)head[1] << 8, "length");
                state = WAIT_SOF;
            } else {
                state = data_len ? DATA : CRC;
            }
        }
        return;
    case DATA:
        data[got++] = c;
        if (got == data_len) {
            got = 0;
            state = CRC;
        }
        return;
    case CRC:
        crc_bytes[got++] = c;
        if (got == 4)
            frame_complete();
        return;
    }
}

void update_rx_tick(uint32_t now_s)
{
    if (state != IDLE && now_s - last_byte_s > QUIET_LIMIT_S)
        abort_transfer("timed out: no data for 10 s");
}
