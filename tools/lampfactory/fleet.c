/* tools/lampfactory/fleet.c: a new fleet's trust material. */
#include "factory.h"
#include "hex.h"

#include <errno.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <sys/stat.h>

static bool dir_is_new_or_empty(const char *dir, GError **error)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    bool empty;

    if (!d) {
        if (g_mkdir_with_parents(dir, 0700) != 0) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "creating %s: %s", dir,
                        g_strerror(errno));
            return false;
        }
        return true;
    }
    empty = g_dir_read_name(d) == NULL;
    g_dir_close(d);
    if (!empty)
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s is not empty: a fleet is created in a new directory", dir);
    return empty;
}

/* An RSA-4096 key pair: the firmware's and the apps' signing keys are the
 * same kind, so one verifier on the lamp and one signer (PEM or PKCS#11)
 * in the factory serve both. */
static bool write_signing_key(const char *fleet_dir, const char *key_name, const char *pub_name,
                              const char *what, GError **error)
{
    g_autofree char *key_path = factory_fleet_path(fleet_dir, key_name);
    g_autofree char *pub_path = factory_fleet_path(fleet_dir, pub_name);
    g_autofree char *gen_what = g_strdup_printf("generating the RSA-4096 %s signing key", what);
    EVP_PKEY *key = EVP_RSA_gen(4096);
    BIO *kb = BIO_new(BIO_s_mem()), *pb = BIO_new(BIO_s_mem());
    char *kd, *pd;
    long kl, pl;
    bool ok = false;

    if (!key || !kb || !pb || !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_PUBKEY(pb, key)) {
        factory_set_openssl_error(error, gen_what);
        goto out;
    }
    kl = BIO_get_mem_data(kb, &kd);
    pl = BIO_get_mem_data(pb, &pd);
    ok = factory_write_file(key_path, kd, (size_t)kl, 0600, error) &&
         factory_write_file(pub_path, pd, (size_t)pl, 0644, error);
out:
    BIO_free(kb);
    BIO_free(pb);
    EVP_PKEY_free(key);
    return ok;
}

bool factory_fleet_add_app_key(const char *fleet_dir, GError **error)
{
    g_autofree char *key_path = factory_fleet_path(fleet_dir, FLEET_APP_SIGNING_KEY);
    g_autofree char *pub_path = factory_fleet_path(fleet_dir, FLEET_APP_SIGNING_PUB);
    g_autofree char *fw_pub = factory_fleet_path(fleet_dir, FLEET_SIGNING_PUB);

    if (!g_file_test(fw_pub, G_FILE_TEST_EXISTS)) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s: no fleet there (no %s); lampfactory fleet-init makes one", fleet_dir,
                    FLEET_SIGNING_PUB);
        return false;
    }
    if (g_file_test(key_path, G_FILE_TEST_EXISTS) || g_file_test(pub_path, G_FILE_TEST_EXISTS)) {
        /* a second key would orphan every lamp provisioned with the first */
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s already has an app-signing key (%s): kept", fleet_dir,
                    FLEET_APP_SIGNING_PUB);
        return false;
    }
    fprintf(stderr, "lampfactory: generating the RSA-4096 app signing key (a few seconds)...\n");
    return write_signing_key(fleet_dir, FLEET_APP_SIGNING_KEY, FLEET_APP_SIGNING_PUB, "app",
                             error);
}

bool factory_fleet_init(const char *fleet_dir, const char *name, GError **error)
{
    g_autofree char *enc_path = factory_fleet_path(fleet_dir, FLEET_ENC_KEY);
    g_autofree char *device_cn = g_strdup_printf("%s device CA", name);
    g_autofree char *cloud_cn = g_strdup_printf("%s cloud CA", name);
    uint8_t enc[16];
    char hex[34];
    struct factory_registry *reg;

    if (!dir_is_new_or_empty(fleet_dir, error))
        return false;
    if (!factory_write_ca(fleet_dir, FLEET_DEVICE_CA_KEY, FLEET_DEVICE_CA_CERT, device_cn, error) ||
        !factory_write_ca(fleet_dir, FLEET_CLOUD_CA_KEY, FLEET_CLOUD_CA_CERT, cloud_cn, error))
        return false;
    fprintf(stderr, "lampfactory: generating the RSA-4096 firmware and app signing keys (a few seconds)...\n");
    /* Apps get a key of their own: a partner app signed by mistake or by
     * a compromised app-signing process is never firmware. */
    if (!write_signing_key(fleet_dir, FLEET_SIGNING_KEY, FLEET_SIGNING_PUB, "firmware", error) ||
        !write_signing_key(fleet_dir, FLEET_APP_SIGNING_KEY, FLEET_APP_SIGNING_PUB, "app", error))
        return false;
    if (RAND_priv_bytes(enc, sizeof(enc)) != 1) {
        factory_set_openssl_error(error, "drawing the fleet firmware key");
        return false;
    }
    hex_encode_to(enc, sizeof(enc), hex);
    hex[32] = '\n';
    hex[33] = 0;
    OPENSSL_cleanse(enc, sizeof(enc));
    if (!factory_write_file(enc_path, hex, 33, 0600, error))
        return false;
    OPENSSL_cleanse(hex, sizeof(hex));
    reg = factory_registry_open(fleet_dir, true, error);
    if (!reg)
        return false;
    factory_registry_close(reg);
    return true;
}
