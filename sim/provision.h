/* sim/provision.h: making new lamps the way the factory does, through
 * tools/lampfactory's library in this process (factory.h, docs/tools.md),
 * so lampsim and `lampfactory provision` share one provisioning path:
 * same files, same registry row, same errors. */
#ifndef LAMPSIM_SIM_PROVISION_H
#define LAMPSIM_SIM_PROVISION_H

#include "factory.h"
#include "lamp.h"

#include <glib.h>
#include <stdbool.h>

#define PROVISION_SERIAL_SIZE OTP_SERIAL_SIZE /* OTP_SERIAL_MAX characters and a NUL */

/* The serial a new lamp gets when none is given: derived from cfg's seed
 * (distinct seeds, distinct serials), else random. */
void provision_default_serial(const struct lamp_config *cfg, char out[PROVISION_SERIAL_SIZE]);

/* Provisions n new lamps, dirs[i] with serials[i], from cfg's fleet and
 * firmware directory (app.img, bootloader.bin), development fuses unless
 * cfg->profile, cfg's cloud and variant, on `threads` threads (0: one per
 * core); progress as factory_provision_lamps.  A serial already in the
 * registry is re-provisioned (--replace: lampsim reuses serials, say from
 * --seed).  One lamp's error is prefixed with its serial and directory. */
bool provision_new_lamps(const struct lamp_config *cfg, const char *const *dirs,
                         const char *const *serials, guint n, guint threads,
                         factory_progress_fn progress, gpointer user_data, GError **error);

#endif
