/* tools/lampfactory/certs.c: the fleet's CAs and each lamp's identity. */
#include "factory.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <time.h>

#define CA_DAYS (20 * 365)
#define DEVICE_DAYS (20 * 365)

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    bool ok;

    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return false;
    ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static bool random_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    bool ok = bn && BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    return ok;
}

enum cert_kind { CERT_CA, CERT_CLIENT, CERT_SERVER };

/* A v3 certificate for key, subject CN=cn, signed by issuer_key (and
 * issuer's name, or self-signed); a server certificate names san
 * ("DNS:x,IP:y").  Valid from not_before (Unix s) for days, or (0) from a
 * day ago until days from now. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       enum cert_kind kind, const char *san, int64_t not_before, long days)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    time_t from = not_before ? (time_t)not_before : time(NULL) - 86400;
    bool ok = cert && name && X509_set_version(cert, 2) && random_serial(cert) &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                         -1, -1, 0) &&
              X509_set_subject_name(cert, name) &&
              X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) &&
              X509_time_adj(X509_getm_notBefore(cert), 0, &from) &&
              /* by default days from now, as before not_before existed */
              X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, not_before ? 0 : 86400,
                               &from) &&
              X509_set_pubkey(cert, key);

    if (ok && kind == CERT_CA)
        ok = add_ext(cert, issuer ? issuer : cert, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(cert, issuer ? issuer : cert, NID_key_usage, "critical,keyCertSign,cRLSign") &&
             add_ext(cert, issuer ? issuer : cert, NID_subject_key_identifier, "hash");
    else if (ok)
        ok = add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(cert, issuer, NID_key_usage, "critical,digitalSignature") &&
             add_ext(cert, issuer, NID_ext_key_usage,
                     kind == CERT_SERVER ? "serverAuth" : "clientAuth") &&
             add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") &&
             (!san || add_ext(cert, issuer, NID_subject_alt_name, san));
    ok = ok && X509_sign(cert, issuer_key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static char *pem_of(int (*write)(BIO *, void *), void *obj)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    long len;

    if (bio && write(bio, obj)) {
        len = BIO_get_mem_data(bio, &data);
        out = g_strndup(data, (gsize)len);
    }
    BIO_free(bio);
    return out;
}

static int write_key(BIO *b, void *k) { return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL); }
static int write_cert(BIO *b, void *c) { return PEM_write_bio_X509(b, c); }

/* The key (owner-only) and the certificate as PEM files. */
static bool write_pair(EVP_PKEY *key, X509 *cert, const char *key_path, const char *cert_path,
                       GError **error)
{
    g_autofree char *key_pem = pem_of(write_key, key), *cert_pem = pem_of(write_cert, cert);

    return key_pem && cert_pem &&
           factory_write_file(key_path, key_pem, strlen(key_pem), 0600, error) &&
           factory_write_file(cert_path, cert_pem, strlen(cert_pem), 0644, error);
}

bool factory_write_ca(const char *fleet_dir, const char *key_name, const char *cert_name,
                      const char *cn, GError **error)
{
    g_autofree char *key_path = factory_fleet_path(fleet_dir, key_name);
    g_autofree char *cert_path = factory_fleet_path(fleet_dir, cert_name);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = key ? make_cert(key, cn, NULL, key, CERT_CA, NULL, 0, CA_DAYS) : NULL;
    bool ok = false;

    if (!cert) {
        factory_set_openssl_error(error, "making a P-256 CA");
        goto out;
    }
    ok = write_pair(key, cert, key_path, cert_path, error);
out:
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok;
}

static X509 *load_cert(const char *path, GError **error)
{
    FILE *f = fopen(path, "r");
    X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

    if (f)
        fclose(f);
    if (!c)
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s: not a PEM certificate", path);
    return c;
}

