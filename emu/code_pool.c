/* emu/code_pool.c: the code pages machines of one core execute, stored
 * once by content.
 *
 * Unicorn finds translated code by physical address.  A machine's flash
 * pages are fetched through the core's TLB from here rather than from the
 * machine's own memory, so every machine whose page holds the same bytes
 * (the same bootloader, the same firmware image) reaches the same physical
 * page and runs the same translated code: a fleet translates its firmware
 * once per core, not once per lamp (docs/emulator.md#cores).  A page is
 * never changed once stored; a machine whose flash changes simply maps the
 * new content, and pages no machine uses are only reclaimed when the
 * core's translated code is flushed (code_pool_reset), so translated code
 * can never outlive the bytes it was made from. */
#include "code_pool.h"

#include <string.h>
#include <sys/mman.h>

struct code_pool {
    uint8_t *host;          /* CODE_POOL_PAGES pages, mapped at phys */
    uint64_t phys;
    unsigned used;
    unsigned generation;    /* bumped by every reset */
    GHashTable *by_content; /* content hash (guint64) -> first page index + 1 */
    uint32_t *next_same;    /* per page: next page index + 1 with that hash, 0: none */
    uint64_t *hash;         /* per page */
};

/* 64-bit hash of a page, 8 bytes at a time (collisions are checked). */
static uint64_t page_hash(const uint8_t *p)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;

    for (size_t i = 0; i < CODE_POOL_PAGE; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
    }
    return h;
}

static guint hash64(gconstpointer k) { return (guint)(*(const uint64_t *)k ^ (*(const uint64_t *)k >> 32)); }
static gboolean equal64(gconstpointer a, gconstpointer b) { return *(const uint64_t *)a == *(const uint64_t *)b; }

struct code_pool *code_pool_new(uint64_t phys, GError **error)
{
    struct code_pool *p = g_new0(struct code_pool, 1);

    p->host = mmap(NULL, CODE_POOL_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p->host == MAP_FAILED) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "code pool of %u bytes: mmap failed",
                    CODE_POOL_BYTES);
        g_free(p);
        return NULL;
    }
    p->phys = phys;
    p->by_content = g_hash_table_new(hash64, equal64);
    p->next_same = g_new0(uint32_t, CODE_POOL_PAGES);
    p->hash = g_new0(uint64_t, CODE_POOL_PAGES);
    return p;
}

void code_pool_free(struct code_pool *p)
{
    if (!p)
        return;
    munmap(p->host, CODE_POOL_BYTES);
    g_hash_table_destroy(p->by_content);
    g_free(p->next_same);
    g_free(p->hash);
    g_free(p);
}

uint8_t *code_pool_host(struct code_pool *p) { return p->host; }
uint64_t code_pool_phys(const struct code_pool *p) { return p->phys; }
unsigned code_pool_generation(const struct code_pool *p) { return p->generation; }
unsigned code_pool_used(const struct code_pool *p) { return p->used; }

int code_pool_intern(struct code_pool *p, const uint8_t *page)
{
    uint64_t h = page_hash(page);
    gpointer first = g_hash_table_lookup(p->by_content, &h);

    for (uint32_t i = GPOINTER_TO_UINT(first); i; i = p->next_same[i - 1])
        if (memcmp(p->host + (size_t)(i - 1) * CODE_POOL_PAGE, page, CODE_POOL_PAGE) == 0)
            return (int)(i - 1);
    if (p->used == CODE_POOL_PAGES)
        return -1;
    unsigned idx = p->used++;
    memcpy(p->host + (size_t)idx * CODE_POOL_PAGE, page, CODE_POOL_PAGE);
    p->hash[idx] = h;
    /* The key lives in p->hash, which never moves. */
    p->next_same[idx] = GPOINTER_TO_UINT(first);
    g_hash_table_insert(p->by_content, &p->hash[idx], GUINT_TO_POINTER(idx + 1));
    return (int)idx;
}

void code_pool_reset(struct code_pool *p)
{
    g_hash_table_remove_all(p->by_content);
    memset(p->next_same, 0, CODE_POOL_PAGES * sizeof(*p->next_same));
    /* The pages' memory goes back to the host. */
    madvise(p->host, (size_t)p->used * CODE_POOL_PAGE, MADV_DONTNEED);
    p->used = 0;
    p->generation++;
}
