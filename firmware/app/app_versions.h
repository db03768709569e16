/* firmware/app/app_versions.h: the highest version ever installed under
 * each app name, kept across removals (nvstore sectors 11-12,
 * docs/formats.md#nvstore), so a removed app cannot come back older.
 * Remembers APP_VERSIONS_NAMES names; when a new name finds it full, the
 * name raised longest ago that is not installed is forgotten (its floor
 * goes: an app removed and followed by that many other names may come back
 * at any version; the signature still holds it to the fleet's packages). */
#ifndef LAMP_APP_VERSIONS_H
#define LAMP_APP_VERSIONS_H

#include <stdbool.h>
#include <stdint.h>

#define APP_VERSIONS_NAMES 16u /* 588 bytes of record: 147 word programs a raise */

/* Reads the record at boot. */
void app_versions_init(void);
/* The floor for that name, 0 when none is remembered. */
uint32_t app_versions_floor(const char *name);
/* Raises the floor of name to version (nothing when it is not higher);
 * installed(other) tells which names must not be forgotten.  0, or the
 * FLASHCTL error bits. */
uint32_t app_versions_raise(const char *name, uint32_t version, bool (*installed)(const char *));

#endif
