/* tools/lampfactory/app_sign.c: a partner app's manifest and Lua source
 * become a signed app package (docs/formats.md#app-packages).  The bounds
 * are app_package.h's, the ones the lamp checks again (lib/app_pkg.c);
 * here every refusal names the manifest field. */
#include "factory.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

/* Bit i of `apis` is api_names[i] (app_package.h, as the lamp lists them). */
static const char *const api_names[] = APP_API_NAMES;
G_STATIC_ASSERT((1u << G_N_ELEMENTS(api_names)) - 1 == APP_API_ALL);

char *factory_app_api_list(uint32_t apis)
{
    GString *out = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(api_names); i++)
        if (apis & (1u << i))
            g_string_append_printf(out, "%s%s", out->len ? ", " : "", api_names[i]);
    if (!out->len)
        g_string_append(out, "none");
    return g_string_free(out, FALSE);
}

/* The manifest's fields, in the order docs/tools.md lists them. */
enum field { F_NAME, F_VERSION, F_APIS, F_MEMORY, F_INSNS_CALLBACK, F_INSNS_SECOND,
             F_MESSAGES, F_STORAGE, F_TIMERS, F_COUNT };
static const char *const field_names[F_COUNT] = {
    "name", "version", "apis", "memory", "instructions_per_callback",
    "instructions_per_second", "messages_per_minute", "storage", "timers",
};

static bool bad(GError **error, const char *where, const char *field, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static bool bad(GError **error, const char *where, const char *field, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s: field '%s': %s", where, field, msg);
    return false;
}

static bool parse_name(const char *v, char out[APP_PKG_NAME_SIZE], const char *where,
                       GError **error)
{
    size_t n = strlen(v);

    if (n == 0 || n > APP_PKG_NAME_MAX || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        return bad(error, where, "name", "'%s': 1 to %u of a-z 0-9 _ -", v, APP_PKG_NAME_MAX);
    memset(out, 0, APP_PKG_NAME_SIZE);
    memcpy(out, v, n);
    return true;
}

static bool parse_apis(const char *v, uint32_t *apis, const char *where, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(v, ",", -1);

    *apis = 0;
    for (char **p = parts; *p; p++) {
        const char *name = g_strstrip(*p);
        size_t i;
        if (!*name && !parts[1])
            break; /* "apis =": none */
        for (i = 0; i < G_N_ELEMENTS(api_names) && strcmp(name, api_names[i]); i++)
            ;
        if (i == G_N_ELEMENTS(api_names))
            return bad(error, where, "apis",
                       "unknown API '%s' (known: light, sensors, messages, storage, timers, log)",
                       name);
        if (*apis & (1u << i))
            return bad(error, where, "apis", "'%s' given twice", name);
        *apis |= 1u << i;
    }
    return true;
}

static bool parse_u32(const char *v, enum field f, uint32_t *out, const char *where,
                      GError **error)
{
    char *end;
    unsigned long long n;

    errno = 0;
    n = g_ascii_isdigit(*v) ? strtoull(v, &end, 10) : 0;
    if (!g_ascii_isdigit(*v) || *end || errno || n > UINT32_MAX)
        return bad(error, where, field_names[f], "'%s' is not a number 0 to 4294967295", v);
    *out = (uint32_t)n;
    return true;
}

static bool in_range(uint32_t v, uint32_t min, uint32_t max, enum field f, const char *where,
                     GError **error)
{
    if (v >= min && v <= max)
        return true;
    return bad(error, where, field_names[f], "%u is outside %u to %u", v, min, max);
}

/* A quota whose API the app does not ask for must be 0; with it, 1..max. */
static bool api_quota(const struct app_pkg_header *h, uint32_t api, const char *api_name,
                      uint32_t v, uint32_t max, enum field f, const char *where, GError **error)
{
    if (!(h->apis & api)) {
        if (v == 0)
            return true;
        return bad(error, where, field_names[f], "%u without '%s' in apis: must be 0", v,
                   api_name);
    }
    return in_range(v, 1, max, f, where, error);
}

static bool check_values(const struct app_pkg_header *h, const char *where, GError **error)
{
    return in_range(h->quota_memory, APP_QUOTA_MEMORY_MIN, APP_QUOTA_MEMORY_MAX, F_MEMORY, where,
                    error) &&
           in_range(h->quota_insns_callback, 1, APP_QUOTA_INSNS_CALLBACK_MAX, F_INSNS_CALLBACK,
                    where, error) &&
           in_range(h->quota_insns_second, h->quota_insns_callback, APP_QUOTA_INSNS_SECOND_MAX,
                    F_INSNS_SECOND, where, error) &&
           api_quota(h, APP_API_MESSAGES, "messages", h->quota_messages_minute,
                     APP_QUOTA_MESSAGES_MAX, F_MESSAGES, where, error) &&
           api_quota(h, APP_API_STORAGE, "storage", h->quota_storage, APP_QUOTA_STORAGE_MAX,
                     F_STORAGE, where, error) &&
           api_quota(h, APP_API_TIMERS, "timers", h->quota_timers, APP_QUOTA_TIMERS_MAX,
                     F_TIMERS, where, error);
}

static bool set_field(struct app_pkg_header *h, enum field f, const char *v, const char *where,
                      GError **error)
{
    uint32_t *num[F_COUNT] = {
        [F_MEMORY] = &h->quota_memory, [F_INSNS_CALLBACK] = &h->quota_insns_callback,
        [F_INSNS_SECOND] = &h->quota_insns_second, [F_MESSAGES] = &h->quota_messages_minute,
        [F_STORAGE] = &h->quota_storage, [F_TIMERS] = &h->quota_timers,
    };
    GError *verr = NULL;

    switch (f) {
    case F_NAME:
        return parse_name(v, h->name, where, error);
    case F_VERSION:
        if (factory_parse_version(v, &h->app_version, &verr))
            return true;
        g_error_free(verr);
        return bad(error, where, "version", "'%s': MAJOR.MINOR.PATCH, each 0-255", v);
    case F_APIS:
        return parse_apis(v, &h->apis, where, error);
    default:
        return parse_u32(v, f, num[f], where, error);
    }
}

bool factory_app_manifest_parse(const char *text, size_t len, const char *path,
                                struct app_pkg_header *h, GError **error)
{
    g_autofree char *copy = g_strndup(text, len);
    g_auto(GStrv) lines = NULL;
    bool seen[F_COUNT] = { false };

    if (strlen(copy) != len) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT, "%s: holds a NUL byte: not a "
                    "manifest (key = value lines)", path);
        return false;
    }
    memset(h, 0, sizeof(*h));
    lines = g_strsplit(copy, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        g_autofree char *where = g_strdup_printf("%s line %zu", path, i + 1);
        char *line = g_strstrip(lines[i]), *eq, *key, *value;
        int f;

        if (!*line || *line == '#')
            continue;
        eq = strchr(line, '=');
        if (!eq) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "%s: '%s' is not 'field = value'", where, line);
            return false;
        }
        *eq = 0;
        key = g_strstrip(line);
        value = g_strstrip(eq + 1);
        for (f = 0; f < F_COUNT && strcmp(key, field_names[f]); f++)
            ;
        if (f == F_COUNT) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "%s: unknown field '%s' (fields: name, version, apis, memory, "
                        "instructions_per_callback, instructions_per_second, "
                        "messages_per_minute, storage, timers)", where, key);
            return false;
        }
        if (seen[f])
            return bad(error, where, key, "given twice");
        seen[f] = true;
        if (!set_field(h, (enum field)f, value, where, error))
            return false;
    }
    for (int f = 0; f < F_COUNT; f++)
        if (!seen[f])
            return bad(error, path, field_names[f], "missing (every field is required; 0 "
                       "for a quota the app does not use)");
    return check_values(h, path, error);
}

