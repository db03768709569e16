/* Fuzz target: what lampcloud's image service reads from a request before
 * it serves a byte (tools/lampcloud/image_range.c): the image name in the
 * path and the Range header, against an image whose size the input
 * picks.  Input: 8 bytes of size (little endian, top bit cleared), then
 * the path's name and the Range value, separated by a newline.
 * Beyond crashes it checks what serve_image relies on: an accepted range
 * lies within the image (0 <= start <= end < size), and an accepted name
 * cannot leave the images directory (no '/', no leading '.'). */
#include "image_range.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name)
{
    if (!image_name_valid(name))
        return;
    if (!*name || name[0] == '.' || strchr(name, '/') || strchr(name, '\\'))
        abort();
}

static void check_range(const char *value, gint64 image_size)
{
    gint64 start = -1, end = -1;

    switch (image_range_parse(value, image_size, &start, &end)) {
    case IMAGE_RANGE_ONE:
        if (start < 0 || start > end || end >= image_size)
            abort();
        break;
    case IMAGE_RANGE_NONE:
    case IMAGE_RANGE_UNSATISFIABLE:
        if (start != -1 || end != -1) /* nothing is served from them */
            abort();
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t raw = 0;

    if (size < 8)
        return 0;
    for (int i = 7; i >= 0; i--)
        raw = raw << 8 | data[i];
    data += 8, size -= 8;
    g_autofree char *text = g_strndup((const char *)data, size); /* stops at a NUL, as C headers do */
    char *range = strchr(text, '\n');
    if (range)
        *range++ = '\0';
    check_name(text);
    /* the size the input picks, and the small ones where edges are */
    check_range(range, (gint64)(raw & INT64_MAX));
    check_range(range, (gint64)(raw % 4));
    check_range(range, 0);
    return 0;
}
