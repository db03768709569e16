/* sim/bluez_exposure.h: which lamps of a lampsim process the host's BlueZ
 * adapter shows, and the rotation through them (docs/ble.md#bluez): an
 * adapter runs only a few advertisements at once, so a fleet is shown a
 * few lamps at a time. */
#ifndef LAMPSIM_SIM_BLUEZ_EXPOSURE_H
#define LAMPSIM_SIM_BLUEZ_EXPOSURE_H

#include "lamp.h"
#include "medium.h"

#include <glib.h>

struct bluez_exposure_config {
    const char *adapter;    /* "hci0" */
    const char *serials;    /* comma-separated: only these lamps; NULL: all */
    guint count;            /* shown at once; 0: the adapter's advertisement slots */
    double rotate_s;        /* > 0: every this many seconds the longest shown gives way */
};

struct bluez_exposure;
struct bluez_exposure *bluez_exposure_new(struct ble_medium *md, struct lamp *const *lamps,
                                          guint nlamps, const struct bluez_exposure_config *cfg,
                                          GError **error);
void bluez_exposure_free(struct bluez_exposure *e);

#endif
