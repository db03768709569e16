/* firmware/app/mpu_setup.c: the lamp's MPU layout (docs/firmware.md#mpu):
 * code read-only and executable, keystore and nvstore privileged read-only,
 * RAM and peripherals execute-never, no background region. */
#include "mpu_setup.h"

#include "hw.h"

static const struct { uint32_t base, rasr; } regions[] = {
    /* 0: all flash, read-only code for both levels */
    { FLASH_BASE, MPU_RASR_SIZE(21) | MPU_RASR_AP(MPU_AP_RO) | MPU_RASR_ENABLE },
    /* 1: keystore + nvstore (64 KiB at 0x10000): privileged read-only */
    { KEYSTORE_ADDR,
      MPU_RASR_SIZE(16) | MPU_RASR_AP(MPU_AP_PRIV_RO) | MPU_RASR_XN | MPU_RASR_ENABLE },
    /* 2: SRAM, read-write, never executable */
    { SRAM_BASE, MPU_RASR_SIZE(18) | MPU_RASR_AP(MPU_AP_RW) | MPU_RASR_XN | MPU_RASR_ENABLE },
    /* 3: peripherals (sixteen 4 KiB windows), privileged only */
    { PERIPH_BASE,
      MPU_RASR_SIZE(16) | MPU_RASR_AP(MPU_AP_PRIV_RW) | MPU_RASR_XN | MPU_RASR_ENABLE },
    /* 4: OTP fuses, read-only */
    { OTP_BASE, MPU_RASR_SIZE(12) | MPU_RASR_AP(MPU_AP_RO) | MPU_RASR_XN | MPU_RASR_ENABLE },
};

void mpu_setup(void)
{
    MPU_CTRL = 0;
    for (unsigned i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        MPU_RNR = i;
        MPU_RBAR = regions[i].base;
        MPU_RASR = regions[i].rasr;
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
