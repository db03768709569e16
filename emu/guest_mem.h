/* emu/guest_mem.h: a machine's flash or SRAM as host memory that costs
 * only what the lamp has made its own.
 *
 * The memory starts as a private mapping of one template per process
 * (erased flash: all 0xFF; power-on SRAM: a fixed pattern), so a page
 * nobody wrote is the template's page, shared by every machine, and a page
 * nobody touched is not mapped at all.  Writing a page (the guest, a
 * model, the host) gives the machine its own copy; discarding it (a flash
 * erase, an SRAM power-on) returns it to the template and frees it.  For
 * flash, whose every write the models see, the pages written are also
 * tracked, so host code can read unwritten ones from the template without
 * mapping them (docs/emulator.md#memory). */
#ifndef LAMPSIM_EMU_GUEST_MEM_H
#define LAMPSIM_EMU_GUEST_MEM_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_PAGE 4096u /* the host's page: what is shared or owned */

enum guest_mem_fill {
    GUEST_MEM_ERASED,   /* 0xFF, as NOR flash after an erase */
    GUEST_MEM_POWER_ON, /* SRAM as it powers up: not zero, so firmware that
                           relies on uninitialised RAM shows it */
};

struct guest_mem;

/* size is a multiple of GUEST_MEM_PAGE and at most the template's size for
 * that fill (GUEST_MEM_MAX_BYTES). */
#define GUEST_MEM_MAX_BYTES (2u * 1024 * 1024)
struct guest_mem *guest_mem_new(size_t size, enum guest_mem_fill fill, GError **error);
void guest_mem_free(struct guest_mem *gm);

uint8_t *guest_mem_host(struct guest_mem *gm);
size_t guest_mem_size(const struct guest_mem *gm);

/* Host code (a model, the factory, a load from disk) wrote [off, off+len):
 * those pages are tracked as the machine's own. */
void guest_mem_note_written(struct guest_mem *gm, size_t off, size_t len);
/* Whether the page holding off was ever noted written since its last
 * discard (false: it holds the fill pattern). */
bool guest_mem_page_written(const struct guest_mem *gm, size_t off);
/* The page holding off, to read: the machine's own, or the template's
 * without mapping it into this machine. */
const uint8_t *guest_mem_page_view(const struct guest_mem *gm, size_t off);
/* Returns the whole pages of [off, off+len) to the fill pattern and frees
 * their memory (partial pages at the edges are filled in place). */
void guest_mem_discard(struct guest_mem *gm, size_t off, size_t len);
/* Unmaps the pages never noted written (reads mapped the template's page
 * into this machine): they cost nothing until read again.  Only for
 * memory whose every write is noted (flash). */
void guest_mem_trim(struct guest_mem *gm);

#endif
