/* firmware/bootloader/main.c: the first bootloader.  It checks the image in
 * slot A (header, CRC-32 of the payload, a sane vector table) and jumps to
 * it; with no valid image it says why and waits.  Signature checks,
 * epochs and staged updates come with secure boot. */
#include "crc32.h"
#include "hw.h"
#include "image.h"
#include "uart.h"

#include <stddef.h>

static const char *check_image(const struct image_header *h)
{
    const uint32_t *vectors = (const uint32_t *)(SLOT_A_BASE + IMAGE_HEADER_SIZE);

    if (h->magic != IMAGE_MAGIC)
        return "no image header (bad magic)";
    if (h->header_version != IMAGE_HEADER_VERSION)
        return "unknown header version";
    if (crc32_update(0, h, offsetof(struct image_header, header_crc32)) != h->header_crc32)
        return "header checksum mismatch";
    if (h->load_addr != IMAGE_LOAD_ADDR || h->payload_size < 8 ||
        h->payload_size > SLOT_SIZE - IMAGE_HEADER_SIZE)
        return "payload size or load address out of range";
    if (crc32_update(0, vectors, h->payload_size) != h->payload_crc32)
        return "payload checksum mismatch";
    if (vectors[0] <= SRAM_BASE || vectors[0] > SRAM_BASE + SRAM_SIZE)
        return "initial stack pointer outside SRAM";
    if (!(vectors[1] & 1) || vectors[1] < IMAGE_LOAD_ADDR ||
        vectors[1] >= IMAGE_LOAD_ADDR + h->payload_size)
        return "reset handler outside the image";
    return NULL;
}

static void print_version(uint32_t v)
{
    uart_put_dec(v >> 16);
    uart_putc('.');
    uart_put_dec((v >> 8) & 0xFF);
    uart_putc('.');
    uart_put_dec(v & 0xFF);
}

__attribute__((noreturn)) static void jump_to(uint32_t vectors)
{
    const uint32_t *v = (const uint32_t *)vectors;

    SCB_VTOR = vectors;
    dsb_isb();
    __asm volatile("msr msp, %0\n\tbx %1" : : "r"(v[0]), "r"(v[1]));
    __builtin_unreachable();
}

int main(void)
{
    const struct image_header *h = (const struct image_header *)SLOT_A_BASE;
    const char *why;

    SYSCTL_BOOTSTAGE = 1;
    uart_init(false);
    why = check_image(h);
    if (why) {
        uart_puts("boot: no valid image in slot A: ");
        uart_puts(why);
        uart_puts("\nboot: staying in the bootloader\n");
        for (;;)
            __asm volatile("wfi");
    }
    uart_puts("boot: image ");
    print_version(h->fw_version);
    uart_puts(" epoch ");
    uart_put_dec(h->security_epoch);
    uart_puts(" ok\n");
    jump_to(SLOT_A_BASE + IMAGE_HEADER_SIZE);
}
