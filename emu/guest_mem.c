/* emu/guest_mem.c: flash and SRAM as private mappings of a shared template
 * (guest_mem.h). */
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct template {
    int fd;
    uint8_t *view;  /* read-only, mapped once per process */
    size_t size;
};

struct guest_mem {
    uint8_t *host;
    size_t size;
    const struct template *tmpl;
    uint64_t *written;  /* a bit per page, for guest_mem_note_written */
};

/* Power-on SRAM: bytes of 0xA5 with their low bit flipped at random, from a
 * fixed seed, so every lamp (and every run) sees the same "garbage". */
static void fill_power_on(uint8_t *p, size_t len)
{
    uint64_t state = 0x6C616D7073696Dull;

    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z = ((z ^ (z >> 31)) & 0x0101010101010101ull) ^ 0xA5A5A5A5A5A5A5A5ull;
        memcpy(p + i, &z, MIN(8, len - i));
    }
}

static struct template templates[2];
static GOnce template_once[2] = { G_ONCE_INIT, G_ONCE_INIT };

static gpointer template_create(gpointer data)
{
    enum guest_mem_fill fill = GPOINTER_TO_INT(data);
    struct template *t = &templates[fill];
    int fd = memfd_create(fill == GUEST_MEM_ERASED ? "lampsim-erased-flash" : "lampsim-power-on-sram",
                          MFD_CLOEXEC);
    uint8_t *p;

    if (fd < 0 || ftruncate(fd, GUEST_MEM_MAX_BYTES) != 0)
        goto fail;
    p = mmap(NULL, GUEST_MEM_MAX_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    if (fill == GUEST_MEM_ERASED)
        memset(p, 0xFF, GUEST_MEM_MAX_BYTES);
    else
        fill_power_on(p, GUEST_MEM_MAX_BYTES);
    mprotect(p, GUEST_MEM_MAX_BYTES, PROT_READ);
    t->fd = fd;
    t->view = p;
    t->size = GUEST_MEM_MAX_BYTES;
    return t;
fail:
    t->fd = -errno;
    if (fd >= 0)
        close(fd);
    return t;
}

struct guest_mem *guest_mem_new(size_t size, enum guest_mem_fill fill, GError **error)
{
    const struct template *t = g_once(&template_once[fill], template_create, GINT_TO_POINTER(fill));
    struct guest_mem *gm;
    void *p;

    if (t->fd < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-t->fd),
                    "guest memory template: memfd_create/mmap failed (%s)", g_strerror(-t->fd));
        return NULL;
    }
    if (size % GUEST_MEM_PAGE || size > t->size) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "guest memory of %zu bytes: not whole pages, or over %u", size,
                    GUEST_MEM_MAX_BYTES);
        return NULL;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, t->fd, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "guest memory of %zu bytes: mmap failed (%s); with many lamps, see "
                    "vm.max_map_count", size, g_strerror(e));
        return NULL;
    }
    gm = g_new0(struct guest_mem, 1);
    gm->host = p;
    gm->size = size;
    gm->tmpl = t;
    gm->written = g_new0(uint64_t, (size / GUEST_MEM_PAGE + 63) / 64);
    return gm;
}

void guest_mem_free(struct guest_mem *gm)
{
    if (!gm)
        return;
    munmap(gm->host, gm->size);
    g_free(gm->written);
    g_free(gm);
}

uint8_t *guest_mem_host(struct guest_mem *gm) { return gm->host; }
size_t guest_mem_size(const struct guest_mem *gm) { return gm->size; }

void guest_mem_note_written(struct guest_mem *gm, size_t off, size_t len)
{
    if (!len)
        return;
    for (size_t p = off / GUEST_MEM_PAGE; p <= (off + len - 1) / GUEST_MEM_PAGE; p++)
        gm->written[p / 64] |= 1ull << (p % 64);
}

bool guest_mem_page_written(const struct guest_mem *gm, size_t off)
{
    size_t p = off / GUEST_MEM_PAGE;
    return gm->written[p / 64] & (1ull << (p % 64));
}

const uint8_t *guest_mem_page_view(const struct guest_mem *gm, size_t off)
{
    size_t page = off & ~(size_t)(GUEST_MEM_PAGE - 1);
    return guest_mem_page_written(gm, off) ? gm->host + page : gm->tmpl->view + page;
}

void guest_mem_discard(struct guest_mem *gm, size_t off, size_t len)
{
    size_t start = (off + GUEST_MEM_PAGE - 1) & ~(size_t)(GUEST_MEM_PAGE - 1);
    size_t end = (off + len) & ~(size_t)(GUEST_MEM_PAGE - 1);

    if (end <= start) {
        memcpy(gm->host + off, gm->tmpl->view + off, len);
        return;
    }
    if (off < start)
        memcpy(gm->host + off, gm->tmpl->view + off, start - off);
    if (off + len > end)
        memcpy(gm->host + end, gm->tmpl->view + end, off + len - end);
    /* On a private mapping of the template, the pages read back as the
     * template's (madvise(2)). */
    madvise(gm->host + start, end - start, MADV_DONTNEED);
    for (size_t p = start / GUEST_MEM_PAGE; p < end / GUEST_MEM_PAGE; p++)
        gm->written[p / 64] &= ~(1ull << (p % 64));
}

void guest_mem_trim(struct guest_mem *gm)
{
    size_t pages = gm->size / GUEST_MEM_PAGE;

    for (size_t p = 0; p < pages;) {
        if (guest_mem_page_written(gm, p * GUEST_MEM_PAGE)) {
            p++;
            continue;
        }
        size_t q = p;
        while (q < pages && !guest_mem_page_written(gm, q * GUEST_MEM_PAGE))
            q++;
        madvise(gm->host + p * GUEST_MEM_PAGE, (q - p) * GUEST_MEM_PAGE, MADV_DONTNEED);
        p = q;
    }
}
