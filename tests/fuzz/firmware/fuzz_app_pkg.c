/* Fuzz target: the app-package checks (firmware/lib/app_pkg.c) on what the
 * lamp downloads or receives over the console before it stores or runs an
 * app: app_pkg_parse, then app_pkg_verify against the fuzzing fleet's
 * app-signing key and fleet id, with an installed app of the same name.
 * Beyond crashes it checks what app_store and the VM rely on: a parsed
 * package is exactly header + source + signature long, its source 1..
 * APP_PKG_SOURCE_MAX bytes of text, its name 1..31 of [a-z0-9_-] NUL
 * padded, its manifest within bounds (app_pkg_check_manifest agrees, each
 * quota 0 without its API); verify never accepts what parse refuses, nor a
 * downgrade of the installed app. */
#include "app_pkg.h"
#include "fleet_keystore.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct app_pkg_keys keys;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t len;
    const uint8_t *ks = fleet_keystore(&len);

    (void)argc, (void)argv;
    if (app_pkg_keys_from(ks, len, &keys) != NULL)
        abort();
    return 0;
}

static void check_parsed(const struct app_pkg_header *h, const uint8_t *pkg, size_t len)
{
    size_t name_len = strnlen(h->name, APP_PKG_NAME_SIZE);

    if (h->source_size == 0 || h->source_size > APP_PKG_SOURCE_MAX ||
        len != APP_PKG_HEADER_SIZE + h->source_size + APP_PKG_SIG_SIZE || name_len == 0 ||
        name_len > APP_PKG_NAME_MAX || app_pkg_check_manifest(h) != APP_PKG_OK ||
        (h->apis & ~APP_API_ALL) || h->flags != 0)
        abort();
    for (size_t i = 0; i < name_len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", h->name[i]))
            abort();
    for (size_t i = name_len; i < APP_PKG_NAME_SIZE; i++)
        if (h->name[i])
            abort();
    for (size_t i = 0; i < h->source_size; i++)
        if (!app_pkg_text_byte(pkg[APP_PKG_HEADER_SIZE + i]))
            abort();
    if ((!(h->apis & APP_API_MESSAGES) && h->quota_messages_minute) ||
        (!(h->apis & APP_API_STORAGE) && h->quota_storage) ||
        (!(h->apis & APP_API_TIMERS) && h->quota_timers))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct app_pkg_header h, again, installed;

    if (size < 1 || size > 1 + APP_PKG_MAX_SIZE)
        return 0;
    /* The first byte: the installed app's version, relative to 1.0.0. */
    uint32_t installed_version = 0x010000u + (uint32_t)data[0] - 128u;
    data++, size--;
    uint8_t *pkg = malloc(size ? size : 1);
    if (!pkg)
        abort();
    memcpy(pkg, data, size);
    int parsed = app_pkg_parse(pkg, size, &h);
    if (parsed == APP_PKG_OK)
        check_parsed(&h, pkg, size);
    if (parsed == APP_PKG_OK)
        installed = h;
    else
        memset(&installed, 0, sizeof(installed));
    installed.app_version = installed_version;
    int verified = app_pkg_verify(pkg, size, &keys, &installed, &again);
    if (parsed != APP_PKG_OK && verified != parsed)
        abort(); /* verify refuses for parse's reason first */
    if (verified == APP_PKG_OK && again.app_version < installed_version)
        abort(); /* a downgrade accepted */
    if (verified == APP_PKG_OK && memcmp(again.fleet_id, keys.fleet_id, APP_PKG_FLEET_ID_SIZE))
        abort(); /* another fleet's package accepted */
    free(pkg);
    return 0;
}
