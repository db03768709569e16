/* tools/lampcloud/tokens.h: the commissioning service's login tokens: 32
 * random bytes in hex, valid one hour, kept in memory only (a restarted
 * cloud asks installers to log in again).  Safe to use from any thread. */
#ifndef LAMPCLOUD_TOKENS_H
#define LAMPCLOUD_TOKENS_H

#include <glib.h>
#include <stdbool.h>

#define TOKEN_LIFETIME_S 3600
#define TOKEN_BYTES 32

struct tokens;
struct tokens *tokens_new(void);
void tokens_free(struct tokens *t);
/* A new token for the installer; NULL only if the RNG fails. */
char *tokens_issue(struct tokens *t, const char *installer);
/* The installer a valid, unexpired token belongs to (g_free it), or NULL. */
char *tokens_check(struct tokens *t, const char *token);

#endif
