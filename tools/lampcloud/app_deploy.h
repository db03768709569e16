/* tools/lampcloud/app_deploy.h: partner-app delivery, the cloud's half
 * (docs/cloud.md#partner-apps): a package checked as a lamp checks it,
 * served by the image server, offered on lamp/SERIAL/appctl/NAME; what
 * the lamps said back on the status topics. */
#ifndef LAMPCLOUD_APP_DEPLOY_H
#define LAMPCLOUD_APP_DEPLOY_H

#include "app_package.h"
#include "lampcloud.h"

struct app_package {
    GBytes *data;
    struct app_pkg_header h;
    char version[12];  /* "x.y.z" */
    char *file_name;   /* NAME-x.y.z.lpk: its name in the images directory and URL */
};

/* Reads path and checks it with the lamp's own verifier (app_pkg_verify,
 * firmware/lib/app_pkg.c) against the fleet's app-signing key and fleet
 * id: an error names the file and the lamp's reason. */
bool app_package_load(const char *path, const char *fleet_dir, struct app_package *p,
                      GError **error);
void app_package_clear(struct app_package *p);
/* "nightlight 1.2.0: 812 bytes of source, APIs light, log; memory 32768 ..." */
char *app_package_describe(const struct app_package *p);
/* Writes the package into the images directory (atomically: a download in
 * progress keeps the file it opened) and returns its HTTPS URL; *replaced
 * when a file of that name held other bytes (the same version signed
 * again: a lamp resuming a download of the old one will refuse it). */
char *app_package_serve(const struct cloud_site *s, const struct app_package *p, bool *replaced,
                        GError **error);
/* The install offer's JSON. */
char *app_offer_install(const char *url, const struct app_package *p);

/* 1 to APP_PKG_NAME_MAX of a-z 0-9 _ -, as a package's name. */
bool app_name_valid(const char *name);
/* The registry holds serial (as active, when active is true); an error
 * that says otherwise. */
bool app_lamp_known(const struct cloud_site *s, const char *serial, bool active,
                    GError **error);
/* The lamps an offer goes to: serial, which must be active in the
 * registry, or (serial NULL) every active lamp, *revoked counting those
 * left out.  g_ptr_array_unref it. */
GPtrArray *app_targets(const struct cloud_site *s, const char *serial, guint *revoked,
                       GError **error);
/* offer (retained, QoS 1) on lamp/SERIAL/appctl/name for every serial. */
bool app_offer_publish(const struct cloud_site *s, GPtrArray *serials, const char *name,
                       const char *offer, GError **error);

#endif
