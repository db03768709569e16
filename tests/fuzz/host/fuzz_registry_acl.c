/* Fuzz target: the broker plugin's inputs (tools/lampcloud/registry_acl.c,
 * registry_lookup.c): a client's certificate CN and MQTT client id at
 * CONNECT, then the topics it reads and writes, against a registry in a
 * temporary directory (LMP-7 active, LMP-8 revoked).  Input lines: the
 * CN, the client id ("-" alone: none), then topics, each prefixed 'R'
 * (read or subscribe) or 'W' (publish).
 * Beyond crashes it checks the promises of docs/cloud.md: only the
 * active lamp, with its CN as client id, or a "cloud:" client whose id is
 * its CN, is admitted; the registry answers "active" for that serial and
 * no other string (no pattern, no prefix, no case folding); an admitted
 * lamp's allowed topics all start with lamp/ITS-SERIAL/, and it may
 * never write lamp/ITS-SERIAL/appctl/NAME. */
#include "app_topics.h"
#include "registry_acl.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTIVE_LAMP "LMP-7"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *registry;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *tmp = g_dir_make_tmp("fuzz-registry-XXXXXX", NULL);
    sqlite3 *db = NULL;
    char *err = NULL;

    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
    registry = g_build_filename(tmp ? tmp : "/nonexistent", "registry.sqlite", NULL);
    /* the lamps table as lampfactory makes it (docs/formats.md#registry) */
    if (!tmp || sqlite3_open(registry, &db) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TABLE lamps(serial TEXT PRIMARY KEY, profile TEXT,"
                         " status TEXT, device_cert_pem TEXT, commission_key_hex TEXT,"
                         " commission_n INTEGER, provisioned_at TEXT);"
                         "INSERT INTO lamps VALUES('" ACTIVE_LAMP "', 'production', 'active', '',"
                         " '00', 0, '');"
                         "INSERT INTO lamps VALUES('LMP-8', 'production', 'revoked', '',"
                         " '00', 0, '');",
                     NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fuzz_registry_acl: %s: %s\n", registry, err ? err : "cannot create");
        exit(1);
    }
    sqlite3_close(db);
    g_free(tmp);
    return 0;
}

static bool app_offer(const char *rest)
{
    const char *slash;

    if (!g_str_has_prefix(rest, APP_TOPIC_APPCTL "/"))
        return false;
    rest += strlen(APP_TOPIC_APPCTL "/");
    slash = strchr(rest, '/');
    return *rest && !slash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    enum registry_status status;
    enum registry_admission admitted;
    const char *cn, *id;
    char err[256] = "";

    if (!lines[0] || !lines[1])
        return 0;
    cn = lines[0];
    id = strcmp(lines[1], "-") ? lines[1] : NULL;
    admitted = registry_admit(registry, cn, id, &status, err, sizeof(err));
    if (status == REGISTRY_ERROR)
        abort(); /* the registry is there and readable */
    switch (admitted) {
    case REGISTRY_ADMIT_CLOUD:
        if (!id || strcmp(id, cn) || !g_str_has_prefix(cn, REGISTRY_CLOUD_PREFIX))
            abort();
        break;
    case REGISTRY_ADMIT_LAMP:
        if (!id || strcmp(id, ACTIVE_LAMP) || strcmp(cn, ACTIVE_LAMP) || status != REGISTRY_ACTIVE)
            abort();
        break;
    case REGISTRY_REFUSE_ID:
        if (id && !strcmp(id, cn))
            abort();
        break;
    case REGISTRY_REFUSE_LAMP:
        if (status == REGISTRY_ACTIVE || !strcmp(cn, ACTIVE_LAMP))
            abort();
        break;
    default:
        abort();
    }
    /* the same question of the registry with the client id alone */
    if (id && (registry_lookup(registry, id, err, sizeof(err)) == REGISTRY_ACTIVE) !=
                  !strcmp(id, ACTIVE_LAMP))
        abort();
    for (char **t = lines + 2; *t; t++) {
        bool write = (*t)[0] == 'W';
        const char *topic = **t ? *t + 1 : *t;
        bool allowed = registry_acl_allows(id, topic, write);
        if (!allowed || !id || g_str_has_prefix(id, REGISTRY_CLOUD_PREFIX))
            continue;
        g_autofree char *own = g_strconcat(APP_TOPIC_LAMP_PREFIX, id, "/", NULL);
        if (!g_str_has_prefix(topic, own) || (write && app_offer(topic + strlen(own))))
            abort();
    }
    return 0;
}
