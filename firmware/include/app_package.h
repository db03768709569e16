/* firmware/include/app_package.h: the signed partner-app package
 * (docs/formats.md#app-packages): a fixed header (manifest included), the
 * Lua source as text, and an RSA-4096 RSASSA-PSS signature by the fleet's
 * app-signing key.  Shared by the firmware (lib/app_pkg.c) and
 * tools/lampfactory (sign-app). */
#ifndef LAMP_APP_PACKAGE_H
#define LAMP_APP_PACKAGE_H

#include "image.h" /* the signature scheme */
#include "vm_gate.h" /* the VM's arenas bound the memory quota */

#include <stdint.h>

#define APP_PKG_MAGIC 0x5050414Cu /* "LAPP" little endian */
#define APP_PKG_FORMAT_VERSION 1u
#define APP_PKG_HEADER_SIZE 256u
/* The same scheme as update images (image.h): one verifier on the lamp,
 * one signer (PEM or PKCS#11) in the factory; a separate key. */
#define APP_PKG_SIG_SIZE IMAGE_SIG_SIZE /* RSA-4096 RSASSA-PSS, SHA-256, salt 32 */
#define APP_PKG_FLEET_ID_SIZE 32u /* SHA-256 of the fleet's cloud CA certificate (DER) */

/* name: 1 to APP_PKG_NAME_MAX of a-z 0-9 _ -, NUL padded to the field. */
#define APP_PKG_NAME_SIZE 32u
#define APP_PKG_NAME_MAX (APP_PKG_NAME_SIZE - 1u)

/* Bounds the lamp enforces before it looks at anything else: the source
 * must fit the app partition's copy and the VM's parser in one piece. */
#define APP_PKG_SOURCE_MAX (15u * 1024u) /* with header and signature: 16,128 of a 16 KiB slot */
#define APP_PKG_MAX_SIZE (APP_PKG_HEADER_SIZE + APP_PKG_SOURCE_MAX + APP_PKG_SIG_SIZE)

/* The platform APIs an app may ask for: one bit each in `apis`.  The VM
 * gives an app only the APIs its manifest names. */
enum app_api {
    APP_API_LIGHT = 1u << 0,     /* read and set level and colour temperature */
    APP_API_SENSORS = 1u << 1,   /* ambient light, occupancy, power, temperature */
    APP_API_MESSAGES = 1u << 2,  /* publish to and receive from the app's MQTT topic */
    APP_API_STORAGE = 1u << 3,   /* the app's own power-safe key/value storage */
    APP_API_TIMERS = 1u << 4,    /* one-shot and periodic callbacks */
    APP_API_LOG = 1u << 5,       /* lines on the console and in the twin */
    APP_API_BEACON = 1u << 6,    /* the beacons' app slot: iBeacon minor, Eddystone instance tail */
};
#define APP_API_ALL 0x7Fu
/* Their names in manifests (lampfactory) and listings (`app list`), bit 0
 * first. */
#define APP_API_NAMES { "light", "sensors", "messages", "storage", "timers", "log", "beacon" }

/* Quotas: the manifest's values must lie in [min, max]; a quota whose API
 * is not asked for must be 0 (the app gets none of it).  The VM enforces
 * them at run time; these bounds are what a lamp can give one app. */
#define APP_QUOTA_MEMORY_MIN (8u * 1024u)      /* too little for Lua with its libraries: the load fails */
/* An app holds as many of the VM's 16 KiB arenas (MPU sub-regions) as its
 * quota needs, up to all of them: the whole VM heap less the heap's
 * bookkeeping (vm_gate.h VM_HEAP_OF, VM_ARENAS_FOR).  Up to 16,352 bytes
 * takes one arena, so four such apps fit.  Lua's state with its
 * libraries takes about 10.3 KiB of it. */
#define APP_QUOTA_MEMORY_MAX VM_HEAP_OF(VM_ARENAS)
#define APP_QUOTA_INSNS_CALLBACK_MAX 10000000u /* ~0.1 s at 120 MHz */
#define APP_QUOTA_INSNS_SECOND_MAX 24000000u   /* a fifth of the CPU */
#define APP_QUOTA_MESSAGES_MAX 600u            /* per minute, with APP_API_MESSAGES */
#define APP_QUOTA_STORAGE_MAX 2048u            /* bytes, with APP_API_STORAGE: one record in a sector */
#define APP_QUOTA_TIMERS_MAX 16u               /* live timers, with APP_API_TIMERS */

/* The source is text: tab, LF, CR, printable ASCII and bytes >= 0x80
 * (UTF-8 in strings and comments).  Lua bytecode starts with ESC, so it
 * never passes. */
static inline int app_pkg_text_byte(uint8_t c)
{
    return c >= 0x20 ? c != 0x7F : c == '\t' || c == '\n' || c == '\r';
}

/* All fields little endian.  The signature covers the header and the
 * source, exactly as they lie in the package. */
struct app_pkg_header {
    uint32_t magic;
    uint16_t format_version;
    uint16_t header_size;             /* APP_PKG_HEADER_SIZE */
    uint8_t fleet_id[APP_PKG_FLEET_ID_SIZE];
    char name[APP_PKG_NAME_SIZE];
    uint32_t app_version;             /* major << 16 | minor << 8 | patch */
    uint32_t source_size;             /* bytes of Lua source after the header */
    uint32_t apis;                    /* enum app_api bits */
    uint32_t quota_memory;            /* bytes of Lua heap */
    uint32_t quota_insns_callback;    /* VM instructions per callback */
    uint32_t quota_insns_second;      /* VM instructions per second */
    uint32_t quota_messages_minute;   /* messages sent per minute */
    uint32_t quota_storage;           /* bytes of storage */
    uint32_t quota_timers;            /* timers at once */
    uint32_t flags;                   /* none defined: 0 */
    uint8_t reserved[APP_PKG_HEADER_SIZE - 112]; /* 0 */
};

_Static_assert(sizeof(struct app_pkg_header) == APP_PKG_HEADER_SIZE, "header is 256 bytes");

#endif
