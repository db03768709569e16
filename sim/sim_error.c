/* sim/sim_error.c: the GError domain of lampsim's own failures. */
#include "sim_error.h"

G_DEFINE_QUARK(lampsim-error-quark, sim_error)