bool factory_cert_der(const char *path, uint8_t **der, size_t *len, GError **error)
{
    X509 *c = load_cert(path, error);
    unsigned char *buf = NULL;
    int n;

    if (!c)
        return false;
    n = i2d_X509(c, &buf);
    X509_free(c);
    if (n <= 0) {
        factory_set_openssl_error(error, "encoding a certificate");
        return false;
    }
    *der = g_memdup2(buf, (gsize)n);
    *len = (size_t)n;
    OPENSSL_free(buf);
    return true;
}

struct factory_ca *factory_ca_load(const char *fleet_dir, bool cloud_ca, GError **error)
{
    g_autofree char *key_path = factory_fleet_path(
        fleet_dir, cloud_ca ? FLEET_CLOUD_CA_KEY : FLEET_DEVICE_CA_KEY);
    g_autofree char *cert_path = factory_fleet_path(
        fleet_dir, cloud_ca ? FLEET_CLOUD_CA_CERT : FLEET_DEVICE_CA_CERT);
    struct factory_ca *ca = g_new0(struct factory_ca, 1);

    if (!(ca->key = factory_load_private_key(key_path, error)) ||
        !(ca->cert = load_cert(cert_path, error))) {
        factory_ca_free(ca);
        return NULL;
    }
    return ca;
}

void factory_ca_free(struct factory_ca *ca)
{
    if (!ca)
        return;
    X509_free(ca->cert);
    EVP_PKEY_free(ca->key);
    g_free(ca);
}

bool factory_device_identity(const struct factory_ca *ca, const char *serial, uint8_t **key_der,
                             size_t *key_len, uint8_t **cert_der, size_t *cert_len,
                             char **cert_pem, GError **error)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = key ? make_cert(key, serial, ca->cert, ca->key, CERT_CLIENT, NULL, 0, DEVICE_DAYS)
                     : NULL;
    unsigned char *kbuf = NULL, *cbuf = NULL;
    int kn = 0, cn = 0;
    bool ok = false;

    /* i2d_PrivateKey of an EC key is the SEC1 (RFC 5915) ECPrivateKey. */
    if (cert) {
        kn = i2d_PrivateKey(key, &kbuf);
        cn = i2d_X509(cert, &cbuf);
    }
    if (!cert || kn <= 0 || cn <= 0) {
        factory_set_openssl_error(error, "making the device identity");
        goto out;
    }
    *key_der = g_memdup2(kbuf, (gsize)kn);
    *key_len = (size_t)kn;
    *cert_der = g_memdup2(cbuf, (gsize)cn);
    *cert_len = (size_t)cn;
    *cert_pem = pem_of(write_cert, cert);
    ok = true;
out:
    OPENSSL_clear_free(kbuf, (size_t)(kn > 0 ? kn : 0));
    OPENSSL_free(cbuf);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ok;
}

bool factory_issue_pem(const char *fleet_dir, bool by_cloud_ca, const char *cn, const char *san,
                       long days, const char *key_path, const char *cert_path, GError **error)
{
    return factory_issue_pem_at(fleet_dir, by_cloud_ca, cn, san, 0, days, key_path, cert_path,
                                error);
}

bool factory_issue_pem_at(const char *fleet_dir, bool by_cloud_ca, const char *cn,
                          const char *san, int64_t not_before, long days, const char *key_path,
                          const char *cert_path, GError **error)
{
    struct factory_ca *ca = factory_ca_load(fleet_dir, by_cloud_ca, error);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    bool ok = false;

    if (!ca)
        return false;
    key = EVP_EC_gen("P-256");
    cert = key ? make_cert(key, cn, ca->cert, ca->key, san ? CERT_SERVER : CERT_CLIENT, san, not_before,
                         days)
               : NULL;
    if (!cert) {
        factory_set_openssl_error(error, "issuing a certificate");
        goto out;
    }
    ok = write_pair(key, cert, key_path, cert_path, error);
out:
    X509_free(cert);
    EVP_PKEY_free(key);
    factory_ca_free(ca);
    return ok;
}