bool factory_fleet_id(const char *fleet_dir, uint8_t id[APP_PKG_FLEET_ID_SIZE], GError **error)
{
    g_autofree char *path = factory_fleet_path(fleet_dir, FLEET_CLOUD_CA_CERT);
    g_autofree uint8_t *der = NULL;
    size_t len;

    if (!factory_cert_der(path, &der, &len, error))
        return false;
    SHA256(der, len, id);
    return true;
}

GBytes *factory_app_sign_header(const struct app_pkg_header *h, const uint8_t *src, size_t len,
                                struct factory_signer *signer, GError **error)
{
    size_t total = APP_PKG_HEADER_SIZE + len + APP_PKG_SIG_SIZE;
    uint8_t *pkg = g_malloc0(total), digest[32];

    memcpy(pkg, h, APP_PKG_HEADER_SIZE);
    memcpy(pkg + APP_PKG_HEADER_SIZE, src, len);
    SHA256(pkg, APP_PKG_HEADER_SIZE + len, digest);
    if (!factory_signer_sign(signer, digest, pkg + APP_PKG_HEADER_SIZE + len, error)) {
        g_free(pkg);
        return NULL;
    }
    return g_bytes_new_take(pkg, total);
}

GBytes *factory_sign_app(const struct app_pkg_header *manifest,
                         const uint8_t fleet_id[APP_PKG_FLEET_ID_SIZE], const uint8_t *src,
                         size_t len, const char *src_path, struct factory_signer *signer,
                         GError **error)
{
    struct app_pkg_header h = *manifest;

    if (len == 0 || len > APP_PKG_SOURCE_MAX) {
        g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                    "%s: %zu bytes of source; an app has 1 to %u", src_path, len,
                    APP_PKG_SOURCE_MAX);
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!app_pkg_text_byte(src[i])) {
            g_set_error(error, FACTORY_ERROR, FACTORY_ERROR_INPUT,
                        "%s: byte 0x%02x at offset %zu: the source must be Lua text (no "
                        "bytecode, no control characters but tab, CR, LF)", src_path, src[i], i);
            return NULL;
        }
    }
    if (!check_values(&h, "manifest", error))
        return NULL;
    h.flags = 0;
    memset(h.reserved, 0, sizeof(h.reserved));
    h.magic = APP_PKG_MAGIC;
    h.format_version = APP_PKG_FORMAT_VERSION;
    h.header_size = APP_PKG_HEADER_SIZE;
    h.source_size = (uint32_t)len;
    memcpy(h.fleet_id, fleet_id, APP_PKG_FLEET_ID_SIZE);
    return factory_app_sign_header(&h, src, len, signer, error);
}
