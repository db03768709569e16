/* firmware/app/selftest.c: each case performs one act the lamp's design
 * forbids; the MPU or the flash controller must trap it
 * (docs/firmware.md#selftest). */
#include "selftest.h"

#include "crash.h"
#include "flashctl.h"
#include "hw.h"
#include "image.h"
#include "uart.h"
#include "vm.h"

#include <string.h>

uint32_t vm_drop_and_load(uint32_t addr, uint32_t *psp); /* firmware/vm/vm_drop.c */

static void read_keystore_unprivileged(void)
{
    /* Drop to unprivileged thread mode, then touch the keys (outside the
     * VM: the fault is not contained, the lamp resets). */
    (void)vm_drop_and_load(KEYSTORE_ADDR, (uint32_t *)(__vm_ram_start + VM_STACK_SIZE));
}

static uint16_t ram_code[2] = { 0x4770, 0x4770 }; /* bx lr */

static void exec_ram(void)
{
    void (*fn)(void) = (void (*)(void))((uintptr_t)ram_code | 1);
    fn();
}

static void write_flash(void)
{
    *(volatile uint32_t *)(SLOT_A_ADDR + 0x10000) = 0;
}

static void flash_bootloader(void)
{
    FLASHCTL_CR = FLASHCTL_CR_ERRIE;
    flashctl_program(BOOTLOADER_ADDR, 0);
    /* The error interrupt fires before we get here. */
}

static void jump_unmapped(void)
{
    void (*fn)(void) = (void (*)(void))0x0F000001u;
    fn();
}

static void divide_by_zero(void)
{
    volatile int a = 1, b = 0;
    volatile int c = a / b;
    (void)c;
}

static const struct {
    const char *name;
    void (*run)(void);
    const char *what;
} cases[] = {
    { "keystore", read_keystore_unprivileged, "read the keystore from unprivileged code" },
    { "exec-ram", exec_ram, "execute code from RAM" },
    { "write-flash", write_flash, "store to code flash" },
    { "flash-bootloader", flash_bootloader, "program the bootloader sector through FLASHCTL" },
    { "unmapped", jump_unmapped, "jump to an unmapped address" },
    { "div0", divide_by_zero, "divide by zero with the trap enabled" },
};

void selftest_list(void)
{
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uart_puts("  ");
        uart_puts(cases[i].name);
        uart_puts(": ");
        uart_puts(cases[i].what);
        uart_putc('\n');
    }
}

int selftest_run(const char *name)
{
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (strcmp(name, cases[i].name) != 0)
            continue;
        uart_puts("selftest ");
        uart_puts(name);
        uart_puts(": trying to ");
        uart_puts(cases[i].what);
        uart_putc('\n');
        crash_set_reason(name);
        cases[i].run();
        uart_puts("selftest ");
        uart_puts(name);
        uart_puts(": FAILED, the act was not trapped\n");
        return -1;
    }
    return -2;
}
