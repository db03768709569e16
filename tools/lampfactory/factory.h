/* tools/lampfactory/factory.h: what a fleet owner's factory does, as a
 * library shared by the lampfactory command and its tests: trust material,
 * update images (sign, check), keystore and fuse images, lamp state,
 * registry.  Formats: docs/formats.md. */
#ifndef LAMPSIM_FACTORY_H
#define LAMPSIM_FACTORY_H

#include "app_package.h"
#include "image.h"
#include "keystore.h"
#include "memory_map.h"
#include "otp_layout.h"

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

#define FACTORY_ERROR (factory_error_quark())
GQuark factory_error_quark(void);
enum factory_error_code {
    FACTORY_ERROR_INPUT,   /* bad input: wrong key type, truncated file, unknown fields */
    FACTORY_ERROR_VERIFY,  /* a signature or digest does not verify */
    FACTORY_ERROR_FAILED,  /* anything else (I/O, OpenSSL, PKCS#11, SQLite) */
};

/* Fleet directory file names (docs/formats.md#fleet-directory). */
#define FLEET_DEVICE_CA_KEY "device-ca.key"
#define FLEET_DEVICE_CA_CERT "device-ca.crt"
#define FLEET_CLOUD_CA_KEY "cloud-ca.key"
#define FLEET_CLOUD_CA_CERT "cloud-ca.crt"
#define FLEET_SIGNING_KEY "firmware-signing.key"
#define FLEET_SIGNING_PUB "firmware-signing.pub"
#define FLEET_ENC_KEY "firmware-encryption.key"
#define FLEET_APP_SIGNING_KEY "app-signing.key"
#define FLEET_APP_SIGNING_PUB "app-signing.pub"
#define FLEET_REGISTRY "registry.sqlite"

/* files.c */
bool factory_write_file(const char *path, const void *data, size_t len, int mode, GError **error);
char *factory_fleet_path(const char *fleet_dir, const char *name);
EVP_PKEY *factory_load_private_key(const char *path, GError **error);
EVP_PKEY *factory_load_public_key(const char *path, GError **error);
bool factory_load_enc_key(const char *path, uint8_t key[16], GError **error);
/* Appends OpenSSL's error queue to a message. */
void factory_set_openssl_error(GError **error, const char *what);

/* certs.c */
bool factory_write_ca(const char *fleet_dir, const char *key_name, const char *cert_name,
                      const char *cn, GError **error);
/* A fleet CA's key and certificate, loaded once to issue many. */
struct factory_ca {
    EVP_PKEY *key;
    X509 *cert;
};
struct factory_ca *factory_ca_load(const char *fleet_dir, bool cloud_ca, GError **error);
void factory_ca_free(struct factory_ca *ca);
/* A P-256 device key and its certificate (CN = serial) issued by the
 * device CA; DER outputs, g_free them. */
bool factory_device_identity(const struct factory_ca *ca, const char *serial, uint8_t **key_der,
                             size_t *key_len, uint8_t **cert_der, size_t *cert_len,
                             char **cert_pem, GError **error);
bool factory_cert_der(const char *path, uint8_t **der, size_t *len, GError **error);
/* A P-256 key and certificate CN=cn issued by the fleet's device CA (or its
 * cloud CA), written as PEM files: a TLS server certificate when san
 * ("DNS:name,IP:addr") is given, else a client certificate. */
bool factory_issue_pem(const char *fleet_dir, bool by_cloud_ca, const char *cn, const char *san,
                       long days, const char *key_path, const char *cert_path, GError **error);
/* The same, valid from not_before (Unix s) instead of a day ago: for a lamp
 * whose clock is not the host's (the whole-lamp fuzzer's, deterministic). */
bool factory_issue_pem_at(const char *fleet_dir, bool by_cloud_ca, const char *cn,
                          const char *san, int64_t not_before, long days, const char *key_path,
                          const char *cert_path, GError **error);

/* fleet.c */
bool factory_fleet_init(const char *fleet_dir, const char *name, GError **error);
/* Gives a fleet made before app packages its app-signing key pair; an
 * error when it has one. */
bool factory_fleet_add_app_key(const char *fleet_dir, GError **error);

