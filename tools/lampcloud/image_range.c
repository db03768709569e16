/* tools/lampcloud/image_range.c: see image_range.h. */
#include "image_range.h"

#include <string.h>

static bool digits(const char *s, const char *end, guint64 *out)
{
    g_autofree char *t = g_strndup(s, (gsize)(end - s));

    return end > s && g_ascii_string_to_unsigned(t, 10, 0, G_MAXINT64, out, NULL);
}

/* "bytes=A-", "bytes=A-B" (B past the end means the end) and "bytes=-N"
 * (the last N bytes) are one range; another unit, or several ranges, are
 * ignored (the whole image). */
enum image_range image_range_parse(const char *v, gint64 size, gint64 *start, gint64 *end)
{
    g_autofree char *spec = NULL;
    const char *dash;
    guint64 a, b;

    if (!v)
        return IMAGE_RANGE_NONE;
    while (g_ascii_isspace(*v))
        v++;
    if (g_ascii_strncasecmp(v, "bytes", 5))
        return IMAGE_RANGE_NONE;
    v += 5;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v != '=')
        return IMAGE_RANGE_NONE;
    if (strchr(v, ','))
        return IMAGE_RANGE_NONE;
    spec = g_strstrip(g_strdup(v + 1));
    dash = strchr(spec, '-');
    if (!dash)
        return IMAGE_RANGE_UNSATISFIABLE;
    if (dash == spec) { /* the last N bytes */
        if (!digits(dash + 1, spec + strlen(spec), &b) || b == 0 || size == 0)
            return IMAGE_RANGE_UNSATISFIABLE;
        *start = b >= (guint64)size ? 0 : size - (gint64)b;
        *end = size - 1;
        return IMAGE_RANGE_ONE;
    }
    if (!digits(spec, dash, &a))
        return IMAGE_RANGE_UNSATISFIABLE;
    if (dash[1]) {
        if (!digits(dash + 1, spec + strlen(spec), &b))
            return IMAGE_RANGE_UNSATISFIABLE;
    } else {
        b = G_MAXINT64;
    }
    if (a >= (guint64)size || b < a)
        return IMAGE_RANGE_UNSATISFIABLE;
    *start = (gint64)a;
    *end = MIN((gint64)b, size - 1);
    return IMAGE_RANGE_ONE;
}

bool image_name_valid(const char *name)
{
    if (!*name || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
            return false;
    return true;
}
