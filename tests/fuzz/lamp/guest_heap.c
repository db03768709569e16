/* tests/fuzz/lamp/guest_heap.c: the mbedTLS arena of the lamp's firmware,
 * located in app.elf and walked in guest memory (guest_heap.h). */
#include "guest_heap.h"

#include <elf.h>
#include <string.h>

/* mbedTLS 2.28's block header (library/memory_buffer_alloc.c, without
 * MBEDTLS_MEMORY_BACKTRACE, which firmware/mbedtls/lamp_mbedtls_config.h
 * leaves off), as the 32-bit firmware lays it out: magic1, size, alloc,
 * prev, next, prev_free, next_free, magic2. */
#define HDR_WORDS 8u
#define HDR_BYTES (HDR_WORDS * 4u)
#define HDR_MAGIC1 0xFF00AA55u
#define HDR_MAGIC2 0xEE119966u
enum { H_MAGIC1, H_SIZE, H_ALLOC, H_PREV, H_NEXT, H_PREV_FREE, H_NEXT_FREE, H_MAGIC2 };

/* The arena is a static of this file, so a local symbol after its STT_FILE. */
#define ARENA_FILE "main.c"
#define ARENA_SYMBOL "mbedtls_arena"

static bool elf_bad(GError **error, const char *path, const char *why)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, why);
    return false;
}

bool guest_heap_locate(const char *elf_path, struct guest_heap *out, GError **error)
{
    g_autofree char *img = NULL;
    gsize len;

    if (!g_file_get_contents(elf_path, &img, &len, error))
        return false;
    const Elf32_Ehdr *eh = (const Elf32_Ehdr *)img;
    if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_shentsize != sizeof(Elf32_Shdr) ||
        eh->e_shoff > len || (gsize)eh->e_shnum * sizeof(Elf32_Shdr) > len - eh->e_shoff)
        return elf_bad(error, elf_path, "not a 32-bit ELF file with section headers");
    const Elf32_Shdr *sh = (const Elf32_Shdr *)(img + eh->e_shoff);
    unsigned found = 0;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf32_Shdr *st = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||
            st->sh_offset > len || st->sh_size > len - st->sh_offset || st->sh_size == 0 ||
            img[st->sh_offset + st->sh_size - 1] != 0)
            return elf_bad(error, elf_path, "symbol table out of the file");
        const Elf32_Sym *sym = (const Elf32_Sym *)(img + sh[i].sh_offset);
        const char *names = img + st->sh_offset;
        const char *file = "";
        for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf32_Sym); k++) {
            if (sym[k].st_name >= st->sh_size)
                continue;
            const char *name = names + sym[k].st_name;
            if (ELF32_ST_TYPE(sym[k].st_info) == STT_FILE) {
                file = name;
            } else if (ELF32_ST_TYPE(sym[k].st_info) == STT_OBJECT &&
                       strcmp(name, ARENA_SYMBOL) == 0 && strcmp(file, ARENA_FILE) == 0) {
                out->base = sym[k].st_value;
                out->size = sym[k].st_size;
                found++;
            }
        }
    }
    if (found != 1)
        return elf_bad(error, elf_path, found ? "more than one " ARENA_SYMBOL " of " ARENA_FILE
                                              : "no symbol " ARENA_SYMBOL " of " ARENA_FILE);
    if (out->size < HDR_BYTES || out->base % 4 != 0)
        return elf_bad(error, elf_path, ARENA_SYMBOL " too small or not word-aligned");
    return true;
}

static bool heap_bad(GError **error, uint32_t at, const char *why)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "the lamp's mbedTLS heap is broken at 0x%08x: %s", at, why);
    return false;
}

bool guest_heap_walk(struct machine *m, const struct guest_heap *heap,
                     struct guest_heap_usage *out, GError **error)
{
    g_autofree uint32_t *arena = g_malloc(heap->size);
    uint32_t words = heap->size / 4, at = 0, prev = 0;

    if (!machine_read_phys(m, heap->base, arena, heap->size))
        return heap_bad(error, heap->base, "not readable");
    memset(out, 0, sizeof(*out));
    for (uint32_t i = words; i > 0; i--) {
        if (arena[i - 1] != 0) {
            out->high_water = i * 4;
            break;
        }
    }
    /* Blocks tile the arena from its start: each header is followed by its
     * data and the next header, and links both ways. */
    for (;;) {
        const uint32_t *h = arena + at / 4;
        uint32_t addr = heap->base + at;
        if (at > heap->size - HDR_BYTES)
            return heap_bad(error, addr, "a header past the arena's end");
        if (h[H_MAGIC1] != HDR_MAGIC1 || h[H_MAGIC2] != HDR_MAGIC2)
            return heap_bad(error, addr, "a header's magic is overwritten");
        if (h[H_ALLOC] > 1 || h[H_PREV] != prev)
            return heap_bad(error, addr, "a header's alloc flag or back link is wrong");
        if (h[H_SIZE] > heap->size - at - HDR_BYTES)
            return heap_bad(error, addr, "a block reaching past the arena's end");
        if (h[H_ALLOC]) {
            out->in_use += h[H_SIZE];
            out->blocks++;
        }
        if (h[H_NEXT] == 0)
            break;
        if (h[H_NEXT] != addr + HDR_BYTES + h[H_SIZE])
            return heap_bad(error, addr, "the next block is not right after this one");
        prev = addr;
        at += HDR_BYTES + h[H_SIZE];
    }
    return true;
}
