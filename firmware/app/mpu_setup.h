/* firmware/app/mpu_setup.h */
#ifndef LAMP_MPU_SETUP_H
#define LAMP_MPU_SETUP_H

#include <stdbool.h>

void mpu_setup(void);
/* Region 6 (the VM's RAM) open to unprivileged code at its first
 * sub-region (the VM's stack and job) and arena `slot` only (slot < 0:
 * the first alone); the other apps' arenas stay privileged. */
void mpu_vm_ram_open(int slot);
bool mpu_enabled(void);

#endif
