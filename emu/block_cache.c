/* emu/block_cache.c: the core's cache of block instruction counts
 * (block_cache.h). */
#include "block_cache.h"

#include <glib.h>
#include <string.h>

struct block_cache *block_cache_new(void)
{
    return g_new0(struct block_cache, 1);
}

void block_cache_free(struct block_cache *bc)
{
    g_free(bc);
}

void block_cache_clear(struct block_cache *bc)
{
    memset(bc, 0, sizeof(*bc));
}
