/* tools/lampfactory/pkcs11.c: signing with a key held in a PKCS#11 token
 * (an HSM; SoftHSM2 in tests), addressed by an RFC 7512 URI:
 *   pkcs11:token=LABEL;object=LABEL[;id=%01]?pin-value=PIN&module-path=SO
 * The digest is computed on the host; the token does RSA-PSS over it. */
#include "factory.h"

#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <p11-kit/pkcs11.h>
#include <string.h>

struct factory_p11 {
    void *module;
    CK_FUNCTION_LIST_PTR f;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE key;
    EVP_PKEY *pub;
    bool initialized, logged_in;
};

static const char *rv_name(CK_RV rv)
{
    switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_SLOT_ID_INVALID: return "CKR_SLOT_ID_INVALID";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_MECHANISM_PARAM_INVALID: return "CKR_MECHANISM_PARAM_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_ATTRIBUTE_SENSITIVE: return "CKR_ATTRIBUTE_SENSITIVE";
    case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
    case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
    default: return "CKR_(other)";
    }
}

static bool p11_fail(GError **error, const char *what, CK_RV rv)
{
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED, "PKCS#11 %s: %s (0x%lx)", what,
                rv_name(rv), (unsigned long)rv);
    return false;
}

/* Percent-decoding of one URI attribute value. */
static char *pct_decode(const char *s, size_t *len)
{
    GString *out = g_string_new(NULL);

    for (; *s; s++) {
        int hi, lo;
        if (*s == '%' && (hi = g_ascii_xdigit_value(s[1])) >= 0 &&
            (lo = g_ascii_xdigit_value(s[2])) >= 0) {
            g_string_append_c(out, (char)(hi << 4 | lo));
            s += 2;
        } else {
            g_string_append_c(out, *s);
        }
    }
    *len = out->len;
    return g_string_free(out, FALSE);
}

struct p11_uri {
    char *token, *object, *id, *pin, *module;
    size_t id_len;
};

static void uri_clear(struct p11_uri *u)
{
    g_free(u->token);
    g_free(u->object);
    g_free(u->id);
    if (u->pin)
        memset(u->pin, 0, strlen(u->pin));
    g_free(u->pin);
    g_free(u->module);
}

static bool uri_parse(const char *uri, struct p11_uri *u, GError **error)
{
    g_auto(GStrv) halves = g_strsplit(uri + strlen("pkcs11:"), "?", 2);
    size_t len;

    for (int part = 0; halves[part] && part < 2; part++) {
        g_auto(GStrv) attrs = g_strsplit(halves[part], part ? "&" : ";", -1);
        for (char **a = attrs; *a; a++) {
            char *eq = strchr(*a, '=');
            char **slot = NULL;
            if (!**a)
                continue;
            if (!eq) {
                g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                            "PKCS#11 URI: attribute '%s' has no value", *a);
                return false;
            }
            *eq = 0;
            if (!strcmp(*a, "token")) slot = &u->token;
            else if (!strcmp(*a, "object")) slot = &u->object;
            else if (!strcmp(*a, "id")) slot = &u->id;
            else if (!strcmp(*a, "pin-value")) slot = &u->pin;
            else if (!strcmp(*a, "module-path")) slot = &u->module;
            else if (!strcmp(*a, "type")) continue;
            else {
                g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                            "PKCS#11 URI: unsupported attribute '%s' (token, object, id, type, "
                            "pin-value, module-path)", *a);
                return false;
            }
            g_free(*slot);
            *slot = pct_decode(eq + 1, &len);
            if (slot == &u->id)
                u->id_len = len;
        }
    }
    if (!u->token || !u->object) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "PKCS#11 URI needs token= and object= (e.g. pkcs11:token=fleet;object=fw-signing)");
        return false;
    }
    return true;
}

static bool token_label_is(const CK_UTF8CHAR label[32], const char *want)
{
    size_t n = strlen(want);

    if (n > 32 || memcmp(label, want, n) != 0)
        return false;
    for (size_t i = n; i < 32; i++)
        if (label[i] != ' ')
            return false;
    return true;
}

static bool find_slot(struct factory_p11 *p, const char *token, CK_SLOT_ID *out, GError **error)
{
    CK_ULONG n = 0;
    g_autofree CK_SLOT_ID *slots = NULL;
    CK_RV rv = p->f->C_GetSlotList(CK_TRUE, NULL, &n);

    if (rv != CKR_OK)
        return p11_fail(error, "C_GetSlotList", rv);
    slots = g_new0(CK_SLOT_ID, n ? n : 1);
    if ((rv = p->f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
        return p11_fail(error, "C_GetSlotList", rv);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO info;
        if (p->f->C_GetTokenInfo(slots[i], &info) == CKR_OK && token_label_is(info.label, token)) {
            *out = slots[i];
            return true;
        }
    }
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "PKCS#11: no token labelled '%s'", token);
    return false;
}

