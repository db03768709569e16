/* firmware/vm/vm_format.h: the VM's number formatting and scaling
 * (vm_format.c), in place of newlib's (vm_libc.c says why). */
#ifndef LAMP_VM_FORMAT_H
#define LAMP_VM_FORMAT_H

#include <stddef.h>

/* snprintf for one conversion spec, as Lua's core and string.format
 * use it (the Lua sources call it under the name snprintf). */
int lamp_vm_snprintf(char *buf, size_t size, const char *fmt, ...);
/* v * 10^k without overflow in the scale for |k| <= 700. */
double lamp_vm_scale10(double v, int k);

#endif
