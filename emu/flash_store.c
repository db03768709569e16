/* emu/flash_store.c: persistence of flash and OTP.  One file, lamp.img,
 * holds a header (magic, sizes, SHA-256 of the contents), a bitmap of the
 * pages that hold data and those pages (docs/formats.md): erased flash and
 * blank OTP are not stored, so 10,000 lamps do not cost 20 GB of disk.  A checkpoint writes lamp.img.tmp, fsyncs it, renames it over
 * lamp.img and fsyncs the directory: rename is atomic, so after a host
 * crash the file is either the previous checkpoint or the new one, each a
 * state reached after a whole number of flash operations, which is the
 * same as a power cut at that moment, something the lamp's firmware must
 * survive anyway.  The SHA-256 catches a file damaged by other means.
 * The contents are read and written a page at a time from the lamp's memory
 * (guest_mem.h), so erased pages come from its template, never mapped. */
#include "flash_store.h"
#include "guest_mem.h"
#include "state_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STORE_MAGIC "LMPSTAT1"

struct store_header {
    char magic[8];
    uint32_t version, flash_size, otp_size;
    uint32_t variant; /* version 2: FLASH_STORE_VARIANT_* bits (version 1: reserved, 0) */
    uint8_t sha256[32];
};
#define STORE_VERSION 3u /* 1 and 2: every page stored, read still */

#define CONTENT_SIZE (FLASH_SIZE + OTP_SIZE)
#define CONTENT_PAGES (CONTENT_SIZE / GUEST_MEM_PAGE)
#define BITMAP_SIZE ((CONTENT_PAGES + 7) / 8)

struct flash_store {
    char *dir, *path, *tmp_path;
    int lock_fd;
    struct guest_mem *mem;              /* the lamp's memory, or NULL: */
    const uint8_t *raw_flash, *raw_otp; /*   plain images (flash_store_create) */
    uint32_t variant;
    bool dirty;
};

/* A page of flash (off < FLASH_SIZE) or of OTP (off >= FLASH_SIZE), in the
 * order of the file. */
static const uint8_t *content_page(const struct flash_store *st, size_t off)
{
    if (!st->mem)
        return off < FLASH_SIZE ? st->raw_flash + off : st->raw_otp + (off - FLASH_SIZE);
    return guest_mem_page_view(st->mem, off < FLASH_SIZE ? GUEST_MEM_FLASH_OFF + off
                                                         : GUEST_MEM_OTP_OFF + (off - FLASH_SIZE));
}
/* A page that holds only what a new lamp holds there: erased flash (0xFF),
 * blank OTP (0). */
static bool page_blank(size_t off, const uint8_t *page)
{
    static const uint8_t erased[GUEST_MEM_PAGE] = { [0 ... GUEST_MEM_PAGE - 1] = 0xFF };
    static const uint8_t zero[GUEST_MEM_PAGE];

    return memcmp(page, off < FLASH_SIZE ? erased : zero, GUEST_MEM_PAGE) == 0;
}

/* Version 2 also covers the variant word, so a damaged header cannot
 * silently change the lamp's hardware.  OpenSSL's SHA-256, several times
 * faster than GLib's on 2 MiB: a fleet checkpoints every dirty lamp once a
 * second, and a factory line hashes every lamp it makes. */
static void digest(struct flash_store *st, uint32_t version, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t v[4] = { st->variant, st->variant >> 8, st->variant >> 16, st->variant >> 24 };
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
              (version < 2 || EVP_DigestUpdate(ctx, v, sizeof(v)));

    for (size_t off = 0; ok && off < CONTENT_SIZE; off += GUEST_MEM_PAGE)
        ok = EVP_DigestUpdate(ctx, content_page(st, off), GUEST_MEM_PAGE);
    if (!ok || !EVP_DigestFinal_ex(ctx, out, NULL))
        g_error("flash_store: SHA-256 failed (out of memory?)");
    EVP_MD_CTX_free(ctx);
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool store_error(GError **error, const char *what, const char *path)
{
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                "lamp state %s: %s (%s)", path, what, g_strerror(e));
    return false;
}

/* A checkpoint that failed after lamp.img.tmp was created: the temporary
 * goes, lamp.img is untouched, and the error says so. */
static bool checkpoint_error(struct flash_store *st, int fd, const char *what, GError **error)
{
    int e = errno ? errno : EIO; /* a write of 0 bytes sets none */

    if (fd >= 0)
        close(fd);
    unlink(st->tmp_path);
    if (g_file_test(st->path, G_FILE_TEST_EXISTS))
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "lamp state %s: %s (%s); %s keeps the previous checkpoint", st->tmp_path,
                    what, g_strerror(e), st->path);
    else
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "lamp state %s: %s (%s); no %s was written", st->tmp_path, what,
                    g_strerror(e), st->path);
    return false;
}

