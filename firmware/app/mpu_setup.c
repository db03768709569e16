/* firmware/app/mpu_setup.c: the lamp's MPU layout (docs/firmware.md#mpu):
 * code read-only and executable, keystore and nvstore privileged read-only,
 * RAM and peripherals execute-never, no background region. */
#include "mpu_setup.h"

#include "hw.h"

#define RASR_ENABLE 1u
#define RASR_SIZE(log2) (((log2) - 1u) << 1)
#define RASR_AP(ap) ((uint32_t)(ap) << 24)
#define RASR_XN (1u << 28)
#define AP_PRIV_RW 1u
#define AP_RW 3u
#define AP_PRIV_RO 5u
#define AP_RO 6u

static const struct { uint32_t base, rasr; } regions[] = {
    /* 0: all flash, read-only code for both levels */
    { FLASH_BASE, RASR_SIZE(21) | RASR_AP(AP_RO) | RASR_ENABLE },
    /* 1: keystore + nvstore (64 KiB at 0x10000): privileged read-only */
    { KEYSTORE_ADDR, RASR_SIZE(16) | RASR_AP(AP_PRIV_RO) | RASR_XN | RASR_ENABLE },
    /* 2: SRAM, read-write, never executable */
    { SRAM_BASE, RASR_SIZE(18) | RASR_AP(AP_RW) | RASR_XN | RASR_ENABLE },
    /* 3: peripherals (sixteen 4 KiB windows), privileged only */
    { 0x40000000u, RASR_SIZE(16) | RASR_AP(AP_PRIV_RW) | RASR_XN | RASR_ENABLE },
    /* 4: OTP fuses, read-only */
    { OTP_BASE, RASR_SIZE(12) | RASR_AP(AP_RO) | RASR_XN | RASR_ENABLE },
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
    MPU_CTRL = 1u;
    dsb_isb();
}

bool mpu_enabled(void)
{
    return MPU_CTRL & 1u;
}
