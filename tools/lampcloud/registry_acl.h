/* tools/lampcloud/registry_acl.h: the broker plugin's decisions
 * (registry_plugin.c), apart from Mosquitto: who may connect, given its
 * certificate's CN and MQTT client id, and which topics a client may use.
 * Pure but for the registry lookup; fuzzed by
 * tests/fuzz/host/fuzz_registry_acl.c. */
#ifndef LAMPCLOUD_REGISTRY_ACL_H
#define LAMPCLOUD_REGISTRY_ACL_H

#include "registry_lookup.h"

#include <stdbool.h>
#include <stddef.h>

/* The cloud's own clients' CN prefix: never a valid serial. */
#define REGISTRY_CLOUD_PREFIX "cloud:"

enum registry_admission {
    REGISTRY_ADMIT_CLOUD,     /* the cloud's own client */
    REGISTRY_ADMIT_LAMP,      /* a lamp the registry holds as active */
    REGISTRY_REFUSE_ID,       /* the client id is not the CN */
    REGISTRY_REFUSE_LAMP,     /* unknown, revoked, or the registry unreadable (*status says) */
};

/* Whether a client whose certificate names cn and whose MQTT client id is
 * id (NULL: none) connects; a lamp is looked up in registry (err: why it
 * could not be read, when *status is REGISTRY_ERROR). */
enum registry_admission registry_admit(const char *registry, const char *cn, const char *id,
                                       enum registry_status *status, char *err, size_t errlen);

/* Whether client id (NULL: none) may read (write false) or write topic:
 * the cloud everything; a lamp lamp/ID/... only, and not write its app
 * offers (lamp/ID/appctl/NAME). */
bool registry_acl_allows(const char *id, const char *topic, bool write);

#endif
