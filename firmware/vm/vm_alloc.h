/* firmware/vm/vm_alloc.h: the app's heap: a first-fit allocator over the
 * job's heap in the VM's region, refusing past the job's cap.  Its state
 * is in the job (the VM has no static data: its region is the only RAM
 * it may write). */
#ifndef LAMP_VM_ALLOC_H
#define LAMP_VM_ALLOC_H

#include "vm_gate.h"

#include <stddef.h>

void vm_heap_init(struct vm_job *job);
/* lua_Alloc; ud is the job. */
void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

#endif
