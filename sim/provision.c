/* sim/provision.c: running tools/lampfactory. */
#include "provision.h"

#include "config.h"
#include "sim_error.h"

#include <string.h>

const char *provision_tool_path(void)
{
    const char *env = g_getenv("LAMPSIM_LAMPFACTORY");
    return env && *env ? env : LAMPSIM_LAMPFACTORY;
}

bool provision_run_tool(const char *const *argv, char **out, GError **error)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_autofree char *std_out = NULL, *std_err = NULL;
    gint status;

    g_ptr_array_add(args, (gpointer)provision_tool_path());
    for (const char *const *a = argv; *a; a++)
        g_ptr_array_add(args, (gpointer)*a);
    g_ptr_array_add(args, NULL);
    if (!g_spawn_sync(NULL, (char **)args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                      &std_out, &std_err, &status, error)) {
        g_prefix_error(error, "running %s: ", provision_tool_path());
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_strstrip(std_err);
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE, "lampfactory %s failed: %s", argv[0],
                    *std_err ? std_err : "(no message)");
        return false;
    }
    if (out)
        *out = g_steal_pointer(&std_out);
    return true;
}

bool provision_lamp(const struct provision_request *r, GError **error)
{
    const char *argv[] = {
        "provision", "--fleet", r->fleet_dir, "--state-dir", r->state_dir,
        "--serial", r->serial, "--profile", r->profile, "--image", r->image,
        "--bootloader", r->bootloader, "--replace", NULL, NULL, NULL, NULL, NULL,
    };
    size_t extra = G_N_ELEMENTS(argv) - 5;

    if (r->cloud) {
        argv[extra++] = "--cloud";
        argv[extra++] = r->cloud;
    }
    if (r->variant) {
        argv[extra++] = "--variant";
        argv[extra++] = r->variant;
    }

    return provision_run_tool(argv, NULL, error);
}