static bool find_key(struct factory_p11 *p, const struct p11_uri *u, GError **error)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[3] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_LABEL, u->object, strlen(u->object) },
        { CKA_ID, u->id, u->id_len },
    };
    CK_ULONG found = 0;
    CK_RV rv = p->f->C_FindObjectsInit(p->session, tmpl, u->id ? 3 : 2);

    if (rv != CKR_OK)
        return p11_fail(error, "C_FindObjectsInit", rv);
    rv = p->f->C_FindObjects(p->session, &p->key, 1, &found);
    p->f->C_FindObjectsFinal(p->session);
    if (rv != CKR_OK)
        return p11_fail(error, "C_FindObjects", rv);
    if (!found) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "PKCS#11: no private key labelled '%s' in the token", u->object);
        return false;
    }
    return true;
}

/* The key's public half from its modulus and exponent; refuses anything
 * but RSA-4096. */
static bool read_public(struct factory_p11 *p, GError **error)
{
    CK_KEY_TYPE type = 0;
    uint8_t n[1024], e[16];
    CK_ATTRIBUTE attrs[] = {
        { CKA_KEY_TYPE, &type, sizeof(type) },
        { CKA_MODULUS, n, sizeof(n) },
        { CKA_PUBLIC_EXPONENT, e, sizeof(e) },
    };
    CK_RV rv = p->f->C_GetAttributeValue(p->session, p->key, attrs, 3);
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    BIGNUM *bn = NULL, *be = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    bool ok = false;

    if (rv != CKR_OK)
        return p11_fail(error, "reading the key's modulus", rv);
    if (type != CKK_RSA) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "signing key in the token is not RSA; the firmware verifies RSA-4096 only");
        return false;
    }
    bn = BN_bin2bn(n, (int)attrs[1].ulValueLen, NULL);
    be = BN_bin2bn(e, (int)attrs[2].ulValueLen, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) &&
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &p->pub, EVP_PKEY_PUBLIC_KEY, params) > 0)
        ok = factory_check_signing_key(p->pub, error);
    else
        factory_set_openssl_error(error, "building the token key's public half");
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return ok;
}

struct factory_p11 *factory_p11_open(const char *uri, const char *module, GError **error)
{
    struct p11_uri u = { 0 };
    struct factory_p11 *p = g_new0(struct factory_p11, 1);
    CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
    const char *pin, *so;
    CK_SLOT_ID slot = 0;
    CK_RV rv;

    if (!uri_parse(uri, &u, error))
        goto fail;
    so = u.module ? u.module : module;
    pin = u.pin ? u.pin : g_getenv("LAMPFACTORY_PKCS11_PIN");
    if (!so || !pin) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "PKCS#11: give the module (module-path= in the URI or --pkcs11-module) and "
                    "the PIN (pin-value= or LAMPFACTORY_PKCS11_PIN)");
        goto fail;
    }
    p->module = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!p->module) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "PKCS#11 module %s: %s", so,
                    dlerror());
        goto fail;
    }
    get_list = (CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(p->module, "C_GetFunctionList");
    if (!get_list || (rv = get_list(&p->f)) != CKR_OK) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "PKCS#11 module %s has no usable C_GetFunctionList", so);
        goto fail;
    }
    rv = p->f->C_Initialize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        p11_fail(error, "C_Initialize", rv);
        goto fail;
    }
    p->initialized = rv == CKR_OK;
    if (!find_slot(p, u.token, &slot, error))
        goto fail;
    if ((rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &p->session)) != CKR_OK) {
        p11_fail(error, "C_OpenSession", rv);
        goto fail;
    }
    rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        p11_fail(error, "C_Login", rv);
        goto fail;
    }
    p->logged_in = rv == CKR_OK;
    if (!find_key(p, &u, error) || !read_public(p, error))
        goto fail;
    uri_clear(&u);
    return p;
fail:
    uri_clear(&u);
    factory_p11_free(p);
    return NULL;
}

bool factory_p11_sign(struct factory_p11 *p, const uint8_t digest[32], uint8_t *sig,
                      size_t sig_len, GError **error)
{
    CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, IMAGE_SALT_LEN };
    CK_MECHANISM mech = { CKM_RSA_PKCS_PSS, &pss, sizeof(pss) };
    CK_ULONG len = sig_len;
    CK_RV rv = p->f->C_SignInit(p->session, &mech, p->key);

    if (rv != CKR_OK)
        return p11_fail(error, "C_SignInit (RSA-PSS SHA-256)", rv);
    rv = p->f->C_Sign(p->session, (CK_BYTE_PTR)digest, 32, sig, &len);
    if (rv != CKR_OK)
        return p11_fail(error, "C_Sign", rv);
    if (len != sig_len) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_FAILED,
                    "PKCS#11: signature of %lu bytes, expected %zu", (unsigned long)len, sig_len);
        return false;
    }
    return true;
}

EVP_PKEY *factory_p11_public_key(struct factory_p11 *p)
{
    return p->pub;
}

void factory_p11_free(struct factory_p11 *p)
{
    if (!p)
        return;
    if (p->f && p->session) {
        if (p->logged_in)
            p->f->C_Logout(p->session);
        p->f->C_CloseSession(p->session);
    }
    if (p->f && p->initialized)
        p->f->C_Finalize(NULL);
    if (p->module)
        dlclose(p->module);
    EVP_PKEY_free(p->pub);
    g_free(p);
}