static bool store_write(struct flash_store *st, GError **error)
{
    struct store_header h = { .version = STORE_VERSION, .variant = st->variant };
    uint8_t bitmap[BITMAP_SIZE] = { 0 };
    int fd, dfd;
    bool ok;

    for (size_t i = 0; i < CONTENT_PAGES; i++)
        if (!page_blank(i * GUEST_MEM_PAGE, content_page(st, i * GUEST_MEM_PAGE)))
            bitmap[i / 8] |= 1u << (i % 8);

    memcpy(h.magic, STORE_MAGIC, 8);
    h.flash_size = FLASH_SIZE;
    h.otp_size = OTP_SIZE;
    digest(st, STORE_VERSION, h.sha256);
    errno = 0;
    fd = open(st->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return checkpoint_error(st, fd, "cannot create", error);
    ok = write_all(fd, &h, sizeof(h)) && write_all(fd, bitmap, sizeof(bitmap));
    for (size_t i = 0; ok && i < CONTENT_PAGES; i++)
        if (bitmap[i / 8] & (1u << (i % 8)))
            ok = write_all(fd, content_page(st, i * GUEST_MEM_PAGE), GUEST_MEM_PAGE);
    if (!ok)
        return checkpoint_error(st, fd, "cannot write", error);
    /* Before the rename: a host crash must never find lamp.img naming
     * blocks that were not yet written. */
    if (fsync(fd) != 0)
        return checkpoint_error(st, fd, "cannot flush to disk", error);
    if (close(fd) != 0)
        return checkpoint_error(st, -1, "cannot write", error);
    if (rename(st->tmp_path, st->path) != 0)
        return checkpoint_error(st, -1, "cannot rename over lamp.img", error);
    /* The rename itself reaches the disk only with its directory. */
    dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        store_error(error, "checkpoint written, but the directory cannot be flushed to disk",
                    st->dir);
        if (dfd >= 0)
            close(dfd);
        return false;
    }
    close(dfd);
    st->dirty = false;
    return true;
}

/* Pages that hold only the template's bytes (erased flash, blank OTP) stay
 * the template's: only pages holding data cost memory.  src is NULL for a
 * page a version 3 file does not store. */
static void load_page(struct guest_mem *mem, size_t off, const uint8_t *src)
{
    size_t at = off < FLASH_SIZE ? GUEST_MEM_FLASH_OFF + off : GUEST_MEM_OTP_OFF + (off - FLASH_SIZE);

    if (!src || page_blank(off, src)) {
        guest_mem_discard(mem, at, GUEST_MEM_PAGE);
        return;
    }
    memcpy(guest_mem_at(mem, at), src, GUEST_MEM_PAGE);
    guest_mem_note_written(mem, at, GUEST_MEM_PAGE);
}

static bool bad_size(GError **error, const char *path, size_t len, size_t want)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "lamp state %s: %zu bytes, expected %zu; not a lamp image, or a damaged one "
                "(remove the state directory to start a new lamp)", path, len, want);
    return false;
}

/* Versions 1 and 2 store every page; version 3 a bitmap, then the pages
 * whose bit is set, in order. */
static bool load_contents(struct flash_store *st, uint32_t version, const uint8_t *body,
                          size_t len, GError **error)
{
    const uint8_t *bitmap = body, *page;
    size_t present = 0;

    if (version < 3) {
        if (len != CONTENT_SIZE)
            return bad_size(error, st->path, sizeof(struct store_header) + len,
                            sizeof(struct store_header) + CONTENT_SIZE);
        for (size_t off = 0; off < CONTENT_SIZE; off += GUEST_MEM_PAGE)
            load_page(st->mem, off, body + off);
        return true;
    }
    if (len < BITMAP_SIZE)
        return bad_size(error, st->path, sizeof(struct store_header) + len,
                        sizeof(struct store_header) + BITMAP_SIZE);
    for (size_t i = 0; i < CONTENT_PAGES; i++)
        present += (bitmap[i / 8] >> (i % 8)) & 1;
    if ((bitmap[BITMAP_SIZE - 1] >> (CONTENT_PAGES % 8 ? CONTENT_PAGES % 8 : 8)) != 0 ||
        len != BITMAP_SIZE + present * GUEST_MEM_PAGE)
        return bad_size(error, st->path, sizeof(struct store_header) + len,
                        sizeof(struct store_header) + BITMAP_SIZE + present * GUEST_MEM_PAGE);
    page = body + BITMAP_SIZE;
    for (size_t i = 0; i < CONTENT_PAGES; i++) {
        bool here = (bitmap[i / 8] >> (i % 8)) & 1;
        load_page(st->mem, i * GUEST_MEM_PAGE, here ? page : NULL);
        page += here ? GUEST_MEM_PAGE : 0;
    }
    return true;
}

