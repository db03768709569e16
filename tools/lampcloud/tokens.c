/* tools/lampcloud/tokens.c: see tokens.h.  The table is keyed by the
 * token's SHA-256, not the token: a hash table's lookup time then says
 * nothing about how much of a guessed token was right. */
#include "tokens.h"
#include "hex.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

struct session {
    char *installer;
    gint64 expires; /* g_get_monotonic_time() */
};

struct tokens {
    GMutex lock;
    GHashTable *by_hash; /* hex SHA-256 of the token -> struct session */
};

static void session_free(gpointer p)
{
    struct session *s = p;
    g_free(s->installer);
    g_free(s);
}

struct tokens *tokens_new(void)
{
    struct tokens *t = g_new0(struct tokens, 1);

    g_mutex_init(&t->lock);
    t->by_hash = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, session_free);
    return t;
}

void tokens_free(struct tokens *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->by_hash);
    g_mutex_clear(&t->lock);
    g_free(t);
}

static char *token_hash(const char *token)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

static gboolean expired(gpointer key, gpointer value, gpointer now)
{
    return ((struct session *)value)->expires <= *(gint64 *)now;
}

char *tokens_issue(struct tokens *t, const char *installer)
{
    uint8_t raw[TOKEN_BYTES];
    struct session *s;
    gint64 now = g_get_monotonic_time();
    char *token;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return NULL;
    token = hex_encode(raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    s = g_new0(struct session, 1);
    s->installer = g_strdup(installer);
    s->expires = now + (gint64)TOKEN_LIFETIME_S * G_USEC_PER_SEC;
    g_mutex_lock(&t->lock);
    /* forgetting expired tokens here keeps the table as small as the live ones */
    g_hash_table_foreach_remove(t->by_hash, expired, &now);
    g_hash_table_insert(t->by_hash, token_hash(token), s);
    g_mutex_unlock(&t->lock);
    return token;
}

char *tokens_check(struct tokens *t, const char *token)
{
    g_autofree char *hash = token_hash(token);
    struct session *s;
    char *installer = NULL;

    g_mutex_lock(&t->lock);
    s = g_hash_table_lookup(t->by_hash, hash);
    if (s && s->expires > g_get_monotonic_time())
        installer = g_strdup(s->installer);
    g_mutex_unlock(&t->lock);
    return installer;
}
