/* firmware/app/mpu_setup.c: the lamp's MPU layout (docs/firmware.md#mpu):
 * code read-only and executable, keystore and nvstore privileged read-only,
 * RAM and peripherals execute-never, no background region.  Unprivileged
 * code (the partner-app VM) reaches only its own code and its own RAM:
 * regions 5 and 6, which take precedence over the privileged-only ones
 * beneath them (ARMv7-M ARM B3.5.3: the highest-numbered match wins). */
#include "mpu_setup.h"

#include "hw.h"
#include "vm.h"

static const struct { uint32_t base, rasr; } regions[] = {
    /* 0: all flash, read-only code, privileged only */
    { FLASH_BASE, MPU_RASR_SIZE(21) | MPU_RASR_AP(MPU_AP_PRIV_RO) | MPU_RASR_ENABLE },
    /* 1: keystore + nvstore (64 KiB at 0x10000): privileged read-only */
    { KEYSTORE_ADDR,
      MPU_RASR_SIZE(16) | MPU_RASR_AP(MPU_AP_PRIV_RO) | MPU_RASR_XN | MPU_RASR_ENABLE },
    /* 2: SRAM, read-write, never executable, privileged only */
    { SRAM_BASE, MPU_RASR_SIZE(18) | MPU_RASR_AP(MPU_AP_PRIV_RW) | MPU_RASR_XN | MPU_RASR_ENABLE },
    /* 3: peripherals (sixteen 4 KiB windows), privileged only */
    { PERIPH_BASE,
      MPU_RASR_SIZE(16) | MPU_RASR_AP(MPU_AP_PRIV_RW) | MPU_RASR_XN | MPU_RASR_ENABLE },
    /* 4: OTP fuses, read-only, privileged only */
    { OTP_BASE, MPU_RASR_SIZE(12) | MPU_RASR_AP(MPU_AP_PRIV_RO) | MPU_RASR_XN | MPU_RASR_ENABLE },
};

#define REGION_VM_TEXT 5u
#define REGION_VM_RAM 6u

/* The smallest region whose enabled sub-regions cover [start, end)
 * exactly from start (for the code, the rest of the last sub-region is
 * what follows it: nothing, it is last in the image; the RAM's end is on
 * a sub-region boundary: exact_end, or the platform's RAM beyond it
 * would be the VM's).  0, or -1 when start is
 * not on a sub-region boundary of any region that holds the range. */
static int region_covering(uint32_t start, uint32_t end, bool exact_end, uint32_t *rbar,
                           uint32_t *rasr)
{
    for (unsigned log2 = 8; log2 < 32 && end > start; log2++) {
        uint32_t size = 1u << log2, base = start & ~(size - 1), sub = size / 8;
        if (end - 1 - base >= size || (start - base) % sub || (exact_end && (end - base) % sub))
            continue;
        uint32_t first = (start - base) / sub, last = (end - 1 - base) / sub;
        uint32_t enabled = ((2u << last) - 1) & ~((1u << first) - 1);
        *rbar = base;
        *rasr = MPU_RASR_SIZE(log2) | ((~enabled & MPU_RASR_SRD_MASK) << MPU_RASR_SRD_SHIFT);
        return 0;
    }
    return -1;
}

static void set_region(unsigned n, uint32_t base, uint32_t rasr)
{
    MPU_RNR = n;
    MPU_RBAR = base;
    MPU_RASR = rasr;
}

/* Region 6 as computed at boot, and its first enabled sub-region. */
static uint32_t vm_ram_rbar, vm_ram_rasr;
static unsigned vm_ram_first_sub;

void mpu_vm_ram_open(int first, unsigned count)
{
    uint32_t enabled = 1u << vm_ram_first_sub;

    if (!vm_ram_rasr)
        return; /* the VM is disabled */
    if (first >= 0 && count && (unsigned)first + count <= VM_ARENAS)
        enabled |= ((1u << count) - 1u) << (vm_ram_first_sub + 1u + (unsigned)first);
    MPU_RNR = REGION_VM_RAM;
    MPU_RASR = (vm_ram_rasr & ~(MPU_RASR_SRD_MASK << MPU_RASR_SRD_SHIFT)) |
               ((~enabled & MPU_RASR_SRD_MASK) << MPU_RASR_SRD_SHIFT);
    dsb_isb();
}

void mpu_setup(void)
{
    uint32_t base, rasr;

    MPU_CTRL = 0;
    for (unsigned i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
        set_region(i, regions[i].base, regions[i].rasr);
    /* 5: the VM's code (Lua, its glue, the C library): read-only and
     * executable for both levels */
    if (region_covering((uint32_t)__vm_text_start, (uint32_t)__vm_text_end, false, &base, &rasr) == 0)
        set_region(REGION_VM_TEXT, base, rasr | MPU_RASR_AP(MPU_AP_RO) | MPU_RASR_ENABLE);
    else
        vm_disable("its code is not on an MPU region boundary (VM_TEXT_ALIGN)");
    /* 6: the VM's RAM: read-write for both levels, never executable; the
     * sub-regions of a 128 KiB region that hold it (vm_gate.h) */
    if (region_covering((uint32_t)__vm_ram_start, (uint32_t)__vm_ram_end, true, &base, &rasr) == 0 &&
        (2u << ((rasr >> MPU_RASR_SIZE_SHIFT) & MPU_RASR_SIZE_MASK)) / 8u == VM_SUBREGION_SIZE) {
        vm_ram_rbar = base;
        vm_ram_rasr = rasr | MPU_RASR_AP(MPU_AP_RW) | MPU_RASR_XN | MPU_RASR_ENABLE;
        vm_ram_first_sub = ((uint32_t)__vm_ram_start - base) / VM_SUBREGION_SIZE;
        set_region(REGION_VM_RAM, vm_ram_rbar, vm_ram_rasr);
        mpu_vm_ram_open(-1, 0);
    } else {
        vm_disable("its RAM is not on 16 KiB MPU sub-regions (VM_RAM_ALIGN, VM_SUBREGION_SIZE)");
    }
    /* ENABLE, no PRIVDEFENA: an address no region names faults even for
     * privileged code. */
    MPU_CTRL = MPU_CTRL_ENABLE;
    dsb_isb();
}

bool mpu_enabled(void)
{
    return MPU_CTRL & MPU_CTRL_ENABLE;
}
