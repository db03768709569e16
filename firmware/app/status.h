/* firmware/app/status.h: facts about this lamp shown by the banner and by
 * `status`. */
#ifndef LAMP_STATUS_H
#define LAMP_STATUS_H

#include <stdbool.h>
#include <stdint.h>

void status_init(void);       /* reads and clears the reset cause */
void status_print_banner(void);
void status_print(void);
const char *status_reset_cause(void);
/* This boot followed a power-on (the peripherals started afresh too). */
bool status_power_on(void);

#endif
