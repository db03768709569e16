/* firmware/include/app_topics.h: partner apps' MQTT topics
 * (docs/cloud.md#partner-apps), shared by the lamp (app_delivery.c,
 * app_status.c, vm_app_messages.c) and the reference cloud (lampcloud app):
 *   lamp/SERIAL/appctl/NAME          cloud -> lamp, QoS 1, retained: an offer
 *       {"url":"https://HOST:PORT/PATH","version":"x.y.z","size":N} or {"remove":true}
 *   lamp/SERIAL/appctl/NAME/status   lamp -> cloud, QoS 1, retained:
 *       {"state":S,"version":"x.y.z"[,"why":"..."]}
 *   lamp/SERIAL/app/NAME/SUB         the app's own messages, both ways
 * NAME is an app package's name (app_package.h). */
#ifndef LAMP_APP_TOPICS_H
#define LAMP_APP_TOPICS_H

#define APP_TOPIC_LAMP_PREFIX "lamp/"
#define APP_TOPIC_APPCTL "appctl"       /* lamp/SERIAL/appctl/NAME */
#define APP_TOPIC_STATUS "status"       /* lamp/SERIAL/appctl/NAME/status */
#define APP_TOPIC_APP "app"             /* lamp/SERIAL/app/NAME/SUB */

/* The lamp's topic suffixes (after lamp/SERIAL/): the
 * status of app NAME, the app NAME's message subtopic SUB. */
#define APP_SUFFIX_STATUS_FMT APP_TOPIC_APPCTL "/%s/" APP_TOPIC_STATUS
#define APP_SUFFIX_APP_FMT APP_TOPIC_APP "/%s/%s"

/* printf formats of the two appctl topics: serial, then name. */
#define APP_TOPIC_APPCTL_FMT APP_TOPIC_LAMP_PREFIX "%s/" APP_TOPIC_APPCTL "/%s"
#define APP_TOPIC_STATUS_FMT APP_TOPIC_APPCTL_FMT "/" APP_TOPIC_STATUS
/* Every offer and status of one lamp (serial), or of all ("+"). */
#define APP_TOPIC_APPCTL_ALL_FMT APP_TOPIC_LAMP_PREFIX "%s/" APP_TOPIC_APPCTL "/#"

/* The states a lamp reports on the status topic. */
#define APP_STATES_INSTALL "downloading, interrupted, installed, refused, failed, removed, current"
#define APP_STATES_RUNTIME "running, stopped, faulted, disabled"

/* The offer that removes an app. */
#define APP_OFFER_REMOVE "{\"remove\":true}"

#endif
