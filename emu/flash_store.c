/* emu/flash_store.c: persistence of flash and OTP.  One file, lamp.img,
 * holds a header (magic, sizes, SHA-256 of the contents) followed by flash
 * and OTP.  A checkpoint writes lamp.img.tmp, fsyncs it, renames it over
 * lamp.img and fsyncs the directory: rename is atomic, so after a host
 * crash the file is either the previous checkpoint or the new one, each a
 * state reached after a whole number of flash operations, which is the
 * same as a power cut at that moment, something the lamp's firmware must
 * survive anyway.  The SHA-256 catches a file damaged by other means. */
#include "flash_store.h"
#include "state_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STORE_MAGIC "LMPSTAT1"
#define STORE_FILE "lamp.img"

struct store_header {
    char magic[8];
    uint32_t version, flash_size, otp_size;
    uint32_t variant; /* version 2: FLASH_STORE_VARIANT_* bits (version 1: reserved, 0) */
    uint8_t sha256[32];
};
#define STORE_VERSION 2u

struct flash_store {
    char *dir, *path, *tmp_path;
    int lock_fd;
    uint8_t *flash, *otp;
    size_t flash_size, otp_size;
    uint32_t variant, version;
    bool dirty;
};

/* Version 2 also covers the variant word, so a damaged header cannot
 * silently change the lamp's hardware.  OpenSSL's SHA-256, several times
 * faster than GLib's on 2 MiB: a fleet checkpoints every dirty lamp once a
 * second, and a factory line hashes every lamp it makes. */
static void digest(struct flash_store *st, uint32_t version, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t v[4] = { st->variant, st->variant >> 8, st->variant >> 16, st->variant >> 24 };

    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
        (version >= 2 && !EVP_DigestUpdate(ctx, v, sizeof(v))) ||
        !EVP_DigestUpdate(ctx, st->flash, st->flash_size) ||
        !EVP_DigestUpdate(ctx, st->otp, st->otp_size) || !EVP_DigestFinal_ex(ctx, out, NULL))
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

static bool store_write(struct flash_store *st, GError **error)
{
    struct store_header h = { .version = STORE_VERSION, .variant = st->variant };
    int fd, dfd;

    memcpy(h.magic, STORE_MAGIC, 8);
    h.flash_size = (uint32_t)st->flash_size;
    h.otp_size = (uint32_t)st->otp_size;
    digest(st, STORE_VERSION, h.sha256);
    fd = open(st->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return store_error(error, "cannot create", st->tmp_path);
    if (!write_all(fd, &h, sizeof(h)) || !write_all(fd, st->flash, st->flash_size) ||
        !write_all(fd, st->otp, st->otp_size) || fsync(fd) != 0) {
        close(fd);
        unlink(st->tmp_path);
        return store_error(error, "cannot write", st->tmp_path);
    }
    close(fd);
    if (rename(st->tmp_path, st->path) != 0)
        return store_error(error, "cannot replace", st->path);
    dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    st->dirty = false;
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
    if (len != sizeof(h) + st->flash_size + st->otp_size) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "lamp state %s: %zu bytes, expected %zu; not a lamp image "
                    "(remove the state directory to start a new lamp)",
                    st->path, (size_t)len, sizeof(h) + st->flash_size + st->otp_size);
        return false;
    }
    memcpy(&h, data, sizeof(h));
    if (memcmp(h.magic, STORE_MAGIC, 8) != 0 || (h.version != 1 && h.version != 2) ||
        h.flash_size != st->flash_size || h.otp_size != st->otp_size) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "lamp state %s: bad header (not a lamp image, or another version)", st->path);
        return false;
    }
    memcpy(st->flash, data + sizeof(h), st->flash_size);
    memcpy(st->otp, data + sizeof(h) + st->flash_size, st->otp_size);
    st->variant = h.version >= 2 ? h.variant : 0;
    digest(st, h.version, want);
    if (memcmp(want, h.sha256, 32) != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "lamp state %s: contents do not match their checksum (damaged file; "
                    "remove the state directory to start a new lamp)", st->path);
        return false;
    }
    return true;
}

static struct flash_store *store_new(const char *dir, uint8_t *flash, size_t flash_size,
                                     uint8_t *otp, size_t otp_size)
{
    struct flash_store *st = g_new0(struct flash_store, 1);

    st->lock_fd = -1;
    st->dir = g_strdup(dir);
    st->path = g_build_filename(dir, STORE_FILE, NULL);
    st->tmp_path = g_build_filename(dir, STORE_FILE ".tmp", NULL);
    st->flash = flash;
    st->otp = otp;
    st->flash_size = flash_size;
    st->otp_size = otp_size;
    return st;
}

struct flash_store *flash_store_open(const char *dir, uint8_t *flash, size_t flash_size,
                                     uint8_t *otp, size_t otp_size, GError **error)
{
    struct flash_store *st = store_new(dir, flash, flash_size, otp, otp_size);

    if (!state_lock_lamp(dir, &st->lock_fd, error))
        goto fail;
    /* A leftover temporary is a checkpoint that never completed. */
    unlink(st->tmp_path);
    if (g_file_test(st->path, G_FILE_TEST_EXISTS)) {
        if (!store_read(st, error))
            goto fail;
    } else {
        memset(flash, 0xFF, flash_size);
        memset(otp, 0, otp_size);
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
    /* store_write only reads the contents */
    struct flash_store *st = store_new(dir, (uint8_t *)flash, flash_size, (uint8_t *)otp, otp_size);
    bool ok = false;

    st->variant = variant;
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
