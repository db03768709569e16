/* firmware/bootloader/main.c: the immutable bootloader.  Before every jump
 * it verifies the image in slot A (RSA-4096 PSS signature over what will
 * run, security epoch against the OTP fuses); it installs a verified staged
 * update from slot B; it advances the OTP epoch once the running image has
 * confirmed a good boot.  With no valid image it says why and stays.
 * docs/firmware.md#bootloader. */
#include "epoch.h"
#include "hw.h"
#include "image_verify.h"
#include "install.h"
#include "uart.h"

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform_util.h"

#include <stdbool.h>
#include <string.h>

/* mbedTLS allocations (RSA-4096 verification needs about 6 KiB). */
static uint8_t mbedtls_arena[16 * 1024] __attribute__((aligned(8)));

static void say(const char *a, const char *b)
{
    uart_puts("boot: ");
    uart_puts(a);
    if (b)
        uart_puts(b);
    uart_putc('\n');
}

__attribute__((noreturn)) static void stay(const char *why)
{
    say("no valid image in slot A: ", why);
    say("staying in the bootloader", NULL);
    SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_NO_IMAGE;
    for (;;)
        __asm volatile("wfi");
}

__attribute__((noreturn)) static void jump_to(uint32_t vectors)
{
    const uint32_t *v = (const uint32_t *)vectors;

    SCB_VTOR = vectors;
    dsb_isb();
    __asm volatile("msr msp, %0\n\tbx %1" : : "r"(v[0]), "r"(v[1]));
    __builtin_unreachable();
}

static const uint8_t *payload_of(uint32_t slot)
{
    return (const uint8_t *)slot + IMAGE_HEADER_SIZE;
}

static const uint8_t *sig_of(uint32_t slot)
{
    const struct image_header *h = (const struct image_header *)slot;
    return payload_of(slot) + h->payload_size;
}

/* Same header and signature: slot A already holds slot B's image. */
static bool slots_hold_same_image(void)
{
    const struct image_header *a = (const struct image_header *)SLOT_A_ADDR;
    const struct image_header *b = (const struct image_header *)SLOT_B_ADDR;

    return memcmp(a, b, sizeof(*a)) == 0 &&
           memcmp(sig_of(SLOT_A_ADDR), sig_of(SLOT_B_ADDR), IMAGE_SIG_SIZE) == 0;
}

static const char *verify_slot_a(const struct fw_keys *keys, uint32_t min_epoch)
{
    uint8_t key[16];
    const char *why = image_verify((const struct image_header *)SLOT_A_ADDR,
                                   payload_of(SLOT_A_ADDR), sig_of(SLOT_A_ADDR),
                                   IMAGE_INSTALLED, min_epoch, keys, key);
    mbedtls_platform_zeroize(key, sizeof(key));
    return why;
}

/* A staged image in slot B: install it if it verifies, drop it if not. */
static void handle_staged_update(const struct fw_keys *keys, uint32_t min_epoch)
{
    const struct image_header *b = (const struct image_header *)SLOT_B_ADDR;
    uint8_t key[16];
    const char *why;

    if (b->magic == 0xFFFFFFFFu)
        return;
    uart_puts("boot: staged update ");
    uart_put_version(b->fw_version);
    uart_puts(" epoch ");
    uart_put_dec(b->security_epoch);
    uart_puts(" in slot B\n");
    SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_UPDATE_FOUND;
    why = image_verify(b, payload_of(SLOT_B_ADDR), sig_of(SLOT_B_ADDR), IMAGE_STAGED,
                       min_epoch, keys, key);
    if (why) {
        say("staged update refused: ", why);
    } else if (slots_hold_same_image() && !verify_slot_a(keys, min_epoch)) {
        say("staged update already installed", NULL);
    } else {
        say("installing the update into slot A", NULL);
        SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_INSTALLING;
        why = install_from_slot_b(key);
        mbedtls_platform_zeroize(key, sizeof(key));
        if (why) {
            /* Slot B stays: the next boot tries again. */
            say("install failed: ", why);
            return;
        }
        say("update copied, verifying slot A", NULL);
        why = verify_slot_a(keys, min_epoch);
        if (why) {
            say("installed image does not verify, will retry: ", why);
            return;
        }
    }
    mbedtls_platform_zeroize(key, sizeof(key));
    why = install_retire_slot_b();
    if (why)
        say("could not clear slot B: ", why);
}

int main(void)
{
    const struct image_header *a = (const struct image_header *)SLOT_A_ADDR;
    struct fw_keys keys;
    uint32_t epoch;
    bool confirmed;
    const char *why;

    SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_BOOTLOADER;
    uart_init(false);
    mbedtls_memory_buffer_alloc_init(mbedtls_arena, sizeof(mbedtls_arena));
    epoch = otp_epoch_read();
    uart_puts("boot: lamp bootloader, OTP epoch ");
    uart_put_dec(epoch);
    uart_puts(", boot lock ");
    uart_puts(OTP_LOCKS & OTP_LOCK_BOOT ? "on" : "off");
    uart_putc('\n');

    why = fw_keys_load(&keys);
    if (why)
        stay(why);
    handle_staged_update(&keys, epoch);

    SYSCTL_BOOTSTAGE = SYSCTL_BOOTSTAGE_STARTING;
    why = verify_slot_a(&keys, epoch);
    if (why)
        stay(why);
    confirmed = *(const volatile uint32_t *)SLOT_A_CONFIRM_ADDR == SLOT_CONFIRM_MAGIC;
    /* The image confirmed but power went before the fuses were blown. */
    if (confirmed && a->security_epoch > epoch) {
        if (otp_epoch_advance(a->security_epoch) == 0)
            epoch = otp_epoch_read();
        uart_puts("boot: OTP epoch advanced to ");
        uart_put_dec(epoch);
        uart_putc('\n');
    }
    uart_puts("boot: verified image ");
    uart_put_version(a->fw_version);
    uart_puts(" epoch ");
    uart_put_dec(a->security_epoch);
    uart_puts(confirmed ? " (confirmed)\n" : " (trial boot, not yet confirmed)\n");
    mbedtls_memory_buffer_alloc_free();
    jump_to(IMAGE_LOAD_ADDR);
}
