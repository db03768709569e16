/* firmware/lib/app_pkg.h: checking a partner-app package
 * (include/app_package.h, docs/formats.md#app-packages) before the lamp
 * stores or runs it.  Plain C, no allocation: the same file is built for
 * the lamp and for the host's unit tests (tests/unit/apppkg). */
#ifndef LAMP_LIB_APP_PKG_H
#define LAMP_LIB_APP_PKG_H

#include "app_package.h"

#include <stddef.h>
#include <stdint.h>

/* Why a package is refused: 0 or one of these. */
enum app_pkg_err {
    APP_PKG_OK = 0,
    APP_PKG_ETRUNCATED = -1,   /* shorter than a header */
    APP_PKG_EMAGIC = -2,       /* not an app package */
    APP_PKG_EFORMAT = -3,      /* unknown format version or header size */
    APP_PKG_EUNKNOWN = -4,     /* flags or reserved bytes set */
    APP_PKG_ENAME = -5,        /* name empty, too long, not NUL padded or bad characters */
    APP_PKG_ESOURCE_SIZE = -6, /* source empty or above APP_PKG_SOURCE_MAX */
    APP_PKG_ELENGTH = -7,      /* package length is not header + source + signature */
    APP_PKG_EAPIS = -8,        /* unknown API bits */
    APP_PKG_EQUOTA_MEMORY = -9,
    APP_PKG_EQUOTA_INSNS = -10,   /* per callback 0 or too high, per second below it or too high */
    APP_PKG_EQUOTA_MESSAGES = -11,
    APP_PKG_EQUOTA_STORAGE = -12,
    APP_PKG_EQUOTA_TIMERS = -13,
    APP_PKG_ETEXT = -14,       /* source holds NUL or control bytes (bytecode, binary) */
    APP_PKG_EFLEET = -15,      /* made for another fleet */
    APP_PKG_ESIGNATURE = -16,  /* not signed by this fleet's app-signing key */
    APP_PKG_EDOWNGRADE = -17,  /* lower version than the installed app of that name */
    APP_PKG_EKEYS = -18,       /* the lamp has no app-signing key */
    APP_PKG_EHASH = -19,       /* hashing failed */
};

/* What the lamp trusts: from its keystore (app_pkg_keys_load). */
struct app_pkg_keys {
    const uint8_t *rsa_n, *rsa_e; /* app-signing key, big endian */
    size_t rsa_n_len, rsa_e_len;
    uint8_t fleet_id[APP_PKG_FLEET_ID_SIZE];
};

/* Lamp only (app_keys.c): the app-signing key and the fleet id from the
 * keystore; NULL, or why not. */
const char *app_pkg_keys_load(struct app_pkg_keys *k);
/* The same from a keystore of size bytes at keystore (host tests and
 * fuzzing: a keystore read from a file). */
const char *app_pkg_keys_from(const uint8_t *keystore, size_t size, struct app_pkg_keys *k);

/* One line, for the console and reports. */
const char *app_pkg_strerror(int err);

/* The manifest alone: name, APIs and quotas within their bounds (for an
 * app loaded without a package: the runtime's development path). */
int app_pkg_check_manifest(const struct app_pkg_header *h);

/* The checks that need no key: header fields, manifest values, lengths
 * against len (the whole package), source as text.  *h receives the header
 * (the package need not be aligned). */
int app_pkg_parse(const uint8_t *pkg, size_t len, struct app_pkg_header *h);

/* Full check, in this order: app_pkg_parse, fleet, signature over header
 * and source, then the version against the installed app (NULL: none; only
 * an app of the same name is a downgrade).  Nothing from the package is
 * trusted before the signature holds; 0 when it may be installed. */
int app_pkg_verify(const uint8_t *pkg, size_t len, const struct app_pkg_keys *k,
                   const struct app_pkg_header *installed, struct app_pkg_header *h);

#endif
