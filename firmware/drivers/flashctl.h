/* firmware/drivers/flashctl.h: program and erase flash through FLASHCTL. */
#ifndef LAMP_FLASHCTL_H
#define LAMP_FLASHCTL_H

#include <stdint.h>

/* 0 or the FLASHCTL SR error bits. */
uint32_t flashctl_program(uint32_t addr, uint32_t word);
uint32_t flashctl_erase(uint32_t addr);
/* Protect [start, end) until reset. */
void flashctl_protect(unsigned range, uint32_t start, uint32_t end);
void flashctl_lock_protection(void);

#endif
