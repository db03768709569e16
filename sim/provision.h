/* sim/provision.h: making a new lamp the way the factory does, by running
 * tools/lampfactory (docs/tools.md), so lampsim and fleet owners share one
 * provisioning path. */
#ifndef LAMPSIM_SIM_PROVISION_H
#define LAMPSIM_SIM_PROVISION_H

#include <glib.h>
#include <stdbool.h>

struct provision_request {
    const char *fleet_dir;   /* trust material and registry */
    const char *state_dir;   /* the new lamp's directory (no lamp.img yet) */
    const char *serial;
    const char *profile;     /* "production" or "development" */
    const char *image;       /* signed update image installed in slot A */
    const char *bootloader;  /* bootloader.bin */
    const char *cloud;       /* "host:port" of the broker, or NULL (lampfactory's default) */
    const char *variant;     /* "crypto" or "basic" hardware, or NULL (lampfactory's default) */
};

/* The lampfactory program lampsim runs: $LAMPSIM_LAMPFACTORY, else the one
 * built next to lampsim. */
const char *provision_tool_path(void);
/* Runs `lampfactory provision --replace` (a serial lampsim reuses, say from
 * --seed, is re-provisioned); the error carries the tool's own message. */
bool provision_lamp(const struct provision_request *r, GError **error);
/* Runs lampfactory with argv (argv[0] is the subcommand); captures stdout
 * into *out if out is not NULL. */
bool provision_run_tool(const char *const *argv, char **out, GError **error);

#endif
