/* blebridge/medium.h: the virtual BLE medium: the air shared by every lamp
 * of a lampsim process (docs/ble.md).  Each lamp's radio (emu/ble.h) is
 * on it through machine_config.ble_ops; centrals act on it either in
 * process (ble_medium_find and the ble_radio_* calls) or from other
 * programs through a Unix socket speaking the line protocol of
 * docs/ble.md#the-central-socket. */
#ifndef LAMPSIM_BLEBRIDGE_MEDIUM_H
#define LAMPSIM_BLEBRIDGE_MEDIUM_H

#include "ble.h"

#include <gio/gio.h>
#include <glib.h>
#include <stdbool.h>

typedef struct ble_medium ble_medium;

struct ble_medium *ble_medium_new(void);
void ble_medium_free(struct ble_medium *md);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ble_medium, ble_medium_free)

/* What to put in machine_config.ble_ops, with md as ble_medium. */
extern const struct ble_medium_ops ble_medium_radio_ops;
/* A lamp leaves the medium (before its machine is freed). */
void ble_medium_forget(struct ble_medium *md, struct ble_radio *r);

/* The lamp's address on the medium: a static random address derived from
 * its name (the serial), "C?:XX:XX:XX:XX:XX". */
void ble_medium_address(const struct ble_radio *r, char out[18]);
/* A radio the medium has seen, by address; NULL if none. */
struct ble_radio *ble_medium_find(struct ble_medium *md, const char *address);

/* Centrals inside the process (scenarios, the BlueZ transport): each
 * observer is told of changes, and of notifications and links the lamp
 * ended on radios that no socket client holds, and picks its own. */
struct ble_medium_observer {
    /* advertising or the attribute table changed (any radio) */
    void (*changed)(void *user, struct ble_radio *r);
    void (*notify)(void *user, struct ble_radio *r, const char *uuid, const uint8_t *value,
                   size_t len);
    void (*link_lost)(void *user, struct ble_radio *r);
};
void ble_medium_observe(struct ble_medium *md, const struct ble_medium_observer *ops, void *user);
void ble_medium_unobserve(struct ble_medium *md, const struct ble_medium_observer *ops, void *user);

/* Serves the central socket at path (an existing socket file is replaced).
 * The medium, its clients and its observers run on the thread, and in the
 * thread-default main context, it was made in; lamps may run on others
 * (docs/ble.md#threads). */
bool ble_medium_listen(struct ble_medium *md, const char *path, GError **error);

/* A central speaking the central socket's line protocol
 * (docs/ble.md#the-central-socket) on md: each client of the socket is
 * one; tests and the fuzz target (tests/fuzz/host/fuzz_ble_central.c)
 * make their own, without a socket.  Its reply lines, and the
 * notifications and disconnections of the links it holds, are written to
 * out.  On the medium's thread only. */
typedef struct ble_central ble_central;
struct ble_central *ble_central_new(struct ble_medium *md, GOutputStream *out);
/* One command line, without its line end (modified in place). */
void ble_central_line(struct ble_central *c, char *line);
/* Disconnects the links it holds. */
void ble_central_free(struct ble_central *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ble_central, ble_central_free)

#endif
