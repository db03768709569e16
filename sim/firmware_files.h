/* sim/firmware_files.h: the firmware files a factory image is made of,
 * loaded and checked before anything is written to a lamp. */
#ifndef LAMPSIM_SIM_FIRMWARE_FILES_H
#define LAMPSIM_SIM_FIRMWARE_FILES_H

#include <glib.h>
#include <stdbool.h>

struct firmware_files {
    GBytes *bootloader; /* raw bootloader.bin, laid at 0x0 */
    GBytes *app_image;  /* app.img (header + payload), laid at slot A */
};

/* Loads DIR/bootloader.bin and DIR/app.img and checks that they are what
 * they claim to be; errors name the file and what is wrong. */
bool firmware_files_load(const char *dir, struct firmware_files *out,
                         GError **error);
void firmware_files_clear(struct firmware_files *fw);

#endif
