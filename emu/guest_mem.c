/* emu/guest_mem.c: a lamp's memory as a private mapping of one template per
 * process (guest_mem.h). */
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES (GUEST_MEM_SIZE / GUEST_MEM_PAGE)

struct guest_mem {
    uint8_t *host;
    bool placed;                        /* at an address the caller reserved */
    uint64_t written[(PAGES + 63) / 64]; /* a bit per page, see note_written */
};

/* The template: the memory every lamp starts from. */
static struct {
    int fd;                 /* or -errno */
    const uint8_t *view;    /* read-only, mapped once per process */
} tmpl;
static GOnce tmpl_once = G_ONCE_INIT;

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

static gpointer template_create(gpointer unused)
{
    int fd = memfd_create("lampsim-lamp-memory", MFD_CLOEXEC);
    uint8_t *p;

    if (fd < 0 || ftruncate(fd, GUEST_MEM_SIZE) != 0)
        goto fail;
    p = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto fail;
    memset(p + GUEST_MEM_FLASH_OFF, 0xFF, FLASH_SIZE);
    /* OTP is blank (0): the file's hole, which costs nothing. */
    fill_power_on(p + GUEST_MEM_SRAM_OFF, SRAM_SIZE);
    mprotect(p, GUEST_MEM_SIZE, PROT_READ);
    tmpl.fd = fd;
    tmpl.view = p;
    return &tmpl;
fail:
    tmpl.fd = -errno;
    if (fd >= 0)
        close(fd);
    return &tmpl;
}

struct guest_mem *guest_mem_new(void *at, GError **error)
{
    struct guest_mem *gm;
    void *p;

    g_once(&tmpl_once, template_create, NULL);
    if (tmpl.fd < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(-tmpl.fd),
                    "lamp memory template: memfd_create/mmap failed (%s)", g_strerror(-tmpl.fd));
        return NULL;
    }
    p = mmap(at, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | (at ? MAP_FIXED : 0),
             tmpl.fd, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "lamp memory of %u bytes: mmap failed (%s); with many lamps, see "
                    "vm.max_map_count", GUEST_MEM_SIZE, g_strerror(e));
        return NULL;
    }
    gm = g_new0(struct guest_mem, 1);
    gm->host = p;
    gm->placed = at != NULL;
    return gm;
}

void guest_mem_free(struct guest_mem *gm)
{
    if (!gm)
        return;
    if (gm->placed)
        mmap(gm->host, GUEST_MEM_SIZE, PROT_NONE,
             MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    else
        munmap(gm->host, GUEST_MEM_SIZE);
    g_free(gm);
}

uint8_t *guest_mem_at(struct guest_mem *gm, size_t off)
{
    return gm->host + off;
}

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
    return guest_mem_page_written(gm, off) ? guest_mem_at((struct guest_mem *)gm, page)
                                           : tmpl.view + page;
}

void guest_mem_discard(struct guest_mem *gm, size_t off, size_t len)
{
    size_t start = (off + GUEST_MEM_PAGE - 1) & ~(size_t)(GUEST_MEM_PAGE - 1);
    size_t end = (off + len) & ~(size_t)(GUEST_MEM_PAGE - 1);

    if (end <= start) {
        memcpy(guest_mem_at(gm, off), tmpl.view + off, len);
        return;
    }
    if (off < start)
        memcpy(guest_mem_at(gm, off), tmpl.view + off, start - off);
    if (off + len > end)
        memcpy(guest_mem_at(gm, end), tmpl.view + end, off + len - end);
    /* On a private mapping of the template, the pages read back as the
     * template's (madvise(2)). */
    madvise(guest_mem_at(gm, start), end - start, MADV_DONTNEED);
    for (size_t p = start / GUEST_MEM_PAGE; p < end / GUEST_MEM_PAGE; p++)
        gm->written[p / 64] &= ~(1ull << (p % 64));
}

static void trim_range(struct guest_mem *gm, size_t from, size_t to)
{
    for (size_t p = from / GUEST_MEM_PAGE; p < to / GUEST_MEM_PAGE;) {
        if (guest_mem_page_written(gm, p * GUEST_MEM_PAGE)) {
            p++;
            continue;
        }
        size_t q = p;
        while (q < to / GUEST_MEM_PAGE && !guest_mem_page_written(gm, q * GUEST_MEM_PAGE))
            q++;
        madvise(guest_mem_at(gm, p * GUEST_MEM_PAGE), (q - p) * GUEST_MEM_PAGE, MADV_DONTNEED);
        p = q;
    }
}

void guest_mem_trim(struct guest_mem *gm)
{
    /* Not SRAM: the guest writes it without the models seeing. */
    trim_range(gm, GUEST_MEM_FLASH_OFF, GUEST_MEM_SRAM_OFF);
}