static bool store_read(struct flash_store *st, GError **error)
{
    g_autofree char *data = NULL;
    g_autoptr(GError) local = NULL;
    struct store_header h;
    uint8_t want[32];
    gsize len;

    if (!g_file_get_contents(st->path, &data, &len, &local)) {
        g_set_error(error, G_FILE_ERROR, local->code, "lamp state %s: %s", st->path, local->message);
        return false;
    }
    if (len < sizeof(h))
        return bad_size(error, st->path, len, sizeof(h));
    memcpy(&h, data, sizeof(h));
    if (memcmp(h.magic, STORE_MAGIC, 8) != 0 || h.version < 1 || h.version > STORE_VERSION ||
        h.flash_size != FLASH_SIZE || h.otp_size != OTP_SIZE) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "lamp state %s: bad header (not a lamp image, or another version)", st->path);
        return false;
    }
    if (!load_contents(st, h.version, (const uint8_t *)data + sizeof(h), len - sizeof(h), error))
        return false;
    st->variant = h.version >= 2 ? h.variant : 0;
    digest(st, h.version, want);
    if (memcmp(want, h.sha256, 32) != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "lamp state %s: contents do not match their checksum (damaged file; "
                    "remove the state directory to start a new lamp)", st->path);
        return false;
    }
    /* An older file is rewritten in today's format at the next checkpoint. */
    st->dirty = h.version != STORE_VERSION;
    return true;
}

static struct flash_store *store_new(const char *dir)
{
    struct flash_store *st = g_new0(struct flash_store, 1);

    st->lock_fd = -1;
    st->dir = g_strdup(dir);
    st->path = g_build_filename(dir, FLASH_STORE_FILE, NULL);
    st->tmp_path = g_build_filename(dir, FLASH_STORE_FILE ".tmp", NULL);
    return st;
}

struct flash_store *flash_store_open(const char *dir, struct guest_mem *mem, GError **error)
{
    struct flash_store *st = store_new(dir);

    st->mem = mem;
    if (!state_lock_lamp(dir, &st->lock_fd, error))
        goto fail;
    /* A leftover temporary is a checkpoint that never completed. */
    unlink(st->tmp_path);
    if (g_file_test(st->path, G_FILE_TEST_EXISTS)) {
        if (!store_read(st, error))
            goto fail;
    } else {
        guest_mem_discard(mem, GUEST_MEM_FLASH_OFF, FLASH_SIZE);
        guest_mem_discard(mem, GUEST_MEM_OTP_OFF, OTP_SIZE);
        if (!store_write(st, error))
            goto fail;
    }
    return st;

fail:
    flash_store_close(st);
    return NULL;
}

bool flash_store_create(const char *dir, const uint8_t *flash, size_t flash_size,
                        const uint8_t *otp, size_t otp_size, uint32_t variant, GError **error)
{
    struct flash_store *st = store_new(dir);
    bool ok = false;

    st->raw_flash = flash;
    st->raw_otp = otp;
    st->variant = variant;
    if (flash_size != FLASH_SIZE || otp_size != OTP_SIZE) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "lamp state %s: %zu bytes of flash and %zu of OTP; the lamp has %u and %u",
                    dir, flash_size, otp_size, FLASH_SIZE, OTP_SIZE);
        goto out;
    }
    if (!state_lock_lamp(dir, &st->lock_fd, error))
        goto out;
    if (g_file_test(st->path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "lamp state %s: already holds a lamp", st->path);
        goto out;
    }
    unlink(st->tmp_path);
    ok = store_write(st, error);
out:
    flash_store_close(st);
    return ok;
}

void flash_store_mark_dirty(struct flash_store *st) { st->dirty = true; }

uint32_t flash_store_variant(const struct flash_store *st) { return st->variant; }

void flash_store_set_variant(struct flash_store *st, uint32_t variant)
{
    st->variant = variant;
    st->dirty = true;
}

bool flash_store_sync(struct flash_store *st, GError **error)
{
    return !st->dirty || store_write(st, error);
}

void flash_store_close(struct flash_store *st)
{
    if (!st)
        return;
    if (st->lock_fd >= 0)
        close(st->lock_fd);
    g_free(st->dir);
    g_free(st->path);
    g_free(st->tmp_path);
    g_free(st);
}
