/* firmware/app/console_rx.c: the console file transfer.  Frames are
 *   0xA5, seq (u16 LE), len (u16 LE, 0..1024; 0 ends the image), data,
 *   CRC-32 (u32 LE) over seq, len and data,
 * each answered by one line (for the update sink: "update: ack <seq>",
 * "update: nak <seq> <why>" (send it again), or "update: abort <why>" (the
 * transfer is over); another sink's lines start with its own topic).  Stop
 * and wait keeps the receiver simple and the UART never overruns. */
#include "console_rx.h"

#include "clock.h"
#include "crc32.h"
#include "uart.h"

#define SOF 0xA5u
#define MAX_DATA 1024u
#define QUIET_LIMIT_S 10u

enum rx_state { IDLE, WAIT_SOF, HEAD, DATA, CRC };

static enum rx_state state = IDLE;
static const struct console_rx_sink *sink;
static uint8_t head[4], crc_bytes[4], data[MAX_DATA];
static uint32_t got, data_len, last_byte_s;
static uint16_t expect_seq;

bool console_rx_active(void)
{
    return state != IDLE;
}

static void say_topic(void)
{
    uart_puts(sink->topic);
    uart_puts(": ");
}

static void reply(const char *what, uint32_t seq, const char *why)
{
    say_topic();
    uart_puts(what);
    uart_putc(' ');
    uart_put_dec(seq);
    if (why) {
        uart_putc(' ');
        uart_puts(why);
    }
    uart_putc('\n');
}

/* The sink refused (why); it is told to drop what it wrote. */
static void refuse(const char *how, const char *why, const char *then)
{
    sink->abort();
    say_topic();
    uart_puts(how);
    uart_puts(why);
    uart_putc('\n');
    say_topic();
    uart_puts(then);
    uart_puts(sink->kept);
    uart_putc('\n');
    state = IDLE;
}

static void abort_transfer(const char *why)
{
    refuse("abort ", why, "refused; ");
}

void console_rx_start(const struct console_rx_sink *s, const char *args)
{
    const char *why;

    sink = s;
    why = sink->begin(args);
    if (why) {
        say_topic();
        uart_puts("cannot start: ");
        uart_puts(why);
        uart_putc('\n');
        return;
    }
    state = WAIT_SOF;
    expect_seq = 0;
    last_byte_s = clock_seconds();
    say_topic();
    uart_puts("ready, max frame ");
    uart_put_dec(MAX_DATA);
    uart_puts(" bytes\n");
}

static void finish(void)
{
    const char *why;

    say_topic();
    uart_puts("received ");
    uart_put_dec(sink->received());
    uart_puts(" bytes, checking the signature\n");
    why = sink->finish();
    if (why)
        refuse("refused: ", why, "");
    state = IDLE;
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
    why = sink->write(data, data_len);
    if (why) {
        abort_transfer(why);
        return;
    }
    expect_seq++;
    reply("ack", seq, NULL);
}

void console_rx_byte(uint8_t c)
{
    last_byte_s = clock_seconds();
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

void console_rx_tick(uint32_t now_s)
{
    if (state != IDLE && now_s - last_byte_s > QUIET_LIMIT_S)
        abort_transfer("timed out: no data for 10 s");
}
