/* Fuzz target: the console update transfer (firmware/app/console_rx.c, the
 * framing) into slot B staging (firmware/app/staging.c, the image's header
 * check and length accounting), as the `update` command (update_rx.c)
 * wires them: the bytes anyone at the console UART sends.  The first input
 * byte picks the form of the rest:
 *   bit 0 clear: raw console bytes, as they arrive;
 *   bit 0 set: an image, which the target frames as tools/lampsim's sender
 *   does (CRC-32, sequence numbers, frames of (byte >> 1) * 8 + 8 bytes,
 *   then the end frame), so the fuzzer reaches staging behind the CRCs.
 * The end frame runs staging_finish as update_rx.c's sink does (without
 * the reboot that follows): it reads slot B, the keystore (the fuzzing
 * fleet's) and the OTP epoch (0) where the lamp has them, mapped there by
 * flash_double.c, and verifies the image.
 * Beyond crashes it checks what the bootloader relies on: nothing is
 * programmed into slot B's first page until the image verified (the header
 * goes last), and it is once it did; then slot B holds exactly the image
 * sent; nothing outside slot B is erased or programmed (the flash double
 * aborts); no more bytes are taken than the accepted header announces; no
 * page is programmed past what arrived; every line printed belongs to the
 * transfer. */
#include "clock_double.h"
#include "console_rx.h"
#include "crc32.h"
#include "fleet_keystore.h"
#include "flash_double.h"
#include "image_verify.h"
#include "staging.h"
#include "uart_double.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *begin(const char *args)
{
    (void)args;
    return staging_begin();
}

static const uint8_t *sent;   /* the image, in framed mode (else NULL) */
static size_t sent_len;

/* update_rx.c's finish, without the reboot into the bootloader. */
static const char *finish(void)
{
    const char *why = staging_finish();

    if (why != NULL && flash_double.header_programmed)
        abort(); /* a refused image left a header in slot B */
    if (why == NULL) {
        const struct image_header *h = staging_header();
        if (!flash_double.header_programmed ||
            memcmp(flash_double.slot_b, h, IMAGE_HEADER_SIZE) != 0 ||
            staging_received() != IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE)
            abort();
        if (sent && (sent_len != staging_received() ||
                     memcmp(flash_double.slot_b, sent, sent_len) != 0))
            abort(); /* slot B is not the image that was sent */
    }
    return why;
}

static const struct console_rx_sink sink = {
    .topic = "update", .kept = "the running firmware stays", .begin = begin,
    .write = staging_write, .received = staging_received, .finish = finish,
    .abort = staging_abort,
};

static void check_staging(void)
{
    const struct image_header *h = staging_header();
    uint32_t got = staging_received();

    if (flash_double.header_programmed && console_rx_active())
        abort(); /* a header in slot B before verification */
    if (got > SLOT_SIZE)
        abort();
    if (got >= IMAGE_HEADER_SIZE && image_check_header(h) == NULL &&
        got > IMAGE_HEADER_SIZE + h->payload_size + IMAGE_SIG_SIZE)
        abort(); /* more taken than the header announced */
    /* (After a refusal staging starts again from nothing.) */
    if (console_rx_active() &&
        flash_double.high_water > (got + FLASH_PAGE_SIZE - 1) / FLASH_PAGE_SIZE * FLASH_PAGE_SIZE)
        abort(); /* pages programmed beyond what arrived */
}

static void send(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n && console_rx_active(); i++) {
        console_rx_byte(b[i]);
        check_staging();
    }
}

static void send_frame(uint16_t seq, const uint8_t *d, uint16_t len)
{
    uint8_t head[5] = { 0xA5, (uint8_t)seq, (uint8_t)(seq >> 8), (uint8_t)len, (uint8_t)(len >> 8) };
    uint32_t crc = crc32_update(crc32_update(0, head + 1, 4), d, len);
    uint8_t tail[4] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };

    send(head, sizeof(head));
    send(d, len);
    send(tail, sizeof(tail));
}

static void check_output(void)
{
    /* Each line the transfer prints starts with its topic. */
    for (const char *line = uart_double.text; *line;) {
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        if (line != uart_double.text && strncmp(line, "update: ", 8) != 0)
            abort();
        line = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++, size--;
    size_t ks_len;
    flash_double_reset(fleet_keystore(&ks_len));
    uart_double_reset();
    clock_double_seconds = 1000;
    sent = mode & 1 ? data : NULL, sent_len = size;
    console_rx_start(&sink, "");
    if (!console_rx_active())
        abort(); /* the RAM slot cannot refuse to erase */
    if (!(mode & 1)) {
        send(data, size);
    } else {
        size_t frame = (size_t)(mode >> 1) * 8u + 8u;
        uint16_t seq = 0;
        for (size_t off = 0; off < size && console_rx_active(); off += frame, seq++) {
            size_t n = size - off < frame ? size - off : frame;
            send_frame(seq, data + off, (uint16_t)n);
        }
        if (console_rx_active())
            send_frame(seq, NULL, 0);
    }
    check_output();
    /* A transfer still open ends as a quiet one does. */
    if (console_rx_active()) {
        clock_double_seconds += 11;
        console_rx_tick(clock_double_seconds);
        if (console_rx_active())
            abort();
    }
    return 0;
}
