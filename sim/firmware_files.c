/* sim/firmware_files.c: load and sanity-check the factory firmware files.
 * The checks mirror what the boot ROM and bootloader would reject, so that
 * a broken build is reported by lampsim with the file name rather than by
 * a lamp that never prints anything. */
#include "firmware_files.h"

#include "periph.h"
#include "sim_error.h"

#include <string.h>

#define BOOTLOADER_MAX (64u * 1024)
#define SLOT_A_BASE 0x00020000u
#define SLOT_SIZE (960u * 1024)
#define APP_HEADER_SIZE 256u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* A Cortex-M vector table starts with the initial MSP and the reset
 * handler's address (Thumb bit set). */
static bool check_vectors(const char *path, const uint8_t *v, uint32_t code_lo,
                          uint32_t code_hi, GError **error)
{
    uint32_t sp = le32(v), reset = le32(v + 4);

    if (sp <= SRAM_BASE || sp > SRAM_BASE + SRAM_SIZE || (sp & 3) != 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE,
                    "%s: initial stack pointer 0x%08x is not in SRAM; "
                    "not a lamp firmware image (rebuild with meson compile)",
                    path, sp);
        return false;
    }
    if ((reset & 1) == 0 || reset < code_lo || reset >= code_hi) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE,
                    "%s: reset handler 0x%08x is not a Thumb address inside "
                    "0x%08x..0x%08x; not a lamp firmware image",
                    path, reset, code_lo, code_hi);
        return false;
    }
    return true;
}

static GBytes *load_file(const char *dir, const char *name, gsize min,
                         gsize max, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) local = NULL;
    char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, &local)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE,
                    "firmware file %s: %s; build it with `meson compile -C "
                    "build` or point --firmware-dir at it",
                    path, local->message);
        return NULL;
    }
    if (len < min || len > max) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE,
                    "firmware file %s: %zu bytes, expected %zu to %zu",
                    path, (size_t)len, (size_t)min, (size_t)max);
        g_free(data);
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

bool firmware_files_load(const char *dir, struct firmware_files *out,
                         GError **error)
{
    g_autofree char *bl_path = g_build_filename(dir, "bootloader.bin", NULL);
    g_autofree char *app_path = g_build_filename(dir, "app.img", NULL);
    const uint8_t *p;
    gsize len;

    memset(out, 0, sizeof(*out));
    out->bootloader = load_file(dir, "bootloader.bin", 8, BOOTLOADER_MAX, error);
    if (!out->bootloader)
        return false;
    p = g_bytes_get_data(out->bootloader, &len);
    if (!check_vectors(bl_path, p, FLASH_BASE, FLASH_BASE + BOOTLOADER_MAX,
                       error))
        goto fail;

    out->app_image = load_file(dir, "app.img", APP_HEADER_SIZE + 8, SLOT_SIZE,
                               error);
    if (!out->app_image)
        goto fail;
    p = g_bytes_get_data(out->app_image, &len);
    if (memcmp(p, "LIMG", 4) != 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_FIRMWARE,
                    "%s: no LIMG image header (is it app.bin instead of "
                    "app.img?)", app_path);
        goto fail;
    }
    if (!check_vectors(app_path, p + APP_HEADER_SIZE, SLOT_A_BASE,
                       SLOT_A_BASE + SLOT_SIZE, error))
        goto fail;
    return true;

fail:
    firmware_files_clear(out);
    return false;
}

void firmware_files_clear(struct firmware_files *fw)
{
    g_clear_pointer(&fw->bootloader, g_bytes_unref);
    g_clear_pointer(&fw->app_image, g_bytes_unref);
}
