/* firmware/app/mpu_setup.h */
#ifndef LAMP_MPU_SETUP_H
#define LAMP_MPU_SETUP_H

#include <stdbool.h>

void mpu_setup(void);
bool mpu_enabled(void);

#endif
