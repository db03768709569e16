/* sim/sim_error.h: the GError domain of lampsim's own failures. */
#ifndef LAMPSIM_SIM_ERROR_H
#define LAMPSIM_SIM_ERROR_H

#include <glib.h>
#include <stdbool.h>

#define SIM_ERROR (sim_error_quark())
GQuark sim_error_quark(void);

enum sim_error_code {
    SIM_ERROR_FIRMWARE,  /* missing or corrupt firmware file */
    SIM_ERROR_STATE_DIR, /* unusable state directory */
    SIM_ERROR_ARGS,      /* bad command-line value */
    SIM_ERROR_REFUSED,   /* the lamp's hardware refuses (a blown fuse) */
    SIM_ERROR_BUSY,      /* already done and still in use */
};

/* Sets a SIM_ERROR_ARGS error from a format; returns false, so a check
 * can end with `return sim_error_args(error, "field: ...")`. */
bool sim_error_args(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
