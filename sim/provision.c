/* sim/provision.c: lampsim's new lamps, through the factory library. */
#include "provision.h"

void provision_default_serial(const struct lamp_config *cfg, char out[PROVISION_SERIAL_SIZE])
{
    /* An odd multiplier is a bijection modulo 2^32. */
    guint32 n = cfg->seeded ? (guint32)(cfg->seed * 2654435761u) : g_random_int();

    g_snprintf(out, PROVISION_SERIAL_SIZE, "LMP-%08X", n);
}

bool provision_new_lamps(const struct lamp_config *cfg, const char *const *dirs,
                         const char *const *serials, guint n, guint threads,
                         factory_progress_fn progress, gpointer user_data, GError **error)
{
    g_autofree char *image = g_build_filename(cfg->firmware_dir, "app.img", NULL);
    g_autofree char *bootloader = g_build_filename(cfg->firmware_dir, "bootloader.bin", NULL);
    g_autofree struct provision_params *p = g_new(struct provision_params, n);
    bool ok;

    for (guint i = 0; i < n; i++)
        p[i] = (struct provision_params){
            .fleet_dir = cfg->fleet_dir, .state_dir = dirs[i], .serial = serials[i],
            .profile = cfg->profile ? cfg->profile : "development",
            .image_path = image, .bootloader_path = bootloader, .replace = true,
            .cloud = cfg->cloud, .variant = cfg->variant,
        };
    ok = factory_provision_lamps(p, n, threads, progress, user_data, error);
    if (!ok && n == 1)
        g_prefix_error(error, "provisioning lamp %s into %s: ", serials[0], dirs[0]);
    return ok;
}
