/* emu/block_cache.h: what the core has learnt about the translation blocks
 * it runs, so the block hook, called before every block, need not decode
 * the block again (docs/emulator.md#blocks).
 *
 * A block is named by where its translated code calls the block hook from:
 * Unicorn emits that call once at the start of each block's code and never
 * reuses code space until the whole buffer is flushed, so the call's
 * return address names one translation of one block, whichever machine
 * runs it (machines share a translation only when they run the same bytes
 * at the same address).  The core's translated code lies in one buffer of
 * CPU_TCG_BUFFER_BYTES, far below 4 GiB, so the address's low 32 bits are
 * enough.  An entry records the block's instruction count, once its
 * instruction sites have been seen to be hooked (sites.c), and whether the
 * instruction before it may change the masks; it is overwritten by another
 * block of the same hash, and the cache is cleared when translated code
 * is flushed or a site hook is deleted. */
#ifndef LAMPSIM_EMU_BLOCK_CACHE_H
#define LAMPSIM_EMU_BLOCK_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#define BLOCK_CACHE_BITS 13 /* 8192 blocks: more than a firmware's hot ones */
#define BLOCK_CACHE_ENTRIES (1u << BLOCK_CACHE_BITS)
#define BLOCK_INSNS_MASK 0x7FFFu
#define BLOCK_FOLLOWS_MASK_CHANGE 0x8000u /* in a block's info word */

struct block_cache_entry {
    uint32_t code;  /* low 32 bits of the hook's return address; 0: empty */
    uint16_t info;  /* instructions, BLOCK_FOLLOWS_MASK_CHANGE */
};

struct block_cache {
    struct block_cache_entry e[BLOCK_CACHE_ENTRIES];
};

static inline struct block_cache_entry *block_cache_slot(struct block_cache *bc, uint32_t code)
{
    return &bc->e[(code * 0x9E3779B1u) >> (32 - BLOCK_CACHE_BITS)];
}

/* The block's info word, or -1 if it is not known. */
static inline int block_cache_info(struct block_cache *bc, uint32_t code)
{
    const struct block_cache_entry *e = block_cache_slot(bc, code);

    return e->code == code ? e->info : -1;
}

static inline void block_cache_put(struct block_cache *bc, uint32_t code, uint16_t info)
{
    *block_cache_slot(bc, code) = (struct block_cache_entry){ .code = code, .info = info };
}

struct block_cache *block_cache_new(void);
void block_cache_free(struct block_cache *bc);
/* Forgets every block: translated code was flushed, or a site hook went. */
void block_cache_clear(struct block_cache *bc);

#endif
