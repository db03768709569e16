/* firmware/app/status.c: boot banner and the `status` report. */
#include "status.h"

#include "crash.h"
#include "hw.h"
#include "epoch.h"
#include "image.h"
#include "mpu_setup.h"
#include "crypto_engine.h"
#include "uart.h"

static uint32_t reset_cause;
static uint32_t boot_seconds, boot_subsec;

void status_init(void)
{
    reset_cause = SYSCTL_RESETCAUSE;
    SYSCTL_RESETCAUSE = reset_cause;
    boot_seconds = RTC_SECONDS;
    boot_subsec = RTC_SUBSEC;
}

bool status_power_on(void)
{
    return (reset_cause & SYSCTL_RESETCAUSE_POR) != 0;
}

const char *status_reset_cause(void)
{
    if (reset_cause & SYSCTL_RESETCAUSE_LOCKUP) return "lockup";
    if (reset_cause & SYSCTL_RESETCAUSE_WDT) return "watchdog";
    if (reset_cause & SYSCTL_RESETCAUSE_SYSRESETREQ) return "software (SYSRESETREQ)";
    if (reset_cause & SYSCTL_RESETCAUSE_SOFT) return "software (SYSCTL)";
    if (reset_cause & SYSCTL_RESETCAUSE_POR) return "power on";
    return "unknown";
}

static void print_serial(void)
{
    if (OTP_SERIAL[0] == 0) {
        uart_puts("unprovisioned");
        return;
    }
    for (int i = 0; i < 16 && OTP_SERIAL[i]; i++)
        uart_putc(OTP_SERIAL[i]);
}

static const struct image_header *running_image(void)
{
    return (const struct image_header *)SLOT_A_ADDR;
}

void status_print_banner(void)
{
    uart_puts("\nlamp firmware ");
    uart_put_version(running_image()->fw_version);
    uart_puts(" (image epoch ");
    uart_put_dec(running_image()->security_epoch);
    uart_puts(")\nserial: ");
    print_serial();
    uart_puts("\nreset cause: ");
    uart_puts(status_reset_cause());
    uart_puts(crypto_engine_present() ? "\ncrypto: engine (AES, SHA-256, P-256, RSA)\n"
                                      : "\ncrypto: no engine, software only\n");
}

void status_print(void)
{
    uint32_t s = RTC_SECONDS, sub = RTC_SUBSEC;
    uint32_t ms = (s - boot_seconds) * 1000u + (sub * 1000u >> RTC_SUBSEC_BITS) -
                  (boot_subsec * 1000u >> RTC_SUBSEC_BITS);
    uint32_t control, from_vm;

    __asm volatile("mrs %0, control" : "=r"(control));
    uart_puts("serial: ");
    print_serial();
    uart_puts("\nfirmware: ");
    uart_put_version(running_image()->fw_version);
    uart_puts(" image epoch ");
    uart_put_dec(running_image()->security_epoch);
    uart_puts(", OTP epoch ");
    uart_put_dec(otp_epoch_read());
    uart_puts("\nfuses: debug lock ");
    uart_puts(OTP_LOCKS & OTP_LOCK_DEBUG ? "on" : "off");
    uart_puts(", boot lock ");
    uart_puts(OTP_LOCKS & OTP_LOCK_BOOT ? "on" : "off");
    uart_puts("\nreset cause: ");
    uart_puts(status_reset_cause());
    uart_puts("\ncrash records stored: ");
    uart_put_dec(crash_count_stored(&from_vm));
    uart_puts(" (");
    uart_put_dec(from_vm);
    uart_puts(" from the app VM)");
    uart_puts("\nmpu: ");
    uart_puts(mpu_enabled() ? "on" : "off");
    uart_puts(", running ");
    uart_puts(control & 1 ? "unprivileged" : "privileged");
    uart_puts("\nuptime: ");
    uart_put_dec(ms / 1000);
    uart_putc('.');
    uart_putc((char)('0' + ms / 100 % 10));
    uart_putc((char)('0' + ms / 10 % 10));
    uart_putc((char)('0' + ms % 10));
    uart_puts(" s\n");
}
