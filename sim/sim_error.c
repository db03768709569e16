/* sim/sim_error.c: the GError domain of lampsim's own failures. */
#include "sim_error.h"

G_DEFINE_QUARK(lampsim-error-quark, sim_error)

bool sim_error_args(GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, SIM_ERROR, SIM_ERROR_ARGS, msg);
    return false;
}