/* signer.c: a private key in a PEM file or a PKCS#11 token. */
struct factory_signer;
struct factory_signer *factory_signer_open(const char *spec, const char *module, GError **error);
/* RSASSA-PSS SHA-256 (MGF1-SHA-256, salt 32) of a SHA-256 digest. */
bool factory_signer_sign(struct factory_signer *s, const uint8_t digest[32],
                         uint8_t sig[IMAGE_SIG_SIZE], GError **error);
EVP_PKEY *factory_signer_public_key(struct factory_signer *s);
void factory_signer_free(struct factory_signer *s);
/* pkcs11.c, used by signer.c for "pkcs11:" specs */
struct factory_p11;
struct factory_p11 *factory_p11_open(const char *uri, const char *module, GError **error);
bool factory_p11_sign(struct factory_p11 *p, const uint8_t digest[32], uint8_t *sig,
                      size_t sig_len, GError **error);
EVP_PKEY *factory_p11_public_key(struct factory_p11 *p);
void factory_p11_free(struct factory_p11 *p);
/* Refuses anything but RSA-4096. */
bool factory_check_signing_key(EVP_PKEY *pkey, GError **error);

/* image_sign.c */
struct image_sign_params {
    uint32_t version;   /* major << 16 | minor << 8 | patch */
    uint32_t epoch;
};
bool factory_parse_version(const char *text, uint32_t *version, GError **error);
/* Checks that bin looks like an application linked at IMAGE_LOAD_ADDR. */
bool factory_check_app_binary(const uint8_t *bin, size_t len, GError **error);
/* Builds header || AES-CTR payload || signature; g_bytes_unref the result. */
GBytes *factory_sign_image(const uint8_t *bin, size_t len, const struct image_sign_params *p,
                           const uint8_t enc_key[16], struct factory_signer *signer,
                           GError **error);

/* app_sign.c: app packages (docs/formats.md#app-packages) */
/* A key = value manifest (docs/tools.md#sign-an-app) into the manifest
 * fields of *h (the rest 0); errors name path, line and field. */
bool factory_app_manifest_parse(const char *text, size_t len, const char *path,
                                struct app_pkg_header *h, GError **error);
/* The APIs of a manifest's bits as the manifest names them ("light, log";
 * "none"); g_free it. */
char *factory_app_api_list(uint32_t apis);
/* The fleet an app package is bound to: SHA-256 of its cloud CA
 * certificate (DER), which every lamp of the fleet holds in its keystore. */
bool factory_fleet_id(const char *fleet_dir, uint8_t id[APP_PKG_FLEET_ID_SIZE], GError **error);
/* Header || source || signature from a parsed manifest; the source must be
 * text.  g_bytes_unref the result. */
GBytes *factory_sign_app(const struct app_pkg_header *manifest,
                         const uint8_t fleet_id[APP_PKG_FLEET_ID_SIZE], const uint8_t *src,
                         size_t len, const char *src_path, struct factory_signer *signer,
                         GError **error);
/* Signs h (taken as is, source_size included) and src with no checks:
 * what factory_sign_app ends with, and how tests make signed packages
 * with bad fields. */
GBytes *factory_app_sign_header(const struct app_pkg_header *h, const uint8_t *src, size_t len,
                                struct factory_signer *signer, GError **error);

/* image_check.c */
/* Structural checks of a whole image file; FACTORY_ERROR_INPUT when bad. */
bool factory_image_parse(const uint8_t *img, size_t len, struct image_header *h, GError **error);
/* Signature with pub (FACTORY_ERROR_VERIFY when it does not verify). */
bool factory_image_verify(const uint8_t *img, size_t len, EVP_PKEY *pub, GError **error);
/* Unwraps the content key, decrypts, checks the plaintext SHA-256; returns
 * the plaintext payload. */
GBytes *factory_image_decrypt(const uint8_t *img, size_t len, const uint8_t enc_key[16],
                              GError **error);
bool factory_aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
                     uint8_t *out, size_t len, GError **error);

/* keystore_writer.c: the keystore partition image (KEYSTORE_SIZE bytes,
 * erased bytes 0xFF after the entries). */
struct keystore_entry {
    enum keystore_tag tag;
    const uint8_t *value;
    size_t len;
};
bool factory_keystore_build(const struct keystore_entry *entries, size_t n,
                            uint8_t out[KEYSTORE_SIZE], GError **error);

