/* tools/lampcloud/installers.h: installer accounts in the fleet registry
 * (table installers; docs/commissioning.md#installer-accounts):
 * PBKDF2-HMAC-SHA256, a 16-byte random salt and a 32-byte hash per
 * account, the iteration count stored with it. */
#ifndef LAMPCLOUD_INSTALLERS_H
#define LAMPCLOUD_INSTALLERS_H

#include <glib.h>
#include <stdbool.h>

#define INSTALLER_ITERATIONS 100000
#define INSTALLER_NAME_MAX 64

/* Creates the table if the registry has none (CREATE TABLE IF NOT EXISTS). */
bool installers_init(const char *registry, GError **error);
/* An INPUT error for a name that is not 1..64 printable ASCII characters
 * without spaces, or an empty password; an existing name unless replace. */
bool installer_add(const char *registry, const char *name, const char *password, bool replace,
                   GError **error);
bool installer_remove(const char *registry, const char *name, GError **error);

enum installer_check { INSTALLER_OK, INSTALLER_REFUSED, INSTALLER_ERROR };
/* REFUSED alike for an unknown name and a wrong password, in about the
 * same time (an unknown name costs one PBKDF2 too). */
enum installer_check installer_check(const char *registry, const char *name,
                                     const char *password, GError **error);
/* The account still exists (a removed installer's tokens stop working). */
enum installer_check installer_exists(const char *registry, const char *name, GError **error);

#endif
