/* tests/fuzz/lamp/blob_maker.c: credentials blobs the lamp accepts
 * (blob_maker.h). */
#include "blob_maker.h"

#include "lamp_keys.h"

#include <string.h>

struct blob_maker {
    char *serial;
    struct lamp_key row;  /* K(row.n) */
};

struct blob_maker *blob_maker_new(const char *registry, const char *serial, GError **error)
{
    struct blob_maker *bm = g_new0(struct blob_maker, 1);

    bm->serial = g_strdup(serial);
    if (!lamp_key_read(registry, serial, &bm->row, error)) {
        blob_maker_free(bm);
        return NULL;
    }
    if (bm->row.status == REGISTRY_UNKNOWN) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "lamp %s is not in %s", serial,
                    registry);
        blob_maker_free(bm);
        return NULL;
    }
    return bm;
}

void blob_maker_free(struct blob_maker *bm)
{
    if (!bm)
        return;
    g_free(bm->serial);
    g_free(bm);
}

GBytes *blob_maker_build(struct blob_maker *bm, const uint8_t *info, size_t len,
                         const struct commission_wifi *wifi, GError **error)
{
    uint8_t key[COMMISSION_KEY_LEN];
    uint32_t n;

    if (len != COMMISSION_INFO_LEN) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "lamp info of %zu bytes, not %u",
                    len, (unsigned)COMMISSION_INFO_LEN);
        return NULL;
    }
    n = (uint32_t)info[COMMISSION_INFO_OFF_N] | (uint32_t)info[COMMISSION_INFO_OFF_N + 1] << 8 |
        (uint32_t)info[COMMISSION_INFO_OFF_N + 2] << 16 |
        (uint32_t)info[COMMISSION_INFO_OFF_N + 3] << 24;
    if (n < bm->row.n || !commission_key_derive(bm->row.key, bm->row.n, n, key, error))
        return NULL;
    if (!commission_info_proof_ok(key, info, info + COMMISSION_INFO_OFF_PROOF)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "the lamp's info proof does not verify under the registry's key at n=%u "
                    "(the registry holds another lamp of serial %s)", n, bm->serial);
        return NULL;
    }
    return commission_blob_build(key, bm->serial, n, info + COMMISSION_INFO_OFF_NONCE, wifi,
                                 error);
}