/* otp_writer.c: the OTP_SIZE bytes of fuses (otp_layout.h) */
bool factory_valid_serial(const char *serial, GError **error);
/* profile: "production" (debug, boot and bootloader locked) or
 * "development" (bootloader write-protect only). */
bool factory_otp_build(const char *serial, const char *profile, uint8_t out[OTP_SIZE],
                       GError **error);

/* registry.c */
struct factory_registry;
struct factory_registry *factory_registry_open(const char *fleet_dir, bool create, GError **error);
bool factory_registry_begin(struct factory_registry *r, GError **error);
bool factory_registry_add(struct factory_registry *r, const char *serial, const char *profile,
                          const char *cert_pem, const uint8_t k0[16], bool replace,
                          GError **error);
bool factory_registry_commit(struct factory_registry *r, GError **error);
void factory_registry_rollback(struct factory_registry *r);
/* False, with the error factory_registry_add gives, if serial has a row. */
bool factory_registry_check_new(struct factory_registry *r, const char *serial, GError **error);
bool factory_registry_revoke(struct factory_registry *r, const char *serial, GError **error);
/* One line per lamp: serial, profile, status, provisioned_at. */
char *factory_registry_list(struct factory_registry *r, GError **error);
void factory_registry_close(struct factory_registry *r);

/* provision.c: one lamp's state directory */
#define FACTORY_DEFAULT_CLOUD "localhost:8883"
bool factory_valid_endpoint(const char *endpoint, GError **error);
struct provision_params {
    const char *fleet_dir, *state_dir, *serial, *profile, *image_path, *bootloader_path;
    bool replace; /* a serial already registered is re-provisioned (rework) */
    const char *cloud; /* "host:port" of the broker; NULL: FACTORY_DEFAULT_CLOUD */
    const char *variant; /* "crypto" (with the CRYPTO engine) or "basic"; NULL: crypto */
};
/* FLASH_STORE_VARIANT_* bits for a variant name, or false with an error. */
bool factory_variant_bits(const char *name, uint32_t *bits, GError **error);
/* The checks made before any key is drawn: serial, profile, endpoint,
 * variant, and a state directory that holds no lamp yet. */
bool factory_lamp_check(const struct provision_params *p, uint8_t otp[OTP_SIZE],
                        uint32_t *variant, GError **error);
/* A lamp on disk, not yet in the registry. */
struct factory_lamp {
    char *cert_pem;
    uint8_t k0[16];
};
struct factory_line; /* provision_line.h */
bool factory_lamp_make(const struct factory_line *line, const struct provision_params *p,
                       struct factory_lamp *out, GError **error);
/* Removes the lamp.img a lamp whose registry row failed was given. */
void factory_lamp_unmake(const struct provision_params *p);
void factory_lamp_clear(struct factory_lamp *lamp);
/* One lamp, as `lampfactory provision` makes it: factory_provision_lamps
 * with n = 1, its error the lamp's own. */
bool factory_provision(const struct provision_params *p, GError **error);

/* provision_batch.c: many lamps on a few threads (docs/tools.md#many-lamps) */
struct provision_progress {
    guint done, failed, total;          /* lamps finished (failed among them), of total */
    const struct provision_params *lamp; /* the one that just finished */
    const GError *error;                /* why it failed, or NULL */
};
/* Called once per lamp as it finishes, from the batch's threads (the
 * caller's among them), one call at a time. */
typedef void (*factory_progress_fn)(const struct provision_progress *p, gpointer user_data);
/* Provisions lamps[0..n) on `threads` threads (0: one per core).  Each
 * lamp is made, written and registered as factory_provision does it; its
 * registry row is committed only after its state directory is on disk, in
 * transactions of up to FACTORY_REGISTRY_BATCH rows on one connection per
 * fleet.  Every lamp is attempted: one that fails leaves no lamp.img and
 * no row, and does not stop the others.  False if any failed: for one
 * lamp its own error, for more "F of N lamps not provisioned: DIR:
 * message; ..." (the first few) with the first failure's domain and code.
 * The same state directory or serial twice is refused before anything is
 * done. */
#define FACTORY_REGISTRY_BATCH 64u
bool factory_provision_lamps(const struct provision_params *lamps, guint n, guint threads,
                             factory_progress_fn progress, gpointer user_data, GError **error);

#endif
