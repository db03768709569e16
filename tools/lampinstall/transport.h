/* tools/lampinstall/transport.h: how the installer's app reaches lamps:
 * lampsim's virtual BLE medium (its socket) or a host BlueZ adapter.  A
 * lamp is named by an id the transport gives (an address on the medium,
 * a GATT service object behind BlueZ, where many lamps share one device). */
#ifndef LAMPINSTALL_TRANSPORT_H
#define LAMPINSTALL_TRANSPORT_H

#include "commission_format.h" /* COMMISSION_*_UUID */

#include <glib.h>
#include <stdbool.h>

struct transport {
    const struct transport_ops *ops;
};

struct transport_ops {
    /* ids of the lamps in range offering the commissioning service */
    GPtrArray *(*scan)(struct transport *t, GError **error);
    bool (*open)(struct transport *t, const char *id, GError **error);
    /* lamp info, hex */
    char *(*read_info)(struct transport *t, const char *id, GError **error);
    /* subscribes to the status, then writes the blob (hex) */
    bool (*send_blob)(struct transport *t, const char *id, const char *hex, GError **error);
    /* the lamp's status text; NULL with error on timeout or a dropped link */
    char *(*await_status)(struct transport *t, const char *id, int timeout_ms, GError **error);
    void (*close)(struct transport *t, const char *id);
    void (*free)(struct transport *t);
};

struct transport *transport_medium_new(const char *socket_path, GError **error);
struct transport *transport_bluez_new(const char *adapter, int scan_ms, GError **error);

#endif
