/* firmware/app/app_status.h: an app's state for the cloud, retained at
 * QoS 1 on lamp/SERIAL/appctl/NAME/status (docs/cloud.md#apps):
 * {"state":S,"version":"x.y.z"[,"why":"..."]}.  Delivery publishes
 * downloading, interrupted, installed, refused, failed, removed and
 * current; the runtime may publish running, stopped, faulted, disabled. */
#ifndef LAMP_APP_STATUS_H
#define LAMP_APP_STATUS_H

/* why may be NULL.  0 if queued, -1 when the lamp is offline (the state
 * is then lost; the next notification reports again). */
int app_status_publish(const char *name, const char *state, const char *version, const char *why);

#endif
