/* tools/lampcloud/lamp_keys.h: a lamp's commissioning key in the fleet
 * registry (lamps.commission_key_hex = K(n), lamps.commission_n = n;
 * docs/commissioning.md#keys), read and moved forward (registry_db.h). */
#ifndef LAMPCLOUD_LAMP_KEYS_H
#define LAMPCLOUD_LAMP_KEYS_H

#include "commission_blob.h"
#include "registry_lookup.h"

struct lamp_key {
    enum registry_status status; /* ACTIVE, REVOKED or UNKNOWN (then nothing else is set) */
    uint32_t n;
    uint8_t key[COMMISSION_KEY_LEN];
};

/* false (with error) only when the registry cannot be read or the row is
 * malformed; an unknown lamp is status REGISTRY_UNKNOWN. */
bool lamp_key_read(const char *registry, const char *serial, struct lamp_key *out,
                   GError **error);

enum lamp_key_move {
    LAMP_KEY_ADVANCED, /* the row was at from, now at to */
    LAMP_KEY_ALREADY,  /* the row is already at to: nothing to do */
    LAMP_KEY_BEHIND,   /* the row is past to: the claim is old */
    LAMP_KEY_TOO_FAR,  /* to is more than COMMISSION_AHEAD_MAX ahead of the row */
    LAMP_KEY_UNKNOWN,  /* no such lamp */
    LAMP_KEY_ERROR,
};
/* In one transaction: moves the lamp's row to n = to, deriving K(to) from
 * the row's key, if the row is behind by 1..COMMISSION_AHEAD_MAX.  *from
 * gets the row's n before (when the lamp is known). */
enum lamp_key_move lamp_key_advance(const char *registry, const char *serial, uint32_t to,
                                    uint32_t *from, GError **error);

#endif
