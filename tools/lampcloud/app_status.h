/* tools/lampcloud/app_status.h: `lampcloud app status`'s table: the
 * partner apps' state as the cloud last heard it.  The lamps' status
 * messages and the cloud's offers are retained, so the broker keeps them
 * (persisted in the state directory, as the shadows are); the command
 * reads them back (cloud_read_retained) and this lays each lamp's app on
 * one row. */
#ifndef LAMPCLOUD_APP_STATUS_H
#define LAMPCLOUD_APP_STATUS_H

#include <glib.h>

/* retained: topic -> payload under lamp/+/appctl/# (other topics are left
 * out).  Appends a header and one row per lamp and app, by serial then
 * app: the cloud's offer (a version, "remove", "?" when unreadable), the
 * lamp's state, version and why ("-": none); returns the rows (0: no
 * header either). */
guint app_status_table(GHashTable *retained, GString *out);

#endif
