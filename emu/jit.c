/* emu/jit.c: a core's translated code: bounded, and given back.
 *
 * Unicorn 2.1.1 crashes when its translation buffer fills (the flush it
 * starts then chains into freed code; fixed upstream after 2.1.1, commit
 * 2128e01e), so the core flushes it itself, between runs, well before
 * that.  The buffer is filled from its start in order, and the block hook
 * is called from inside each block's code as it first runs, so the highest
 * return address it has seen since a flush is how far the buffer is used.
 * A flush also hands the used pages back to the host (madvise), and empties
 * the code pool (nothing translated from its pages is left). */
#include "machine_internal.h"

#include <string.h>
#include <sys/mman.h>

#define HOST_PAGE 4096u
/* Flushed between runs past this, and a run stops past JIT_STOP_AT
 * (machine_internal.h), so that no run can reach the end (a block's code
 * is far below the gap). */
#define JIT_FLUSH_AT (CPU_TCG_BUFFER_BYTES / 4 * 3)

size_t jit_used_bytes(const struct machine_core *core)
{
    return core->jit_low ? core->jit_high - core->jit_low : 0;
}

void jit_flush(struct machine_core *core)
{
    /* The prologue shares the first page with the first block (Unicorn
     * 2.1.1 starts the code region right after it), so that page stays. */
    uintptr_t start = (core->jit_low & ~(uintptr_t)(HOST_PAGE - 1)) + HOST_PAGE;
    uintptr_t end = (core->jit_high & ~(uintptr_t)(HOST_PAGE - 1)) + 2 * HOST_PAGE;

    uc_ctl_flush_tb(core->uc);
    if (core->jit_low && end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
    core->jit_low = core->jit_high = 0;
    /* Nothing refers to the pool's pages any more; the machines see the new
     * generation and map their flash again (tlb.c).  The TLB may hold pool
     * addresses: it goes too. */
    code_pool_reset(core->pool);
    core->pool_gen = code_pool_generation(core->pool);
    block_cache_clear(core->blocks);
    uc_ctl_flush_tlb(core->uc);
    core->tlb_owner = NULL;
    core->jit_flushes++;
    core->pool_full = false;
}

void jit_bound(struct machine_core *core)
{
    if (jit_used_bytes(core) >= JIT_FLUSH_AT || core->pool_full)
        jit_flush(core);
}
