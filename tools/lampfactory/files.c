/* tools/lampfactory/files.c: files of a fleet: atomic writes, keys. */
#include "factory.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(lampfactory-error-quark, factory_error)

void factory_set_openssl_error(GError **error, const char *what)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();

    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "%s%s%s", what, *buf ? ": " : "", buf);
}

/* tmp + fsync + rename: a crash leaves the old file or the new one. */
bool factory_write_file(const char *path, const void *data, size_t len, int mode, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
    const uint8_t *p = data;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

    if (fd < 0)
        goto fail;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail_fd;
        p += n;
        len -= (size_t)n;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
        goto fail_fd;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    if (rename(tmp, path) != 0)
        goto fail;
    return true;
fail_fd:
    close(fd);
fail:
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "writing %s: %s", path,
                g_strerror(errno));
    unlink(tmp);
    return false;
}

char *factory_fleet_path(const char *fleet_dir, const char *name)
{
    return g_build_filename(fleet_dir, name, NULL);
}

EVP_PKEY *factory_load_private_key(const char *path, GError **error)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    if (!f) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s: %s", path, g_strerror(errno));
        return NULL;
    }
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k) {
        g_autofree char *what = g_strdup_printf("%s: not a PEM private key", path);
        factory_set_openssl_error(error, what);
        (*error)->code = FACTORY_ERROR_INPUT;
    }
    return k;
}

EVP_PKEY *factory_load_public_key(const char *path, GError **error)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    if (!f) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s: %s", path, g_strerror(errno));
        return NULL;
    }
    k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    if (!k) {
        /* A private key file also gives its public half. */
        rewind(f);
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    }
    fclose(f);
    if (!k) {
        g_autofree char *what = g_strdup_printf("%s: not a PEM public key", path);
        factory_set_openssl_error(error, what);
        (*error)->code = FACTORY_ERROR_INPUT;
    }
    return k;
}

bool factory_load_enc_key(const char *path, uint8_t key[16], GError **error)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, error))
        return false;
    g_strstrip(text);
    if (hex_decode(text, key, 16))
        return true;
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                "%s: a fleet firmware key is 32 hex digits (16 bytes)", path);
    return false;
}
