/* firmware/vm/vm_alloc.h: the app's heap: a first-fit allocator over the
 * app's arena in the VM's region, refusing past the app's cap.  Its
 * state is in the arena (the VM has no static data: its region is the
 * only RAM it may write), so each app's heap is its own. */
#ifndef LAMP_VM_ALLOC_H
#define LAMP_VM_ALLOC_H

#include "vm_gate.h"

#include <stddef.h>

void vm_heap_init(struct vm_heap *heap);
/* lua_Alloc; ud is the heap. */
void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

#endif
