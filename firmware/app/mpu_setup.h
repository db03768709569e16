/* firmware/app/mpu_setup.h */
#ifndef LAMP_MPU_SETUP_H
#define LAMP_MPU_SETUP_H

#include <stdbool.h>

void mpu_setup(void);
/* Region 6 (the VM's RAM) open to unprivileged code at its first
 * sub-region (the VM's stack and job) and the count arenas from `first`
 * only (first < 0: the first sub-region alone); the other arenas stay
 * privileged. */
void mpu_vm_ram_open(int first, unsigned count);
bool mpu_enabled(void);

#endif
