/* emu/flash_store.h: a lamp's flash and OTP contents on disk, written so
 * that a host crash can never leave a torn image (docs/formats.md,
 * docs/robustness.md#host-crashes). */
#ifndef LAMPSIM_EMU_FLASH_STORE_H
#define LAMPSIM_EMU_FLASH_STORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The file in a state directory that holds the lamp's flash and OTP. */
#define FLASH_STORE_FILE "lamp.img"

struct flash_store;
struct guest_mem;

/* Opens (creating if absent: flash erased to 0xFF, OTP blank 0) the store
 * in dir and claims it against other processes (state_lock.h).  The lamp's
 * memory mem receives the stored flash and OTP; their pages holding data
 * are noted written, the others left to its template (guest_mem.h). */
struct flash_store *flash_store_open(const char *dir, struct guest_mem *mem, GError **error);
/* Writes a new store in dir (which must exist and hold none) with these
 * contents in one checkpoint: how a lamp leaves the factory. */
bool flash_store_create(const char *dir, const uint8_t *flash, size_t flash_size,
                        const uint8_t *otp, size_t otp_size, uint32_t variant, GError **error);
/* The lamp's hardware variant, fixed at manufacture and kept with its
 * flash (docs/formats.md#state-directory).  A store written before
 * variants existed reads as 0: no optional blocks. */
#define FLASH_STORE_VARIANT_CRYPTO 1u /* has the CRYPTO engine */
uint32_t flash_store_variant(const struct flash_store *st);
void flash_store_set_variant(struct flash_store *st, uint32_t variant);
/* The contents changed since the last checkpoint. */
void flash_store_mark_dirty(struct flash_store *st);
/* Writes a checkpoint atomically if anything changed. */
bool flash_store_sync(struct flash_store *st, GError **error);
void flash_store_close(struct flash_store *st);

#endif
