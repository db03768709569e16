/* emu/code_pool.h: the code pages of one core, stored once by content
 * (code_pool.c says why). */
#ifndef LAMPSIM_EMU_CODE_POOL_H
#define LAMPSIM_EMU_CODE_POOL_H

#include <glib.h>
#include <stdint.h>

#define CODE_POOL_PAGE 1024u   /* Unicorn's ARM page: what its TLB maps */
#define CODE_POOL_PAGES 32768u /* 32 MiB: every image a fleet runs, many times */
#define CODE_POOL_BYTES (CODE_POOL_PAGE * CODE_POOL_PAGES)

struct code_pool;

/* Its pages are mapped into the core's engine at physical address phys. */
struct code_pool *code_pool_new(uint64_t phys, GError **error);
void code_pool_free(struct code_pool *p);
uint8_t *code_pool_host(struct code_pool *p);
uint64_t code_pool_phys(const struct code_pool *p);
/* The index of the page holding these CODE_POOL_PAGE bytes, storing them
 * if new; -1 when the pool is full (the core then flushes it). */
int code_pool_intern(struct code_pool *p, const uint8_t *page);
/* Forgets every page; only with no translated code left.  Indices taken
 * before are invalid: machines compare generations. */
void code_pool_reset(struct code_pool *p);
unsigned code_pool_generation(const struct code_pool *p);
unsigned code_pool_used(const struct code_pool *p);

#endif
