/* emu/guest_mem.h: a lamp's memory (flash, SRAM, OTP) as host memory that
 * costs only what the lamp has made its own.
 *
 * The memory is one private mapping of a template shared by the whole
 * process (flash erased to 0xFF, SRAM in a fixed power-on pattern, OTP
 * blank), so a page nobody wrote is the template's page, shared by every
 * lamp, and a page nobody touched is not mapped at all.  Writing a page
 * (the guest, a model, the host) gives the lamp its own copy; discarding it
 * (a flash erase, an SRAM power-on) returns it to the template and frees it.
 * Flash and OTP, whose every write the models see, also track the pages
 * written, so host code reads the others from the template without mapping
 * them (docs/emulator.md#memory). */
#ifndef LAMPSIM_EMU_GUEST_MEM_H
#define LAMPSIM_EMU_GUEST_MEM_H

#include "memory_map.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_PAGE 4096u /* the host's page: what is shared or owned */

/* Offsets of a lamp's memory (sizes from memory_map.h), one mapping. */
#define GUEST_MEM_FLASH_OFF 0u
#define GUEST_MEM_OTP_OFF (GUEST_MEM_FLASH_OFF + FLASH_SIZE)
#define GUEST_MEM_SRAM_OFF (GUEST_MEM_OTP_OFF + OTP_SIZE)
#define GUEST_MEM_SIZE (GUEST_MEM_SRAM_OFF + SRAM_SIZE)

struct guest_mem;

/* At host address at (a free page-aligned range of GUEST_MEM_SIZE bytes
 * the caller reserved), or anywhere when it is NULL. */
struct guest_mem *guest_mem_new(void *at, GError **error);
/* Unmaps it; memory placed at an address is left reserved (PROT_NONE). */
void guest_mem_free(struct guest_mem *gm);

/* The host address of an offset of the memory. */
uint8_t *guest_mem_at(struct guest_mem *gm, size_t off);
static inline uint8_t *guest_mem_flash(struct guest_mem *gm) { return guest_mem_at(gm, GUEST_MEM_FLASH_OFF); }
static inline uint8_t *guest_mem_sram(struct guest_mem *gm) { return guest_mem_at(gm, GUEST_MEM_SRAM_OFF); }
static inline uint8_t *guest_mem_otp(struct guest_mem *gm) { return guest_mem_at(gm, GUEST_MEM_OTP_OFF); }

/* Host code (a model, the factory, a load from disk) wrote [off, off+len)
 * of the memory: those pages are tracked as the lamp's own. */
void guest_mem_note_written(struct guest_mem *gm, size_t off, size_t len);
/* Whether the page holding off was noted written since its last discard
 * (false: it holds the template). */
bool guest_mem_page_written(const struct guest_mem *gm, size_t off);
/* The page holding off, to read: the lamp's own, or the template's without
 * mapping it into this lamp's memory. */
const uint8_t *guest_mem_page_view(const struct guest_mem *gm, size_t off);
/* Returns the whole pages of [off, off+len) to the template and frees their
 * memory (parts of pages at the edges are copied back in place). */
void guest_mem_discard(struct guest_mem *gm, size_t off, size_t len);
/* Unmaps the flash and OTP pages never noted written that reads brought
 * in: they cost nothing until read again. */
void guest_mem_trim(struct guest_mem *gm);

#endif
