/* firmware/lib/app_pkg.c: see app_pkg.h. */
#include "app_pkg.h"

#include "rsa_pss.h"

#include "mbedtls/sha256.h"

#include <stdbool.h>
#include <string.h>

const char *app_pkg_strerror(int err)
{
    switch (err) {
    case APP_PKG_OK: return "app package verifies";
    case APP_PKG_ETRUNCATED: return "app package truncated (shorter than its header)";
    case APP_PKG_EMAGIC: return "not an app package (bad magic)";
    case APP_PKG_EFORMAT: return "app package format version or header size unknown";
    case APP_PKG_EUNKNOWN: return "app package has fields this lamp does not know (flags or reserved bytes set)";
    case APP_PKG_ENAME: return "app name invalid (1-31 of a-z 0-9 _ -, NUL padded)";
    case APP_PKG_ESOURCE_SIZE: return "app source size out of range";
    case APP_PKG_ELENGTH: return "app package length is not header + source + signature (truncated or trailing bytes)";
    case APP_PKG_EAPIS: return "app manifest asks for unknown APIs";
    case APP_PKG_EQUOTA_MEMORY: return "app memory quota out of range";
    case APP_PKG_EQUOTA_INSNS: return "app instruction quotas out of range";
    case APP_PKG_EQUOTA_MESSAGES: return "app message quota out of range or without the messages API";
    case APP_PKG_EQUOTA_STORAGE: return "app storage quota out of range or without the storage API";
    case APP_PKG_EQUOTA_TIMERS: return "app timer quota out of range or without the timers API";
    case APP_PKG_ETEXT: return "app source is not text (NUL or control bytes: bytecode is refused)";
    case APP_PKG_EFLEET: return "app package is for another fleet";
    case APP_PKG_ESIGNATURE: return "app package signature invalid (not signed with this fleet's app-signing key)";
    case APP_PKG_EDOWNGRADE: return "app version below the installed one (downgrade refused)";
    case APP_PKG_EKEYS: return "lamp has no app-signing key";
    case APP_PKG_EHASH: return "hashing the app package failed";
    default: return "app package refused (unknown reason)";
    }
}

static bool name_ok(const char *name)
{
    size_t n = 0;

    while (n < APP_PKG_NAME_SIZE && name[n])
        n++;
    if (n == 0 || n > APP_PKG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    /* NUL padding only, so one name has one encoding. */
    for (size_t i = n; i < APP_PKG_NAME_SIZE; i++)
        if (name[i])
            return false;
    return true;
}

/* A quota that belongs to an API: 0 without it, 1..max with it. */
static bool api_quota_ok(uint32_t apis, uint32_t api, uint32_t value, uint32_t max)
{
    return (apis & api) ? value >= 1 && value <= max : value == 0;
}

int app_pkg_check_manifest(const struct app_pkg_header *h)
{
    if (!name_ok(h->name))
        return APP_PKG_ENAME;
    if (h->apis & ~APP_API_ALL)
        return APP_PKG_EAPIS;
    if (h->quota_memory < APP_QUOTA_MEMORY_MIN || h->quota_memory > APP_QUOTA_MEMORY_MAX)
        return APP_PKG_EQUOTA_MEMORY;
    /* A callback may use at most what a second allows. */
    if (h->quota_insns_callback == 0 || h->quota_insns_callback > APP_QUOTA_INSNS_CALLBACK_MAX ||
        h->quota_insns_second < h->quota_insns_callback ||
        h->quota_insns_second > APP_QUOTA_INSNS_SECOND_MAX)
        return APP_PKG_EQUOTA_INSNS;
    if (!api_quota_ok(h->apis, APP_API_MESSAGES, h->quota_messages_minute, APP_QUOTA_MESSAGES_MAX))
        return APP_PKG_EQUOTA_MESSAGES;
    if (!api_quota_ok(h->apis, APP_API_STORAGE, h->quota_storage, APP_QUOTA_STORAGE_MAX))
        return APP_PKG_EQUOTA_STORAGE;
    if (!api_quota_ok(h->apis, APP_API_TIMERS, h->quota_timers, APP_QUOTA_TIMERS_MAX))
        return APP_PKG_EQUOTA_TIMERS;
    return APP_PKG_OK;
}

static bool source_is_text(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!app_pkg_text_byte(s[i]))
            return false;
    return true;
}

int app_pkg_parse(const uint8_t *pkg, size_t len, struct app_pkg_header *h)
{
    uint8_t any = 0;
    int err;

    if (len < APP_PKG_HEADER_SIZE)
        return APP_PKG_ETRUNCATED;
    memcpy(h, pkg, sizeof(*h));
    if (h->magic != APP_PKG_MAGIC)
        return APP_PKG_EMAGIC;
    if (h->format_version != APP_PKG_FORMAT_VERSION || h->header_size != APP_PKG_HEADER_SIZE)
        return APP_PKG_EFORMAT;
    for (size_t i = 0; i < sizeof(h->reserved); i++)
        any |= h->reserved[i];
    if (h->flags != 0 || any)
        return APP_PKG_EUNKNOWN;
    if (h->source_size == 0 || h->source_size > APP_PKG_SOURCE_MAX)
        return APP_PKG_ESOURCE_SIZE;
    /* Exact: a package with bytes after its signature is not the one signed. */
    if (len != APP_PKG_HEADER_SIZE + h->source_size + APP_PKG_SIG_SIZE)
        return APP_PKG_ELENGTH;
    err = app_pkg_check_manifest(h);
    if (err)
        return err;
    if (!source_is_text(pkg + APP_PKG_HEADER_SIZE, h->source_size))
        return APP_PKG_ETEXT;
    return APP_PKG_OK;
}

int app_pkg_verify(const uint8_t *pkg, size_t len, const struct app_pkg_keys *k,
                   const struct app_pkg_header *installed, struct app_pkg_header *h)
{
    size_t signed_len;
    uint8_t digest[32];
    int err = app_pkg_parse(pkg, len, h);

    if (err)
        return err;
    if (!k || !k->rsa_n || k->rsa_n_len != APP_PKG_SIG_SIZE || !k->rsa_e || k->rsa_e_len == 0 ||
        k->rsa_e_len > 4)
        return APP_PKG_EKEYS;
    /* Before the signature only to name the reason: another fleet's
     * package fails the signature too (its own key), and the fleet id is
     * signed, so it cannot be edited into this fleet's. */
    if (memcmp(h->fleet_id, k->fleet_id, APP_PKG_FLEET_ID_SIZE) != 0)
        return APP_PKG_EFLEET;
    signed_len = APP_PKG_HEADER_SIZE + h->source_size;
    if (mbedtls_sha256_ret(pkg, signed_len, digest, 0) != 0)
        return APP_PKG_EHASH;
    if (!rsa_pss_verify(k->rsa_n, k->rsa_n_len, k->rsa_e, k->rsa_e_len, digest, pkg + signed_len))
        return APP_PKG_ESIGNATURE;
    if (installed && strncmp(installed->name, h->name, APP_PKG_NAME_SIZE) == 0 &&
        h->app_version < installed->app_version)
        return APP_PKG_EDOWNGRADE;
    return APP_PKG_OK;
}
