/* tools/lampcloud/registry_lookup.h: a lamp's status in the fleet registry
 * (registry.sqlite, docs/formats.md#registry), read-only, shared by the
 * broker plugin and the image server. */
#ifndef LAMPCLOUD_REGISTRY_LOOKUP_H
#define LAMPCLOUD_REGISTRY_LOOKUP_H

#include <stddef.h>

enum registry_status { REGISTRY_ACTIVE, REGISTRY_REVOKED, REGISTRY_UNKNOWN, REGISTRY_ERROR };

/* On REGISTRY_ERROR, err (errlen bytes) says why. */
enum registry_status registry_lookup(const char *registry_path, const char *serial, char *err,
                                     size_t errlen);
const char *registry_status_name(enum registry_status s);

#endif
