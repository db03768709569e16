/* tests/fuzz/lamp/guest_heap.h: the lamp's heap seen from outside: the
 * mbedTLS arena of the application firmware (firmware/app/main.c, every
 * allocation of mbedTLS and cJSON), found through the symbols of app.elf
 * and walked block by block in guest memory. */
#ifndef LAMPSIM_FUZZ_GUEST_HEAP_H
#define LAMPSIM_FUZZ_GUEST_HEAP_H

#include "machine.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct guest_heap {
    uint32_t base, size;       /* the arena in guest SRAM */
};

struct guest_heap_usage {
    uint32_t in_use;           /* bytes of allocated blocks (headers excluded) */
    uint32_t blocks;           /* allocated blocks */
    uint32_t high_water;       /* offset past the highest non-zero word: how
                                  far allocations ever reached */
};

/* Finds the arena (the local symbol mbedtls_arena of main.c) in elf_path. */
bool guest_heap_locate(const char *elf_path, struct guest_heap *out, GError **error);
/* Walks the arena's block list as mbedTLS keeps it; false with what is
 * broken (a header's magic, a link out of the arena, blocks that do not
 * tile it). */
bool guest_heap_walk(struct machine *m, const struct guest_heap *heap,
                     struct guest_heap_usage *out, GError **error);

#endif
